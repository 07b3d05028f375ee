/**
 * The generated cluster every kernel scenario runs against: two nodes on one underlay, host-gw pod routing,
 * bridge + portmap CNI, kube-proxy iptables mode with clusterCIDR 10.244.0.0/16.
 *
 *   node-a 192.168.50.11  cni0 10.244.1.1/24      node-b 192.168.50.12  cni0 10.244.2.1/24
 *     hp-web   10.244.1.10  8080/TCP <- hostPort 8081, 9053/UDP <- hostPort 9053
 *     client-a 10.244.1.20  (no ports; a client)
 *     web-a    10.244.1.30  app=web   8080/TCP 8053/UDP
 *     local-a  10.244.1.40  app=local 8080/TCP
 *     host listeners (NodeHostState): 0.0.0.0:2222 "sshd", 127.0.0.1:2223 "admin",
 *       0.0.0.0:8081 (the hostPort: portmap steals it), 0.0.0.0:30082 (a NodePort without endpoints)
 *                                                   web-b    10.244.2.30  app=web 8080/TCP 8053/UDP
 *                                                   client-b 10.244.2.20  (no ports)
 *                                                   hostnet-b hostNetwork 9100/TCP
 *                                                   hp-ip    10.244.2.40  8080/TCP <- 192.168.50.12:8082 (hostIP)
 *                                                   hp-clash 10.244.2.50  8080/TCP <- hostPort 30080 (= web's NodePort)
 *   Services: web   NodePort eTP Cluster 10.96.0.10 80/TCP->8080 (30080), 53/UDP->8053 (30053)
 *             local NodePort eTP Local   10.96.0.20 80/TCP->8080 (30081)
 *             metrics NodePort eTP Cluster 10.96.0.40 9100/TCP->9100 (30090), endpoint: hostnet-b (node-b's IP)
 *             metrics-local NodePort eTP Local 10.96.0.41 9100/TCP->9100 (30091), endpoint: hostnet-b
 *             empty NodePort             10.96.0.30 80/TCP->8080 (30082; selector matches nothing)
 *   external client 203.0.113.2 behind the fabric router, which routes 10.96.0.0/16 via node-a.
 */
import { ClusterBuilder } from './cluster';

export const NODE_A = { name: 'node-a', ip: '192.168.50.11', podCIDR: '10.244.1.0/24' };
export const NODE_B = { name: 'node-b', ip: '192.168.50.12', podCIDR: '10.244.2.0/24' };
export const EXTERNAL_CLIENT_IP = '203.0.113.2';
export const UNDERLAY = { gateway: '192.168.50.1', prefix: 24, clientGateway: '203.0.113.1', clientPrefix: 24 };
/** the fabric router sends the Service CIDR to node-a, so the external client can try ClusterIPs there */
export const SERVICE_CIDR_ROUTE = { cidr: '10.96.0.0/16', via: '192.168.50.11' };

export const HOSTPORT_TCP = 8081;
export const HOSTPORT_UDP = 9053;
export const HOST_LISTENER_PORT = 2222;
export const HOST_LOOPBACK_LISTENER_PORT = 2223;
export const HOSTIP_HOSTPORT = 8082;
export const HOSTNET_PORT = 9100;
export const WEB = { clusterIP: '10.96.0.10', port: 80, udpPort: 53, nodePort: 30080, udpNodePort: 30053 };
export const LOCAL = { clusterIP: '10.96.0.20', port: 80, nodePort: 30081 };
export const METRICS = { clusterIP: '10.96.0.40', port: 9100, nodePort: 30090 };
export const METRICS_LOCAL = { clusterIP: '10.96.0.41', port: 9100, nodePort: 30091 };
export const EMPTY = { clusterIP: '10.96.0.30', port: 80, nodePort: 30082 };
export const UNCLAIMED_PORT = 31999;

/**
 * The cluster; with `iptablesSave` (node name -> `iptables-save` text taken from the kernel), every node also carries
 * its dump in a NodeHostState, so trace() walks what the kernel holds instead of the rendered rules.
 */
