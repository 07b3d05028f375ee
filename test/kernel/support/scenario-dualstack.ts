/**
 * The dual-stack kernel cluster: the two scenario nodes with an IPv6 InternalIP and IPv6 pod subnet each, kube-proxy
 * in iptables mode (one proxier per family: iptables and ip6tables) and portmap's iptables backend (IPv6 mappings in
 * ip6tables).
 *
 *   node-a 192.168.50.11 + fd00:50::11  cni0 10.244.1.1/24 + fd00:10:244:1::1/64
 *     hp-web 10.244.1.10 fd00:10:244:1::10  8080/TCP <- hostPort 8081 (no hostIP: both families), 9053/UDP <- 9053
 *     hp-v4  10.244.1.11 fd00:10:244:1::11  8080/TCP <- hostPort 8083, hostIP 0.0.0.0 (IPv4 only)
 *     hp-v6  10.244.1.12 fd00:10:244:1::12  8080/TCP <- hostPort 8084, hostIP :: (IPv6 only)
 *     client-a 10.244.1.20 fd00:10:244:1::20;  web-a 10.244.1.30 fd00:10:244:1::30 app=web;  local-a .40 / ::40 app=local
 *   node-b 192.168.50.12 + fd00:50::12  cni0 10.244.2.1/24 + fd00:10:244:2::1/64
 *     web-b 10.244.2.30 fd00:10:244:2::30 app=web;  client-b 10.244.2.20 fd00:10:244:2::20
 *   Services: web   NodePort dual-stack 10.96.0.10 + fd00:10:96::10 80/TCP->8080 (30080), 53/UDP->8053 (30053)
 *             local NodePort dual-stack eTP Local 10.96.0.20 + fd00:10:96::20 (30081)
 *             web4  NodePort IPv4 only 10.96.0.50 (30083)
 *   external client 203.0.113.2 and 2001:db8:ff::2 behind the fabric router (fd00:50::1 on the underlay).
 */
import { ClusterBuilder } from './cluster';
import { NODE_A, NODE_B } from './scenario';

export const NODE_A6 = 'fd00:50::11';
export const NODE_B6 = 'fd00:50::12';
export const EXTERNAL_CLIENT_IP6 = '2001:db8:ff::2';
export const UNDERLAY6 = { underlayGateway: 'fd00:50::1', underlayPrefix: 64, clientIP: EXTERNAL_CLIENT_IP6, clientGateway: '2001:db8:ff::1', clientPrefix: 64 };
export const CLUSTER_CIDR6 = 'fd00:10:244::/56';
export const DUAL = {
  hostPort: 8081, hostPortUDP: 9053, hostPortV4: 8083, hostPortV6: 8084,
  web: { clusterIP: '10.96.0.10', clusterIP6: 'fd00:10:96::10', port: 80, udpPort: 53, nodePort: 30080, udpNodePort: 30053 },
  local: { clusterIP: '10.96.0.20', clusterIP6: 'fd00:10:96::20', port: 80, nodePort: 30081 },
  web4: { clusterIP: '10.96.0.50', port: 80, nodePort: 30083 },
};

/** `dumps`: node -> iptables-save and `<node>/ip6` -> ip6tables-save taken from the kernel, carried in NodeHostStates. */
export function buildDualStackCluster(dumps: Record<string, string> = {}): ClusterBuilder {
  const web = [{ name: 'http', containerPort: 8080 }, { name: 'dns', containerPort: 8053, protocol: 'UDP' as const }];
  return new ClusterBuilder('kernel-dualstack', { clusterCIDR6: CLUSTER_CIDR6 })
    .node({ ...NODE_A, ip6: NODE_A6, podCIDR6: 'fd00:10:244:1::/64' })
    .node({ ...NODE_B, ip6: NODE_B6, podCIDR6: 'fd00:10:244:2::/64' })
    .pod({ name: 'hp-web', node: 'node-a', ip: '10.244.1.10', ip6: 'fd00:10:244:1::10', ports: [
      { containerPort: 8080, hostPort: DUAL.hostPort },
      { containerPort: 9053, hostPort: DUAL.hostPortUDP, protocol: 'UDP' },
    ] })
    .pod({ name: 'hp-v4', node: 'node-a', ip: '10.244.1.11', ip6: 'fd00:10:244:1::11', ports: [{ containerPort: 8080, hostPort: DUAL.hostPortV4, hostIP: '0.0.0.0' }] })
    .pod({ name: 'hp-v6', node: 'node-a', ip: '10.244.1.12', ip6: 'fd00:10:244:1::12', ports: [{ containerPort: 8080, hostPort: DUAL.hostPortV6, hostIP: '::' }] })
    .pod({ name: 'client-a', node: 'node-a', ip: '10.244.1.20', ip6: 'fd00:10:244:1::20' })
    .pod({ name: 'web-a', node: 'node-a', ip: '10.244.1.30', ip6: 'fd00:10:244:1::30', labels: { app: 'web' }, ports: web })
    .pod({ name: 'local-a', node: 'node-a', ip: '10.244.1.40', ip6: 'fd00:10:244:1::40', labels: { app: 'local' }, ports: [{ containerPort: 8080 }] })
    .pod({ name: 'web-b', node: 'node-b', ip: '10.244.2.30', ip6: 'fd00:10:244:2::30', labels: { app: 'web' }, ports: web })
    .pod({ name: 'client-b', node: 'node-b', ip: '10.244.2.20', ip6: 'fd00:10:244:2::20' })
    .hostState('node-a', { iptablesSave: dumps['node-a'], ip6tablesSave: dumps['node-a/ip6'] })
    .hostState('node-b', { iptablesSave: dumps['node-b'], ip6tablesSave: dumps['node-b/ip6'] })
    .service({ name: 'web', type: 'NodePort', clusterIP: DUAL.web.clusterIP, clusterIP6: DUAL.web.clusterIP6, selector: { app: 'web' }, ports: [
      { name: 'http', port: DUAL.web.port, targetPort: 8080, nodePort: DUAL.web.nodePort },
      { name: 'dns', port: DUAL.web.udpPort, targetPort: 8053, nodePort: DUAL.web.udpNodePort, protocol: 'UDP' },
    ] })
    .service({ name: 'local', type: 'NodePort', clusterIP: DUAL.local.clusterIP, clusterIP6: DUAL.local.clusterIP6, selector: { app: 'local' }, externalTrafficPolicy: 'Local', ports: [
      { port: DUAL.local.port, targetPort: 8080, nodePort: DUAL.local.nodePort },
    ] })
    .service({ name: 'web4', type: 'NodePort', clusterIP: DUAL.web4.clusterIP, selector: { app: 'web' }, ports: [
      { name: 'http', port: DUAL.web4.port, targetPort: 8080, nodePort: DUAL.web4.nodePort },
    ] });
}
