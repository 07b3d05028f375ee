/**
 * Test builders for the normalized model (entry point `@portolan/netsim/testing`).
 *
 * They build model objects directly (already defaulted, as the adapter would produce them), with defaults that
 * match a healthy kubelet-registered node: allocatable pods 110, cpu 4 (4000m), memory 8Gi, Ready.
 * Every builder takes a partial override; nested arrays are replaced, not merged.
 */
import { defaultProfile } from './adapter/profile';
import type {
  Container,
  ContainerPort,
  EndpointSlice,
  Node,
  Pod,
  Protocol,
  Service,
  ServicePort,
  Snapshot,
  Workload,
  WorkloadKind,
} from './model/types';

const GI = 1024 * 1024 * 1024;

export interface NodeOpts extends Partial<Omit<Node, 'name'>> {
  /** InternalIP address */
  ip?: string;
  /** shorthand for allocatable.pods */
  pods?: number;
  /** shorthand for allocatable.cpu in millicores */
  cpu?: number;
  /** shorthand for allocatable.memory in bytes */
  memory?: number;
}

export function aNode(name: string, opts: NodeOpts = {}): Node {
  const { ip, pods, cpu, memory, ...rest } = opts;
  const allocatable = rest.allocatable ?? { pods: pods ?? 110, cpu: cpu ?? 4000, memory: memory ?? 8 * GI };
  const addresses = rest.addresses ?? (ip ? [{ type: 'InternalIP', address: ip }, { type: 'Hostname', address: name }] : [{ type: 'Hostname', address: name }]);
  return {
    name,
    labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', ...(rest.labels ?? {}) },
    annotations: rest.annotations ?? {},
    addresses,
    internalIP: rest.internalIP ?? ip,
    podCIDRs: rest.podCIDRs ?? [],
    unschedulable: rest.unschedulable ?? false,
    taints: rest.taints ?? [],
    allocatable,
    capacity: rest.capacity ?? { ...allocatable },
    ready: rest.ready ?? true,
    source: rest.source,
  };
}

export interface PortOpts {
  containerPort: number;
  hostPort?: number;
  hostIP?: string;
  protocol?: Protocol;
  name?: string;
}

export function aPort(p: PortOpts | number): ContainerPort {
  const o: PortOpts = typeof p === 'number' ? { containerPort: p } : p;
  const port: ContainerPort = { containerPort: o.containerPort, hostPort: o.hostPort ?? 0, hostIP: o.hostIP ?? '', protocol: o.protocol ?? 'TCP' };
  if (o.name !== undefined) port.name = o.name;
  return port;
}

export function aContainer(name = 'app', opts: Partial<Omit<Container, 'name' | 'ports'>> & { ports?: Array<PortOpts | number | ContainerPort> } = {}): Container {
  const c: Container = {
    name,
    image: opts.image ?? 'registry.k8s.io/pause:3.9',
    ports: (opts.ports ?? []).map((p) => (typeof p === 'number' ? aPort(p) : aPort(p as PortOpts))),
    requests: opts.requests ?? {},
  };
  if (opts.restartPolicy) c.restartPolicy = opts.restartPolicy;
  if (opts.args) c.args = opts.args;
  if (opts.fieldEnv) c.fieldEnv = opts.fieldEnv;
  return c;
}

export interface PodOpts extends Partial<Omit<Pod, 'name'>> {
  /** shorthand for spec.nodeName */
  node?: string;
  /** shorthand: a single container 'app' with these hostPorts (containerPort = hostPort) */
  hostPorts?: Array<number | PortOpts>;
  /** shorthand: requests of the single container */
  requests?: Record<string, number>;
  image?: string;
}

export function aPod(name: string, opts: PodOpts = {}): Pod {
  const { node, hostPorts, requests, image, ...rest } = opts;
  const hostNetwork = rest.hostNetwork ?? false;
  let containers = rest.containers;
  if (!containers) {
    const ports = (hostPorts ?? []).map((p) => {
      const o = typeof p === 'number' ? { containerPort: p, hostPort: p } : { ...p, hostPort: p.hostPort ?? p.containerPort };
      return aPort(o);
    });
    containers = [aContainer('app', { ports, requests: requests ?? {}, image })];
  }
  const pod: Pod = {
    namespace: rest.namespace ?? 'default',
    name,
    labels: rest.labels ?? {},
    annotations: rest.annotations ?? {},
    nodeName: node ?? rest.nodeName ?? '',
    hostNetwork,
    dnsPolicy: rest.dnsPolicy ?? 'ClusterFirst',
    containers,
    initContainers: rest.initContainers ?? [],
    nodeSelector: rest.nodeSelector ?? {},
    tolerations: rest.tolerations ?? [],
    priority: rest.priority ?? 0,
    schedulerName: rest.schedulerName ?? 'default-scheduler',
    phase: rest.phase ?? ((node ?? rest.nodeName) ? 'Running' : 'Pending'),
    podIPs: rest.podIPs ?? [],
    terminating: rest.terminating ?? false,
  };
  if (rest.uid !== undefined) pod.uid = rest.uid;
  if (rest.owner) pod.owner = rest.owner;
  if (rest.workload) pod.workload = rest.workload;
  if (rest.requiredNodeAffinity) pod.requiredNodeAffinity = rest.requiredNodeAffinity;
  if (rest.ready !== undefined) pod.ready = rest.ready;
  if (rest.sandboxId !== undefined) pod.sandboxId = rest.sandboxId;
  if (rest.source) pod.source = rest.source;
  return pod;
}

