/**
 * A small builder that emits Kubernetes YAML (one JSON object per document: JSON is YAML) for the kernel suite's
 * generated clusters, so the snapshot goes through the same adapter (`loadSnapshot`) users' uploads go through.
 */
import { loadSnapshot, type Snapshot } from '@portolan/netsim';

export interface PortSpec {
  containerPort: number;
  hostPort?: number;
  protocol?: 'TCP' | 'UDP';
  name?: string;
  hostIP?: string;
}

export interface NodeSpec {
  name: string;
  ip: string;
  podCIDR: string;
}

export interface PodSpec {
  namespace?: string;
  name: string;
  node: string;
  /** ignored for hostNetwork pods (their IP is the node IP) */
  ip?: string;
  hostNetwork?: boolean;
  labels?: Record<string, string>;
  ports?: PortSpec[];
}

export interface ServiceSpec {
  namespace?: string;
  name: string;
  type: 'ClusterIP' | 'NodePort';
  clusterIP: string;
  selector: Record<string, string>;
  externalTrafficPolicy?: 'Cluster' | 'Local';
  ports: Array<{ name?: string; port: number; targetPort: number; nodePort?: number; protocol?: 'TCP' | 'UDP' }>;
}

export interface HostListenerSpec {
  port: number;
  /** 0.0.0.0 when unset */
  address?: string;
  protocol?: 'TCP' | 'UDP';
  process?: string;
}

export const CLUSTER_CIDR = '10.244.0.0/16';

/** bridge (cni0, host-local, hairpinMode) + portmap (iptables backend, snat defaulted true) */
export const BRIDGE_PORTMAP_CONFLIST = {
  cniVersion: '1.0.0',
  name: 'cbr0',
  plugins: [
    { type: 'bridge', bridge: 'cni0', isGateway: true, ipMasq: false, hairpinMode: true, ipam: { type: 'host-local' } },
    { type: 'portmap', capabilities: { portMappings: true } },
  ],
};

export class ClusterBuilder {
  private readonly docs: unknown[] = [];
  private readonly nodeIPs = new Map<string, string>();
  private sandbox = 0;

  /** `portmapSnat` false: portmap's `"snat": false`; `localhostNodePorts` false: kube-proxy's --iptables-localhost-nodeports=false */
  constructor(name: string, opts: { portmapSnat?: boolean; localhostNodePorts?: boolean } = {}) {
    const conflist = opts.portmapSnat === false ? { ...BRIDGE_PORTMAP_CONFLIST, plugins: [BRIDGE_PORTMAP_CONFLIST.plugins[0], { ...BRIDGE_PORTMAP_CONFLIST.plugins[1], snat: false }] } : BRIDGE_PORTMAP_CONFLIST;
    this.docs.push({
      apiVersion: 'portolan.dev/v1alpha1',
      kind: 'ClusterProfile',
      metadata: { name },
      spec: {
        kubernetesVersion: '1.33',
        nodePortRange: '30000-32767',
        containerRuntime: 'containerd',
        iptablesHasRandomFully: true,
        cniConflist: conflist,
        kubeProxy: { mode: 'iptables', clusterCIDR: CLUSTER_CIDR, ...(opts.localhostNodePorts === false ? { iptables: { localhostNodePorts: false } } : {}) },
      },
    });
  }

  /** kube-proxy's mode and portmap's backend for every node (the defaults are iptables for both) */
  dataplane(d: { kubeProxyMode?: 'iptables' | 'nftables'; portmapBackend?: 'iptables' | 'nftables' }): this {
    const spec = (this.docs[0] as { spec: Record<string, any> }).spec;
    if (d.kubeProxyMode) spec['kubeProxy'] = { ...spec['kubeProxy'], mode: d.kubeProxyMode };
    if (d.portmapBackend) {
      const conf = spec['cniConflist'] as { plugins: Array<Record<string, unknown>> };
      spec['cniConflist'] = { ...conf, plugins: conf.plugins.map((p) => (p['type'] === 'portmap' ? { ...p, backend: d.portmapBackend } : p)) };
    }
    return this;
  }