export function buildScenarioCluster(iptablesSave: Record<string, string> = {}, opts: ConstructorParameters<typeof ClusterBuilder>[1] = {}): ClusterBuilder {
  return new ClusterBuilder('kernel-suite', opts)
    .node(NODE_A)
    .node(NODE_B)
    .pod({ name: 'hp-web', node: 'node-a', ip: '10.244.1.10', ports: [
      { containerPort: 8080, hostPort: HOSTPORT_TCP },
      { containerPort: 9053, hostPort: HOSTPORT_UDP, protocol: 'UDP' },
    ] })
    .pod({ name: 'client-a', node: 'node-a', ip: '10.244.1.20' })
    .pod({ name: 'web-a', node: 'node-a', ip: '10.244.1.30', labels: { app: 'web' }, ports: [
      { name: 'http', containerPort: 8080 },
      { name: 'dns', containerPort: 8053, protocol: 'UDP' },
    ] })
    .pod({ name: 'local-a', node: 'node-a', ip: '10.244.1.40', labels: { app: 'local' }, ports: [{ containerPort: 8080 }] })
    .pod({ name: 'web-b', node: 'node-b', ip: '10.244.2.30', labels: { app: 'web' }, ports: [
      { name: 'http', containerPort: 8080 },
      { name: 'dns', containerPort: 8053, protocol: 'UDP' },
    ] })
    .pod({ name: 'client-b', node: 'node-b', ip: '10.244.2.20' })
    .pod({ name: 'hostnet-b', node: 'node-b', hostNetwork: true, labels: { app: 'metrics' }, ports: [{ containerPort: HOSTNET_PORT, hostPort: HOSTNET_PORT }] })
    .pod({ name: 'hp-ip', node: 'node-b', ip: '10.244.2.40', ports: [{ containerPort: 8080, hostPort: HOSTIP_HOSTPORT, hostIP: NODE_B.ip }] })
    .pod({ name: 'hp-clash', node: 'node-b', ip: '10.244.2.50', ports: [{ containerPort: 8080, hostPort: WEB.nodePort }] })
    .hostState('node-a', {
      listeners: [
        { port: HOST_LISTENER_PORT, process: 'sshd' },
        { port: HOST_LOOPBACK_LISTENER_PORT, address: '127.0.0.1', process: 'admin' },
        { port: HOSTPORT_TCP, process: 'stolen' },
        { port: EMPTY.nodePort, process: 'blocked' },
      ],
      iptablesSave: iptablesSave['node-a'],
    })
    .hostState('node-b', { iptablesSave: iptablesSave['node-b'] })
    .service({ name: 'web', type: 'NodePort', clusterIP: WEB.clusterIP, selector: { app: 'web' }, externalTrafficPolicy: 'Cluster', ports: [
      { name: 'http', port: WEB.port, targetPort: 8080, nodePort: WEB.nodePort },
      { name: 'dns', port: WEB.udpPort, targetPort: 8053, nodePort: WEB.udpNodePort, protocol: 'UDP' },
    ] })
    .service({ name: 'local', type: 'NodePort', clusterIP: LOCAL.clusterIP, selector: { app: 'local' }, externalTrafficPolicy: 'Local', ports: [
      { port: LOCAL.port, targetPort: 8080, nodePort: LOCAL.nodePort },
    ] })
    .service({ name: 'metrics', type: 'NodePort', clusterIP: METRICS.clusterIP, selector: { app: 'metrics' }, externalTrafficPolicy: 'Cluster', ports: [
      { port: METRICS.port, targetPort: HOSTNET_PORT, nodePort: METRICS.nodePort },
    ] })
    .service({ name: 'metrics-local', type: 'NodePort', clusterIP: METRICS_LOCAL.clusterIP, selector: { app: 'metrics' }, externalTrafficPolicy: 'Local', ports: [
      { port: METRICS_LOCAL.port, targetPort: HOSTNET_PORT, nodePort: METRICS_LOCAL.nodePort },
    ] })
    .service({ name: 'empty', type: 'NodePort', clusterIP: EMPTY.clusterIP, selector: { app: 'nothing-has-this' }, ports: [
      { port: EMPTY.port, targetPort: 8080, nodePort: EMPTY.nodePort },
    ] });
}
