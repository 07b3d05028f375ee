/**
 * The slice of the scheduler framework Portolan runs: per-pod PreFilter state and the Filter plugin contract.
 */
import type { Blocker, FilterPlugin, StatusCode } from '../model/results';
import { schedulerTexts, type SchedulerTexts } from './versions';
import { prepareVolumes, type VolumeInfo } from './volumes';
import type { ContainerPort, Pod, PodDisruptionBudget, ResourceList } from '../model/types';
import { getHostPorts } from './hostports';
import type { NodePortClaim, NodeState, SchedulingState } from './state';
import { podRequests } from './resources';
import type { PodBind } from './binds';
import { hasRequiredAntiAffinity, interPodAffinityPreFilter, type InterPodAffinityState } from './plugins/inter-pod-affinity';
import { podTopologySpreadPreFilter, type PodTopologySpreadState } from './plugins/pod-topology-spread';

export interface FilterStatus {
  plugin: FilterPlugin;
  code: Exclude<StatusCode, 'Success' | 'Skip'>;
  reasons: string[];
  blockers: Blocker[];
}

/** CycleState: what PreFilter computed once per pod. */
export interface PodInfo {
  pod: Pod;
  /** NodePorts PreFilter: GetHostPorts(pod); empty means Skip */
  hostPorts: ContainerPort[];
  /** hostPorts after HostPortInfo.sanitize, parallel to hostPorts: host IPs and "PROTO/port" keys */
  hostPortIPs: string[];
  hostPortKeys: string[];
  /** NodeResourcesFit PreFilter: computePodResourceRequest */
  requests: ResourceList;
  /** requested resource names > 0, in report order (cpu, memory, ephemeral-storage, then sorted scalars) */
  resourceNames: string[];
  /** hot-path copies: requests.cpu, requests.memory, and the other names of resourceNames */
  reqCpu: number;
  reqMem: number;
  otherResources: string[];
  /** NodeAffinity PreFilter Skip when false */
  hasNodeAffinity: boolean;
  /** Service NodePort claims equal to each hostPort (state-wide, not per node), computed on first use */
  nodePortHits?: Array<NodePortClaim | undefined>;
  anyNodePortHit?: boolean;
  /** runtime.hostNetworkBinds(pod), computed on first use */
  hostNetworkBinds?: { binds: PodBind[]; unknownImages: string[] };
  /** NodeAffinity PreFilter: node names from matchFields metadata.name In; undefined = all nodes */
  nodeNames?: Set<string>;
  /** a PreFilter rejected the pod outright (NodeAffinity: conflicting metadata.name terms; the volume plugins) */
  preFilterReject?: string;
  /** the plugin of preFilterReject; NodeAffinity(PreFilter) when unset */
  preFilterPlugin?: FilterPlugin;
  /** the volume plugins' PreFilter state; undefined when the pod has no volumes they read (Skip) */
  volumes?: VolumeInfo;
  /** reason texts of the cluster's Kubernetes version */
  texts: SchedulerTexts;
  /** the snapshot's PodDisruptionBudgets, for DefaultPreemption */
  pdbs?: readonly PodDisruptionBudget[];
  /** InterPodAffinity / PodTopologySpread PreFilter state over the nodes the pod was prepared against; undefined: Skip */
  interPodAffinity?: InterPodAffinityState;
  podTopologySpread?: PodTopologySpreadState;
}

/** Pods with required anti-affinity and their nodes (the snapshot's HavePodsWithRequiredAntiAffinityList), per node list. */
const ANTI_AFFINITY_PODS = new WeakMap<readonly NodeState[], Array<{ pod: Pod; node: NodeState }>>();

/** Every pod with its node, by namespace (the PreFilters' pod scans look in one namespace, or the few a term names). */
const PODS_BY_NAMESPACE = new WeakMap<readonly NodeState[], Map<string, Array<{ pod: Pod; node: NodeState }>>>();

function podsByNamespaceOf(nodes: readonly NodeState[], cache: boolean): Map<string, Array<{ pod: Pod; node: NodeState }>> {
  const hit = cache ? PODS_BY_NAMESPACE.get(nodes) : undefined;
  if (hit) return hit;
  const out = new Map<string, Array<{ pod: Pod; node: NodeState }>>();
  for (const node of nodes) {
    for (const pod of node.pods) {
      const list = out.get(pod.namespace);
      if (list) list.push({ pod, node });
      else out.set(pod.namespace, [{ pod, node }]);
    }
  }
  if (cache) PODS_BY_NAMESPACE.set(nodes, out);
  return out;
}