  node(n: NodeSpec): this {
    this.nodeIPs.set(n.name, n.ip);
    this.docs.push({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: n.name, labels: { 'kubernetes.io/hostname': n.name, 'kubernetes.io/os': 'linux' } },
      spec: { podCIDR: n.podCIDR, podCIDRs: [n.podCIDR] },
      status: {
        addresses: [{ type: 'InternalIP', address: n.ip }, { type: 'Hostname', address: n.name }],
        capacity: { cpu: '8', memory: '16Gi', pods: '110' },
        allocatable: { cpu: '8', memory: '16Gi', pods: '110' },
        conditions: [{ type: 'Ready', status: 'True' }],
      },
    });
    return this;
  }

  pod(p: PodSpec): this {
    const ip = p.hostNetwork ? this.nodeIPs.get(p.node) : p.ip;
    if (!ip) throw new Error(`pod ${p.name}: no IP (declare its node first, or give ip)`);
    this.sandbox += 1;
    this.docs.push({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: p.name,
        namespace: p.namespace ?? 'default',
        labels: p.labels ?? {},
        annotations: { 'portolan.dev/sandbox-id': `c0ffee${String(this.sandbox).padStart(58, '0')}` },
      },
      spec: {
        nodeName: p.node,
        ...(p.hostNetwork ? { hostNetwork: true } : {}),
        containers: [{
          name: 'main',
          image: 'registry.example/echo:1',
          ports: (p.ports ?? []).map((x) => ({
            ...(x.name ? { name: x.name } : {}),
            containerPort: x.containerPort,
            ...(x.hostPort ? { hostPort: x.hostPort } : {}),
            ...(x.hostIP ? { hostIP: x.hostIP } : {}),
            protocol: x.protocol ?? 'TCP',
          })),
        }],
      },
      status: { phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'Ready', status: 'True' }] },
    });
    return this;
  }

  service(s: ServiceSpec): this {
    this.docs.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: s.name, namespace: s.namespace ?? 'default' },
      spec: {
        type: s.type,
        clusterIP: s.clusterIP,
        clusterIPs: [s.clusterIP],
        selector: s.selector,
        ...(s.type === 'NodePort' ? { externalTrafficPolicy: s.externalTrafficPolicy ?? 'Cluster' } : {}),
        ports: s.ports.map((p) => ({
          ...(p.name ? { name: p.name } : {}),
          port: p.port,
          targetPort: p.targetPort,
          protocol: p.protocol ?? 'TCP',
          ...(p.nodePort ? { nodePort: p.nodePort } : {}),
        })),
      },
    });
    return this;
  }

  /** Portolan's NodeHostState: listeners outside Kubernetes and, optionally, the node's iptables-save dump. */
  hostState(node: string, state: { listeners?: HostListenerSpec[]; iptablesSave?: string }): this {
    this.docs.push({
      apiVersion: 'portolan.dev/v1alpha1',
      kind: 'NodeHostState',
      metadata: { name: node },
      spec: {
        nodeName: node,
        listeners: (state.listeners ?? []).map((l) => ({ address: l.address ?? '0.0.0.0', port: l.port, protocol: l.protocol ?? 'TCP', process: l.process ?? 'echo' })),
        ...(state.iptablesSave ? { iptablesSave: state.iptablesSave } : {}),
      },
    });
    return this;
  }

  yaml(): string {
    return this.docs.map((d) => `---\n${JSON.stringify(d)}\n`).join('');
  }

  load(file = 'kernel-generated.yaml'): Snapshot {
    const { snapshot, diagnostics } = loadSnapshot([{ name: file, text: this.yaml() }]);
    const errors = diagnostics.filter((d) => d.severity === 'error');
    if (errors.length) throw new Error(`generated cluster did not load: ${JSON.stringify(errors)}`);
    return snapshot;
  }
}
