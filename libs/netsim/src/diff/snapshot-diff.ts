import { buildSnapshot } from '../adapter/build';
import { withAllocatedClusterIPs } from '../adapter/cluster-ip';
import { indexColumns } from '../adapter/index-columns';
import { fromObjects, type ParsedObject } from '../adapter/parse';
import { podFromTemplate, workloadFromObject } from '../adapter/pod';
import { ClusterEngine } from '../engine';
import type { PortClaim, TraceResult } from '../model/results';
import type { Workload } from '../model/types';
import { isOwnPod, withoutOwnPods } from '../scheduling/placement';

export interface ClaimChange {
  node: string;
  address: string;
  port: number;
  protocol: string;
  change: 'added' | 'removed' | 'changed';
  before: PortClaim[];
  after: PortClaim[];
}

export interface PathSummary {
  outcome: string;
  destinations: string[];
}

export interface PathChange {
  node: string;
  port: number;
  protocol: string;
  before: PathSummary;
  after: PathSummary;
}

export interface WorkloadChange {
  workload: string;
  change: 'added' | 'removed' | 'changed';
  lostNodes: string[];
  gainedNodes: string[];
  feasibleBefore: number;
  feasibleAfter: number;
}

export interface SnapshotDiff {
  claims: ClaimChange[];
  paths: PathChange[];
  workloads: WorkloadChange[];
  /** what the caps cut (nodes, traced ports, workloads); empty when the diff is complete */
  truncated: string[];
}

export const DIFF_LIMITS = { nodes: 200, traces: 400, workloads: 200 };

const claimKey = (c: PortClaim) => `${c.node}|${c.address}|${c.port}|${c.protocol}`;
const claimText = (c: PortClaim) => `${c.kind} ${c.owner}${c.effective ? '' : ' (shadowed)'}`;
const workloadKey = (w: Workload) => `${w.kind}/${w.namespace}/${w.name}`;

function claimsOf(e: ClusterEngine, node: string): PortClaim[] {
  return e.snapshot.nodes.some((n) => n.name === node) ? e.claims(node) : [];
}

function pathOf(e: ClusterEngine, node: string, port: number, protocol: string): PathSummary {
  if (!e.snapshot.nodes.some((n) => n.name === node)) return { outcome: 'no such node', destinations: [] };
  const r: TraceResult = e.trace({ toHost: node, port, protocol: protocol as 'TCP', from: { kind: 'external' } });
  return { outcome: r.outcome, destinations: r.destinations.map((d) => `${d.outcome} ${d.pod ?? d.kind} ${d.ip}:${d.port}`).sort() };
}

/**
 * Nodes where one more pod of the workload fits, beside everything but the workload's own pods: its replicas
 * (placed by the what-if, or running) would otherwise block it on every node they hold a hostPort of.
 */
function feasible(e: ClusterEngine, w: Workload): Set<string> {
  const rest = withoutOwnPods(e.snapshot, w);
  const on = rest ? new ClusterEngine(rest) : e;
  return new Set(on.schedulePod(podFromTemplate(w, `${w.name}-diff`)).feasibleNodes);
}

