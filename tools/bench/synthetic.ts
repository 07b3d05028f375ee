/**
 * A synthetic cluster at the scale the benchmarks name: N nodes, 30 pods per node, S services with endpoint slices,
 * a hostNetwork exporter per node and a share of hostPort pods, as `kubectl get ... -o json` would print it.
 */
export interface SyntheticOptions {
  nodes: number;
  podsPerNode: number;
  services: number;
  nodePortServices: number;
}

export const BENCH_SCALE: SyntheticOptions = { nodes: 5000, podsPerNode: 30, services: 10000, nodePortServices: 2000 };

const nodeName = (i: number) => `node-${String(i).padStart(5, '0')}`;
const nodeIP = (i: number) => `172.16.${i >> 8}.${i & 255}`;
const podCIDR = (i: number) => `10.${64 + (i >> 8)}.${i & 255}.0/24`;
const podIP = (i: number, j: number) => `10.${64 + (i >> 8)}.${i & 255}.${j + 2}`;

export function syntheticObjects(o: SyntheticOptions): unknown[] {
  const items: unknown[] = [
    {
      apiVersion: 'portolan.dev/v1alpha1',
      kind: 'ClusterProfile',
      metadata: { name: 'bench' },
      spec: { kubernetesVersion: '1.33', nodePortRange: '30000-32767', kubeProxy: { mode: 'iptables', clusterCIDR: '10.64.0.0/11' } },
    },
  ];
  for (let i = 0; i < o.nodes; i++) {
    items.push({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: nodeName(i), labels: { 'kubernetes.io/hostname': nodeName(i), 'kubernetes.io/os': 'linux', zone: `z${i % 3}` } },
      spec: { podCIDR: podCIDR(i), podCIDRs: [podCIDR(i)], ...(i % 97 === 0 ? { taints: [{ key: 'dedicated', value: 'infra', effect: 'NoSchedule' }] } : {}) },
      status: {
        addresses: [{ type: 'InternalIP', address: nodeIP(i) }, { type: 'Hostname', address: nodeName(i) }],
        capacity: { cpu: '32', memory: '128Gi', pods: '110' },
        allocatable: { cpu: '31', memory: '120Gi', pods: '110' },
        conditions: [{ type: 'Ready', status: 'True' }],
      },
    });
  }
  const total = o.nodes * o.podsPerNode;
  for (let p = 0; p < total; p++) {
    const i = p % o.nodes;
    const j = Math.floor(p / o.nodes);
    const svc = p % o.services;
    const hostNetwork = j === 0; // one node-exporter-like hostNetwork pod per node
    const hostPort = !hostNetwork && j === 1 && i % 4 === 0; // a quarter of the nodes run an ingress on hostPort 8443
    items.push({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: hostNetwork ? `exporter-${i}` : hostPort ? `ingress-${i}` : `app-${svc}-${p}`, namespace: hostNetwork ? 'monitoring' : hostPort ? 'ingress' : `ns-${svc % 50}`, labels: hostNetwork ? { app: 'exporter' } : hostPort ? { app: 'ingress' } : { app: `svc-${svc}` } },
      spec: {
        nodeName: nodeName(i),
        hostNetwork,
        // the ingress controllers keep one per node with a required anti-affinity, as their charts do
        ...(hostPort ? { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'ingress' } }, topologyKey: 'kubernetes.io/hostname' }] } } } : {}),
        containers: [
          {
            name: 'c',
            image: hostNetwork ? 'prom/node-exporter:v1.8.0' : 'example/app:1',
            ports: hostNetwork ? [{ containerPort: 9100 }] : hostPort ? [{ containerPort: 443, hostPort: 8443 }] : [{ containerPort: 8080, name: 'http' }],
            resources: { requests: { cpu: '100m', memory: '128Mi' } },
          },
        ],
      },
      status: { phase: 'Running', podIP: hostNetwork ? nodeIP(i) : podIP(i, j), conditions: [{ type: 'Ready', status: 'True' }] },
    });
  }
  for (let s = 0; s < o.services; s++) {
    const ns = `ns-${s % 50}`;
    const nodePort = s < o.nodePortServices ? 30000 + s : 0;
    items.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: `svc-${s}`, namespace: ns },
      spec: {
        type: nodePort ? 'NodePort' : 'ClusterIP',
        clusterIP: `10.96.${s >> 8}.${s & 255}`,
        selector: { app: `svc-${s}` },
        ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP', ...(nodePort ? { nodePort } : {}) }],
        ...(nodePort && s % 10 === 0 ? { externalTrafficPolicy: 'Local' } : {}),
      },
    });
    const endpoints: unknown[] = [];
    for (let p = s; p < total; p += o.services) {
      const i = p % o.nodes;
      const j = Math.floor(p / o.nodes);
      if (j === 0) continue;
      endpoints.push({ addresses: [podIP(i, j)], conditions: { ready: true, serving: true, terminating: false }, nodeName: nodeName(i) });
    }
    items.push({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: `svc-${s}-abc12`, namespace: ns, labels: { 'kubernetes.io/service-name': `svc-${s}` } },
      addressType: 'IPv4',
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      endpoints,
    });
  }
  return items;
}

export function syntheticListJson(o: SyntheticOptions): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'List', items: syntheticObjects(o) });
}

export const benchNode = nodeName;
export const benchNodeIP = nodeIP;
