import { loadSnapshot, podFromObject } from '../adapter';
import { ClusterEngine } from '../engine';

/** Two nodes under Cilium's kube-proxy replacement, shaped like `kubectl get -o yaml` of the objects that matter. */
function cluster(cilium: Record<string, string> = {}, extra = ''): ClusterEngine {
  const data = { 'kube-proxy-replacement': 'true', 'routing-mode': 'tunnel', 'tunnel-protocol': 'vxlan', ...cilium };
  const text = `
apiVersion: v1
kind: Node
metadata: {name: node-a, labels: {kubernetes.io/hostname: node-a}}
spec: {podCIDR: 10.0.1.0/24, podCIDRs: [10.0.1.0/24]}
status: {addresses: [{type: InternalIP, address: 192.168.10.1}], allocatable: {cpu: '4', memory: 8Gi, pods: '110'}}
---
apiVersion: v1
kind: Node
metadata: {name: node-b, labels: {kubernetes.io/hostname: node-b}}
spec: {podCIDR: 10.0.2.0/24, podCIDRs: [10.0.2.0/24]}
status: {addresses: [{type: InternalIP, address: 192.168.10.2}], allocatable: {cpu: '4', memory: 8Gi, pods: '110'}}
---
apiVersion: v1
kind: Pod
metadata: {name: api-b, namespace: shop, labels: {app: api}}
spec: {nodeName: node-b, containers: [{name: api, image: example/api:1, ports: [{containerPort: 8080}]}]}
status: {phase: Running, podIP: 10.0.2.7, podIPs: [{ip: 10.0.2.7}]}
---
apiVersion: v1
kind: Pod
metadata: {name: client-a, namespace: shop}
spec: {nodeName: node-a, containers: [{name: c, image: example/curl:1}]}
status: {phase: Running, podIP: 10.0.1.9, podIPs: [{ip: 10.0.1.9}]}
---
apiVersion: v1
kind: Pod
metadata: {name: web-hp, namespace: shop}
spec: {nodeName: node-a, containers: [{name: web, image: nginx:1.27, ports: [{containerPort: 80, hostPort: 8081}]}]}
status: {phase: Running, podIP: 10.0.1.20, podIPs: [{ip: 10.0.1.20}]}
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: shop}
spec: {type: NodePort, clusterIP: 10.96.5.5, clusterIPs: [10.96.5.5], selector: {app: api}, ports: [{name: http, port: 80, targetPort: 8080, nodePort: 31080, protocol: TCP}]}
---
apiVersion: v1
kind: Service
metadata: {name: local, namespace: shop}
spec: {type: NodePort, externalTrafficPolicy: Local, clusterIP: 10.96.5.6, clusterIPs: [10.96.5.6], selector: {app: api}, ports: [{name: http, port: 80, targetPort: 8080, nodePort: 31081, protocol: TCP}]}
---
apiVersion: v1
kind: Service
metadata: {name: empty, namespace: shop}
spec: {type: NodePort, clusterIP: 10.96.5.7, clusterIPs: [10.96.5.7], selector: {app: nothing}, ports: [{port: 80, targetPort: 8080, nodePort: 31082, protocol: TCP}]}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: api-x1, namespace: shop, labels: {kubernetes.io/service-name: api}}
addressType: IPv4
ports: [{name: http, port: 8080, protocol: TCP}]
endpoints: [{addresses: [10.0.2.7], nodeName: node-b, conditions: {ready: true, serving: true, terminating: false}}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: local-x1, namespace: shop, labels: {kubernetes.io/service-name: local}}
addressType: IPv4
ports: [{name: http, port: 8080, protocol: TCP}]
endpoints: [{addresses: [10.0.2.7], nodeName: node-b, conditions: {ready: true, serving: true, terminating: false}}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cilium-config, namespace: kube-system}
data:
${Object.entries(data).map(([k, v]) => `  ${k}: "${v}"`).join('\n')}
${extra}`;
  return new ClusterEngine(loadSnapshot([{ name: 'cilium.yaml', text }]).snapshot);
}