/** Claims that changed owner, paths that changed destination, workloads whose feasible nodes changed. */
export function diffEngines(a: ClusterEngine, b: ClusterEngine, opts: { nodes?: string[] } = {}): SnapshotDiff {
  const truncated: string[] = [];
  let nodes = opts.nodes ?? [...new Set([...a.snapshot.nodes, ...b.snapshot.nodes].map((n) => n.name))].sort();
  if (nodes.length > DIFF_LIMITS.nodes) {
    truncated.push(`compared the first ${DIFF_LIMITS.nodes} of ${nodes.length} nodes (name them to compare others)`);
    nodes = nodes.slice(0, DIFF_LIMITS.nodes);
  }
  const claims: ClaimChange[] = [];
  const ports: Array<{ node: string; port: number; protocol: string }> = [];
  for (const node of nodes) {
    const before = new Map<string, PortClaim[]>();
    const after = new Map<string, PortClaim[]>();
    for (const c of claimsOf(a, node)) before.set(claimKey(c), [...(before.get(claimKey(c)) ?? []), c]);
    for (const c of claimsOf(b, node)) after.set(claimKey(c), [...(after.get(claimKey(c)) ?? []), c]);
    const seenPorts = new Set<string>();
    for (const key of [...new Set([...before.keys(), ...after.keys()])].sort()) {
      const x = before.get(key) ?? [];
      const y = after.get(key) ?? [];
      const [, address, port, protocol] = key.split('|') as [string, string, string, string];
      const pk = `${port}|${protocol}`;
      if (!seenPorts.has(pk) && [...x, ...y].some((c) => c.kind === 'nodePort' || c.kind === 'hostPort' || c.kind === 'hostNetwork')) {
        seenPorts.add(pk);
        ports.push({ node, port: Number(port), protocol });
      }
      const tx = x.map(claimText).sort().join('\n');
      const ty = y.map(claimText).sort().join('\n');
      if (tx === ty) continue;
      claims.push({ node, address, port: Number(port), protocol, change: !x.length ? 'added' : !y.length ? 'removed' : 'changed', before: x, after: y });
    }
  }
  const paths: PathChange[] = [];
  if (ports.length > DIFF_LIMITS.traces) truncated.push(`traced ${DIFF_LIMITS.traces} of ${ports.length} claimed node ports`);
  for (const p of ports.slice(0, DIFF_LIMITS.traces)) {
    const before = pathOf(a, p.node, p.port, p.protocol);
    const after = pathOf(b, p.node, p.port, p.protocol);
    if (before.outcome !== after.outcome || before.destinations.join('\n') !== after.destinations.join('\n')) paths.push({ ...p, before, after });
  }
  const wa = new Map(a.snapshot.workloads.map((w) => [workloadKey(w), w]));
  const wb = new Map(b.snapshot.workloads.map((w) => [workloadKey(w), w]));
  let keys = [...new Set([...wa.keys(), ...wb.keys()])].sort();
  if (keys.length > DIFF_LIMITS.workloads) {
    truncated.push(`compared ${DIFF_LIMITS.workloads} of ${keys.length} workloads`);
    keys = keys.slice(0, DIFF_LIMITS.workloads);
  }
  const workloads: WorkloadChange[] = [];
  for (const k of keys) {
    const x = wa.get(k) ? feasible(a, wa.get(k) as Workload) : new Set<string>();
    const y = wb.get(k) ? feasible(b, wb.get(k) as Workload) : new Set<string>();
    const lostNodes = [...x].filter((n) => !y.has(n)).sort();
    const gainedNodes = [...y].filter((n) => !x.has(n)).sort();
    if (!lostNodes.length && !gainedNodes.length && wa.has(k) === wb.has(k)) continue;
    workloads.push({ workload: k, change: !wa.has(k) ? 'added' : !wb.has(k) ? 'removed' : 'changed', lostNodes, gainedNodes, feasibleBefore: x.size, feasibleAfter: y.size });
  }
  return { claims, paths, workloads, truncated };
}

/** kind/namespace/name, as the adapter reads them */
const identity = (po: ParsedObject) => {
  const c = indexColumns(po);
  return `${c.kind}/${c.namespace}/${c.name}`;
};
const WORKLOAD_KINDS = new Set(['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job']);

