import { closeProvisioner, createCluster, gql, http, newTenant, waitSnapshot } from './support/client';

afterAll(closeProvisioner);

/** A snapshot as `kubectl get ... -o yaml` of a kubeadm cluster gives it: kube-proxy's ConfigMap says mode nftables. */
const KUBEADM_NFT = `apiVersion: v1
kind: ConfigMap
metadata: {name: kube-proxy, namespace: kube-system, labels: {app: kube-proxy}}
data:
  config.conf: |-
    apiVersion: kubeproxy.config.k8s.io/v1alpha1
    kind: KubeProxyConfiguration
    bindAddress: 0.0.0.0
    clusterCIDR: 10.244.0.0/16
    mode: nftables
    nodePortAddresses: null
    nftables: {masqueradeBit: 14, masqueradeAll: false}
---
apiVersion: networking.k8s.io/v1
kind: ServiceCIDR
metadata: {name: kubernetes}
spec: {cidrs: [10.96.0.0/16]}
---
apiVersion: v1
kind: Node
metadata: {name: node-a, labels: {kubernetes.io/hostname: node-a}}
spec: {podCIDR: 10.244.0.0/24, podCIDRs: [10.244.0.0/24]}
status: {addresses: [{type: InternalIP, address: 192.168.1.10}], capacity: {cpu: "4", memory: 8Gi, pods: "110"}, allocatable: {cpu: "4", memory: 8Gi, pods: "110"}, conditions: [{type: Ready, status: "True"}]}
---
apiVersion: v1
kind: Node
metadata: {name: node-b, labels: {kubernetes.io/hostname: node-b}}
spec: {podCIDR: 10.244.1.0/24, podCIDRs: [10.244.1.0/24]}
status: {addresses: [{type: InternalIP, address: 192.168.1.11}], capacity: {cpu: "4", memory: 8Gi, pods: "110"}, allocatable: {cpu: "4", memory: 8Gi, pods: "110"}, conditions: [{type: Ready, status: "True"}]}
---
apiVersion: v1
kind: Pod
metadata: {name: web-b, namespace: demo, labels: {app: web}}
spec: {nodeName: node-b, containers: [{name: web, image: nginx, ports: [{containerPort: 8080}]}]}
status: {phase: Running, podIP: 10.244.1.5, podIPs: [{ip: 10.244.1.5}], conditions: [{type: Ready, status: "True"}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: demo}
spec: {type: NodePort, clusterIP: 10.96.20.20, clusterIPs: [10.96.20.20], selector: {app: web}, ports: [{name: http, port: 80, targetPort: 8080, nodePort: 30080, protocol: TCP}]}
`;

const TRAFFIC = `query($c: ID!, $to: String!) { trafficPath(clusterId: $c, to: $to) {
  outcome masquerade hops { node hook table chain rule verdict } destinations { kind pod ip port probability } } }`;

describe('kube-proxy nftables over GraphQL', () => {
  it('a kubeadm snapshot with mode: nftables answers trafficPath with the ip kube-proxy hops, and refuses a localhost NodePort', async () => {
    const t = await newTenant();
    const c = await createCluster(t.key);
    const up = await http('POST', `/v1/clusters/${c.id}/snapshots`, { key: t.key, body: KUBEADM_NFT, headers: { 'content-type': 'application/yaml', 'x-filename': 'kubeadm-nft.yaml' } });
    const s = await waitSnapshot(t.key, up.body.id);
    expect(s.status).toBe('ready');

    const r = await gql(t.key, TRAFFIC, { c: c.id, to: 'node-a:30080/TCP' });
    expect(r.body.errors).toBeUndefined();
    const p = r.body.data.trafficPath;
    expect(p).toMatchObject({ outcome: 'delivered', masquerade: true });
    expect(p.destinations).toEqual([{ kind: 'pod', pod: 'demo/web-b', ip: '10.244.1.5', port: 8080, probability: 1 }]);
    const hops = p.hops.map((h: { table: string; chain: string; verdict: string }) => `${h.table} ${h.chain}: ${h.verdict}`);
    expect(hops).toEqual(expect.arrayContaining([
      'ip kube-proxy services: tcp . 30080 : goto external-AXK6CI2C-demo/web/tcp/http',
      'ip kube-proxy endpoint-6UVIXZI4-demo/web/tcp/http__10.244.1.5/8080: DNAT -> 10.244.1.5:8080',
    ]));
    expect(p.hops.some((h: { chain: string }) => h.chain.startsWith('KUBE-'))).toBe(false);

    // no localhost NodePorts in nftables mode
    const local = await http('GET', `/v1/clusters/${c.id}/traffic-path?to=${encodeURIComponent('127.0.0.1:30080/tcp')}&from=${encodeURIComponent('localhost:node-a')}`, { key: t.key });
    expect(local.status).toBe(200);
    expect(local.body.outcome).toBe('refused');
  });
});