describe('Cilium kube-proxy replacement traces', () => {
  const e = cluster();

  it('localhost NodePorts work: socket-LB rewrites connect() to the backend, nothing is DNATed on the wire', () => {
    const r = e.traceText('127.0.0.1:31080/TCP', 'localhost:node-a');
    expect(r.outcome).toBe('delivered');
    expect(r.destinations).toEqual([expect.objectContaining({ pod: 'shop/api-b', ip: '10.0.2.7', port: 8080, masquerade: false, sourceSeen: '192.168.10.1' })]);
    expect(r.hops[0]).toMatchObject({ table: 'bpf', chain: 'cil_sock4_connect' });
  });

  it('a pod reaching a ClusterIP is seen with its own address', () => {
    const r = e.traceText('10.96.5.5:80/TCP', 'pod:shop/client-a');
    expect(r.destinations).toEqual([expect.objectContaining({ pod: 'shop/api-b', sourceSeen: '10.0.1.9', masquerade: false })]);
  });

  it('externalTrafficPolicy Local drops external traffic on a node without a local backend, and serves it where one runs', () => {
    expect(e.traceText('192.168.10.1:31081/TCP', 'external:198.51.100.7').outcome).toBe('dropped');
    const there = e.traceText('192.168.10.2:31081/TCP', 'external:198.51.100.7');
    expect(there.destinations).toEqual([expect.objectContaining({ pod: 'shop/api-b', sourceSeen: '198.51.100.7', masquerade: false })]);
  });

  it('a NodePort without backends answers by service-no-backend-response', () => {
    expect(e.traceText('192.168.10.1:31082/TCP').outcome).toBe('rejected');
    expect(cluster({ 'service-no-backend-response': 'drop' }).traceText('192.168.10.1:31082/TCP').outcome).toBe('dropped');
  });

  it('DSR keeps the client address for a remote backend; SNAT (the default) replaces it with the node address', () => {
    expect(e.traceText('192.168.10.1:31080/TCP', 'external:198.51.100.7').destinations[0]).toMatchObject({ masquerade: true, sourceSeen: '192.168.10.1' });
    expect(cluster({ 'bpf-lb-mode': 'dsr' }).traceText('192.168.10.1:31080/TCP', 'external:198.51.100.7').destinations[0]).toMatchObject({ masquerade: false, sourceSeen: '198.51.100.7' });
  });

  it("hostPorts answer on the node's own address, not on other local addresses", () => {
    const hs = `---
apiVersion: portolan.dev/v1alpha1
kind: NodeHostState
metadata: {name: node-a}
spec: {extraAddresses: [192.168.10.100/32]}`;
    const withVip = cluster({}, hs);
    expect(withVip.traceText('192.168.10.1:8081/TCP').destinations[0]).toMatchObject({ pod: 'shop/web-hp', port: 80 });
    expect(withVip.traceText('192.168.10.100:8081/TCP', 'external', 'node-a').outcome).toBe('refused');
  });

  it('a ClusterIP does not answer traffic from outside unless bpf-lb-external-clusterip is on', () => {
    expect(e.traceText('10.96.5.5:80/TCP', 'external', 'node-a').outcome).toBe('dropped');
    expect(cluster({ 'bpf-lb-external-clusterip': 'true' }).traceText('10.96.5.5:80/TCP', 'external', 'node-a').outcome).toBe('delivered');
  });
});

describe('Cilium bind protection', () => {
  const probe = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'probe', namespace: 'shop' }, spec: { hostNetwork: true, containers: [{ name: 'p', image: 'example/probe:1', ports: [{ containerPort: 31080 }] }] } };

  it('refuses a hostNetwork bind() to a NodePort, unless node-port-bind-protection is off', () => {
    const on = cluster().schedulePod(podFromObject(probe));
    expect(on.nodes.every((v) => v.runtime.some((p) => p.kind === 'bind-conflict' && p.holder?.kind === 'nodePort'))).toBe(true);
    const off = cluster({ 'node-port-bind-protection': 'false' }).schedulePod(podFromObject(probe));
    expect(off.nodes.some((v) => v.runtime.some((p) => p.kind === 'bind-conflict'))).toBe(false);
  });
});

describe('Cilium without socket-LB', () => {
  it('balances a pod\'s packets at bpf_lxc instead of at connect()', () => {
    const r = cluster({ 'bpf-lb-sock': 'false' }).traceText('10.96.5.5:80/TCP', 'pod:shop/client-a');
    expect(r.destinations).toEqual([expect.objectContaining({ pod: 'shop/api-b', sourceSeen: '10.0.1.9' })]);
    expect(r.hops.map((h) => h.chain)).toEqual(expect.arrayContaining(['cil_from_container', 'lb4_select_backend_id']));
    expect(r.hops.map((h) => h.chain)).not.toContain('cil_sock4_connect');
  });
});