/** A free address for a simulated pod: from the top of the node's pod CIDR down, skipping addresses in use. */
function allocator(engine: ClusterEngine): (node: string, hostNetwork: boolean) => string | undefined {
  const used = new Set(engine.snapshot.pods.flatMap((p) => p.podIPs));
  const next = new Map<string, number>();
  return (node, hostNetwork) => {
    const n = engine.snapshot.nodes.find((x) => x.name === node);
    if (hostNetwork) return n?.internalIP;
    const cidr = n?.podCIDRs.find((c) => c.includes('.'));
    if (!cidr) return undefined;
    const [base, len] = cidr.split('/') as [string, string];
    const o = base.split('.').map(Number) as [number, number, number, number];
    const start = ((o[0] << 24) | (o[1] << 16) | (o[2] << 8) | o[3]) >>> 0;
    let i = next.get(node) ?? 2 ** (32 - Number(len)) - 2;
    for (; i > 1; i--) {
      const v = start + i;
      const ip = [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join('.');
      if (!used.has(ip)) {
        used.add(ip);
        next.set(node, i - 1);
        return ip;
      }
    }
    return undefined;
  };
}

/**
 * The snapshot plus submitted manifests, as the cluster would look once they are applied: objects replace those
 * with the same kind/namespace/name; each workload's (and each unbound Pod's) replicas are placed by the scheduler
 * against the state the earlier ones left and added as running pods, so their host ports and endpoints count.
 */
export function whatIfEngine(base: ClusterEngine, rawBase: unknown[], submitted: ParsedObject[]): ClusterEngine {
  const replaced = new Set(submitted.map(identity));
  // a re-applied workload replaces the pods it runs: they leave with it, its new replicas are placed below
  const reapplied = submitted.filter((p) => WORKLOAD_KINDS.has(indexColumns(p).kind)).map((p) => workloadFromObject(p));
  const replacedPods = new Set(base.snapshot.pods.filter((p) => reapplied.some((w) => isOwnPod(w, p))).map((p) => `Pod/${p.namespace}/${p.name}`));
  const replacedServices = new Set(submitted.map(indexColumns).filter((c) => c.kind === 'Service').map((c) => `${c.namespace || 'default'}/${c.name}`));
  const kept = fromObjects(rawBase, 'snapshot').filter((po) => {
    const c = indexColumns(po);
    const id = `${c.kind}/${c.namespace}/${c.name}`;
    if (replaced.has(id) || (c.kind === 'Pod' && replacedPods.has(`Pod/${c.namespace || 'default'}/${c.name}`))) return false;
    // a replaced Service's old slices would pin its old endpoints: let the selector derive them again
    const svc = c.kind === 'EndpointSlice' ? c.labels?.['kubernetes.io/service-name'] : undefined;
    return !(svc && replacedServices.has(`${c.namespace}/${svc}`));
  });
  let objects: unknown[] = kept.map((po) => po.obj);
  // a Service without clusterIP (every new one) gets one as the apiserver would, so what-if paths include it
  objects.push(...withAllocatedClusterIPs(base.snapshot, submitted));
  let engine = new ClusterEngine(buildSnapshot(fromObjects(objects, 'what-if'), { profile: base.snapshot.profile }).snapshot);
  for (const p of submitted) {
    const c = indexColumns(p);
    const unboundPod = c.kind === 'Pod' && !c.nodeName;
    if (!WORKLOAD_KINDS.has(c.kind) && !unboundPod) continue;
    // an unbound Pod is placed as a one-replica ReplicaSet of itself
    const workloadObj = unboundPod
      ? { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: p.obj['metadata'], spec: { replicas: 1, selector: { matchLabels: {} }, template: { metadata: p.obj['metadata'], spec: p.obj['spec'] } } }
      : p.obj;
    const w = workloadFromObject(workloadObj);
    const placed = engine.placeWorkload(w);
    const ip = allocator(engine);
    const hostNetwork = w.template.hostNetwork;
    const templateMeta = { labels: w.template.labels, annotations: w.template.annotations };
    const templateSpec = (unboundPod ? p.obj['spec'] : (w.raw as { spec?: { template?: { spec?: unknown } } })?.spec?.template?.spec) ?? {};
    const podsToAdd = [...placed.placed, ...placed.crashing].map(({ pod, node }) => {
      const [ns, name] = pod.split('/') as [string, string];
      const podIP = ip(node, hostNetwork);
      return {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          ...templateMeta,
          namespace: ns,
          name: unboundPod ? c.name : name,
          annotations: { ...templateMeta.annotations, 'portolan.dev/what-if': 'true' },
          // the placed replicas stay the workload's own: a later question about it must not count them against it
          ...(unboundPod ? {} : { ownerReferences: [{ apiVersion: String((w.raw as { apiVersion?: unknown })?.apiVersion ?? 'apps/v1'), kind: w.kind, name: w.name, uid: '', controller: true }] }),
        },
        spec: { ...(templateSpec as Record<string, unknown>), nodeName: node },
        status: { phase: 'Running', ...(podIP ? { podIP, podIPs: [{ ip: podIP }] } : {}), conditions: [{ type: 'Ready', status: 'True' }] },
      };
    });
    if (unboundPod) objects = objects.filter((o) => o !== p.obj);
    objects.push(...podsToAdd);
    engine = new ClusterEngine(buildSnapshot(fromObjects(objects, 'what-if'), { profile: base.snapshot.profile }).snapshot);
  }
  return engine;
}