function antiAffinityPodsOf(nodes: readonly NodeState[], cache: boolean): Array<{ pod: Pod; node: NodeState }> {
  const hit = cache ? ANTI_AFFINITY_PODS.get(nodes) : undefined;
  if (hit) return hit;
  const out: Array<{ pod: Pod; node: NodeState }> = [];
  for (const node of nodes) for (const pod of node.pods) if (hasRequiredAntiAffinity(pod)) out.push({ pod, node });
  if (cache) ANTI_AFFINITY_PODS.set(nodes, out);
  return out;
}

export interface Filter {
  name: FilterPlugin;
  filter(info: PodInfo, ns: NodeState): FilterStatus | null;
}

export const ERR_REASON_NODE_AFFINITY_CONFLICT = 'pod affinity terms conflict';

/** NodeAffinity.PreFilter (nodeaffinity/node_affinity.go): narrow to metadata.name In values. */
function affinityNodeNames(pod: Pod): { names?: Set<string>; conflict?: boolean } {
  const terms = pod.requiredNodeAffinity;
  if (!terms || terms.length === 0) return {};
  let names: Set<string> | undefined;
  for (const t of terms) {
    let termNames: Set<string> | undefined;
    for (const r of t.matchFields) {
      if (r.key !== 'metadata.name' || r.operator !== 'In') continue;
      const s = new Set(r.values);
      termNames = termNames ? new Set([...termNames].filter((n) => s.has(n))) : s;
    }
    // a term without a metadata.name In requirement makes every node eligible (terms are ORed)
    if (!termNames) return {};
    names = names ? new Set([...names, ...termNames]) : termNames;
  }
  if (names && names.size === 0) return { conflict: true };
  return { names };
}

/**
 * The pod's CycleState. With `state.nodes`, the cluster-wide PreFilters (InterPodAffinity, PodTopologySpread) run
 * over them; `mutable` says the node list changes between calls (placement), so nothing is cached on it.
 */
export function preparePod(pod: Pod, state?: Pick<SchedulingState, 'profile' | 'storage'> & Partial<Pick<SchedulingState, 'nodes' | 'namespaceLabels'>>, mutable = false): PodInfo {
  const requests = podRequests(pod);
  const names = Object.keys(requests).filter((k) => requests[k] > 0);
  const first = ['cpu', 'memory', 'ephemeral-storage'];
  const resourceNames = [...first.filter((k) => names.includes(k)), ...names.filter((k) => !first.includes(k)).sort()];
  const hasNodeAffinity = pod.requiredNodeAffinity !== undefined || Object.keys(pod.nodeSelector).length > 0;
  const hostPorts = getHostPorts(pod);
  const hostPortIPs = hostPorts.map((p) => (p.hostIP === '' ? '0.0.0.0' : p.hostIP));
  const hostPortKeys = hostPorts.map((p) => `${p.protocol || 'TCP'}/${p.hostPort}`);
  const otherResources = resourceNames.filter((k) => k !== 'cpu' && k !== 'memory');
  const info: PodInfo = { pod, hostPorts, hostPortIPs, hostPortKeys, requests, resourceNames, reqCpu: requests['cpu'] ?? 0, reqMem: requests['memory'] ?? 0, otherResources, hasNodeAffinity, texts: schedulerTexts(state?.profile.kubernetesVersion) };
  const aff = affinityNodeNames(pod);
  if (aff.conflict) info.preFilterReject = ERR_REASON_NODE_AFFINITY_CONFLICT;
  else if (aff.names) info.nodeNames = aff.names;
  if (state?.storage?.podDisruptionBudgets.length) info.pdbs = state.storage.podDisruptionBudgets;
  if (state?.nodes) {
    const anti = antiAffinityPodsOf(state.nodes, !mutable);
    const wantsIpa = anti.length > 0 || (pod.requiredPodAffinity?.length ?? 0) > 0 || (pod.requiredPodAntiAffinity?.length ?? 0) > 0;
    const wantsPts = (pod.topologySpreadConstraints ?? []).some((c) => c.whenUnsatisfiable === 'DoNotSchedule');
    const byNs = wantsIpa || wantsPts ? podsByNamespaceOf(state.nodes, !mutable) : new Map();
    const ipa = wantsIpa ? interPodAffinityPreFilter(pod, byNs, anti, state.namespaceLabels ?? new Map()) : null;
    if (ipa) info.interPodAffinity = ipa;
    const pts = wantsPts ? podTopologySpreadPreFilter(pod, state.nodes, byNs) : null;
    if (pts) info.podTopologySpread = pts;
  }
  if (!info.preFilterReject && state?.storage && pod.volumes) {
    const vols = prepareVolumes(pod, state.storage);
    if (vols?.reject) {
      info.preFilterReject = vols.reject.reason;
      info.preFilterPlugin = vols.reject.plugin;
    } else if (vols) info.volumes = vols;
  }
  return info;
}