export interface ServiceOpts extends Partial<Omit<Service, 'name' | 'ports'>> {
  ports?: Array<Partial<ServicePort> & { port: number }>;
}

export function aService(name: string, opts: ServiceOpts = {}): Service {
  const ports: ServicePort[] = (opts.ports ?? [{ port: 80 }]).map((p, i) => ({
    name: p.name ?? (i === 0 && (opts.ports?.length ?? 1) === 1 ? '' : `p${p.port}`),
    protocol: p.protocol ?? 'TCP',
    port: p.port,
    targetPort: p.targetPort ?? p.port,
    nodePort: p.nodePort ?? 0,
  }));
  const type = opts.type ?? (ports.some((p) => p.nodePort > 0) ? 'NodePort' : 'ClusterIP');
  const svc: Service = {
    namespace: opts.namespace ?? 'default',
    name,
    type,
    clusterIP: opts.clusterIP ?? '',
    clusterIPs: opts.clusterIPs ?? (opts.clusterIP ? [opts.clusterIP] : []),
    ports,
    externalTrafficPolicy: opts.externalTrafficPolicy ?? 'Cluster',
    internalTrafficPolicy: opts.internalTrafficPolicy ?? 'Cluster',
    externalIPs: opts.externalIPs ?? [],
    loadBalancerIPs: opts.loadBalancerIPs ?? [],
    loadBalancerSourceRanges: opts.loadBalancerSourceRanges ?? [],
    healthCheckNodePort: opts.healthCheckNodePort ?? 0,
    sessionAffinity: opts.sessionAffinity ?? 'None',
    sessionAffinityTimeoutSeconds: opts.sessionAffinityTimeoutSeconds ?? 10800,
  };
  // pass `selector: undefined` explicitly for a selector-less Service
  if ('selector' in opts) {
    if (opts.selector !== undefined) svc.selector = opts.selector;
  } else svc.selector = { app: name };
  if (opts.source) svc.source = opts.source;
  return svc;
}

export interface SliceEndpointOpts {
  ip: string;
  node?: string;
  ready?: boolean;
  terminating?: boolean;
  pod?: string;
}

/** An EndpointSlice for a Service: one port (name/protocol/port), endpoints ready unless said otherwise. */
export function anEndpointSlice(serviceName: string, endpoints: SliceEndpointOpts[], opts: { namespace?: string; port?: number; portName?: string; protocol?: Protocol; name?: string } = {}): EndpointSlice {
  const namespace = opts.namespace ?? 'default';
  return {
    namespace,
    name: opts.name ?? `${serviceName}-abcde`,
    serviceName,
    addressType: endpoints.some((e) => e.ip.includes(':')) ? 'IPv6' : 'IPv4',
    ports: [{ name: opts.portName ?? '', port: opts.port ?? 8080, protocol: opts.protocol ?? 'TCP' }],
    endpoints: endpoints.map((e) => {
      const ready = e.ready ?? !e.terminating;
      const ep: EndpointSlice['endpoints'][number] = { addresses: [e.ip], ready, serving: e.ready ?? true, terminating: e.terminating ?? false };
      if (e.node) ep.nodeName = e.node;
      if (e.pod) ep.targetRef = { kind: 'Pod', namespace, name: e.pod };
      return ep;
    }),
    derived: false,
  };
}

export function aWorkload(kind: WorkloadKind, name: string, template: Pod, opts: Partial<Omit<Workload, 'kind' | 'name' | 'template'>> = {}): Workload {
  const labels = Object.keys(template.labels).length ? template.labels : { app: name };
  const tpl: Pod = { ...template, name: '', nodeName: '', phase: 'Pending', labels };
  return {
    kind,
    namespace: opts.namespace ?? template.namespace,
    name,
    labels: opts.labels ?? labels,
    replicas: kind === 'DaemonSet' ? undefined : (opts.replicas ?? 1),
    selector: opts.selector ?? { matchLabels: { ...labels }, matchExpressions: [] },
    template: tpl,
    raw: opts.raw ?? {},
  };
}

/** A snapshot with the profile the adapter defaults to, unless the test gives one. */
export function aSnapshot(parts: Partial<Snapshot> = {}): Snapshot {
  return {
    profile: parts.profile ?? defaultProfile(),
    nodes: parts.nodes ?? [],
    pods: parts.pods ?? [],
    workloads: parts.workloads ?? [],
    services: parts.services ?? [],
    endpointSlices: parts.endpointSlices ?? [],
    networkPolicies: parts.networkPolicies ?? [],
    namespaces: parts.namespaces ?? [],
    hostStates: parts.hostStates ?? [],
    unknown: parts.unknown ?? [],
  };
}

/** mulberry32: a small seeded PRNG for generated test inputs, so a failing case is reproduced by its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
