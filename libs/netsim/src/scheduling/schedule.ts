/**
 * One scheduling cycle for one pod (pkg/scheduler/schedule_one.go): PreFilter, Filter with first failure per
 * node, the FitError message, DefaultPreemption's dry run; and kubelet admission for pods that name a node.
 */
import type { Blocker, KubeletAdmission, NodeVerdict, PreemptionResult, RuntimePrediction, ScheduleResult } from '../model/results';
import type { Pod, PodDisruptionBudget } from '../model/types';
import { matchesLabelSelector } from '../adapter/selectors';
import { preparePod, type FilterStatus, type PodInfo } from './framework';
import { NodeAffinity, NodeName, NodePorts, NodeResourcesFit, NodeUnschedulable, NodeVolumeLimits, TaintToleration, VolumeBinding, VolumeRestrictions, VolumeZone, PodTopologySpread, InterPodAffinity } from './plugins';
import { ERR_REASON_ABSENT_NODE_AFFINITY, requiredAffinityMatches } from './plugins/node-affinity';
import { ERR_REASON_NODE_NAME } from './plugins/node-name';
import { ERR_REASON_NODE_PORTS, fitsPorts } from './plugins/node-ports';
import { fitsRequest } from './plugins/node-resources-fit';
import { firstUntoleratedTaint } from './plugins/tolerations';
import { errReasonUntoleratedTaint } from './plugins/taint-toleration';
import { predictRuntime } from './runtime';
import { withPriorityClass } from './volumes';
import { addPodToNode, cloneNodeState, isTerminal, nodeStateWithout, type NodeState, type SchedulingState } from './state';

export const NO_PREEMPTION_VICTIMS = 'No preemption victims found for incoming pod';
export const PREEMPTION_NOT_HELPFUL = 'Preemption is not helpful for scheduling';
/** the PodScheduled condition message the scheduler sets on a gated pod (schedule_one.go / queue) */
export const SCHEDULING_GATED = 'Scheduling is blocked due to non-empty scheduling gates';
export const PREEMPTION_POLICY_NEVER = 'not eligible due to preemptionPolicy=Never.';

/**
 * frameworkImpl.RunFilterPlugins: the first non-success status wins. Written out in FILTERS order (instead of
 * looping over FILTERS) so each call site stays monomorphic on the 5,000-node hot path.
 */
export function runFilters(info: PodInfo, ns: NodeState): FilterStatus | null {
  return (
    NodeUnschedulable.filter(info, ns) ??
    NodeName.filter(info, ns) ??
    TaintToleration.filter(info, ns) ??
    NodeAffinity.filter(info, ns) ??
    NodePorts.filter(info, ns) ??
    NodeResourcesFit.filter(info, ns) ??
    VolumeRestrictions.filter(info, ns) ??
    NodeVolumeLimits.filter(info, ns) ??
    VolumeBinding.filter(info, ns) ??
    VolumeZone.filter(info, ns) ??
    PodTopologySpread.filter(info, ns) ??
    InterPodAffinity.filter(info, ns)
  );
}

/**
 * Shared empty arrays for the per-node hot path (5,000 verdicts per query): results are read-only; they are
 * frozen so an accidental push fails loudly instead of corrupting other verdicts.
 */
const EMPTY_RUNTIME = Object.freeze([]) as unknown as RuntimePrediction[];
const EMPTY_REASONS = Object.freeze([]) as unknown as string[];
const EMPTY_BLOCKERS = Object.freeze([]) as unknown as Blocker[];

export function evaluateNode(info: PodInfo, ns: NodeState, state: SchedulingState): NodeVerdict {
  if (info.preFilterReject) {
    const plugin = info.preFilterPlugin ?? 'NodeAffinity(PreFilter)';
    const blocker: Blocker = plugin === 'NodeAffinity(PreFilter)' ? { kind: 'affinity', detail: info.preFilterReject } : { kind: 'volume', detail: info.preFilterReject };
    return { node: ns.node.name, feasible: false, plugin, reasons: [info.preFilterReject], reason: info.preFilterReject, code: 'UnschedulableAndUnresolvable', blockers: [blocker], runtime: [] };
  }
  if (info.nodeNames && !info.nodeNames.has(ns.node.name)) {
    return {
      node: ns.node.name,
      feasible: false,
      plugin: 'NodeAffinity(PreFilter)',
      reasons: [ERR_REASON_ABSENT_NODE_AFFINITY],
      reason: ERR_REASON_ABSENT_NODE_AFFINITY,
      code: 'UnschedulableAndUnresolvable',
      blockers: [{ kind: 'affinity', detail: `pod is pinned to ${[...info.nodeNames].join(', ')} by matchFields metadata.name` }],
      runtime: [],
    };
  }
  const s = runFilters(info, ns);
  if (s) return { node: ns.node.name, feasible: false, plugin: s.plugin, reasons: s.reasons, reason: s.reasons[0], code: s.code, blockers: s.blockers, runtime: EMPTY_RUNTIME };
  const runtime = predictRuntime(info, ns, state);
  return { node: ns.node.name, feasible: true, reasons: EMPTY_REASONS, blockers: EMPTY_BLOCKERS, runtime: runtime.length ? runtime : EMPTY_RUNTIME };
}

/** "%v %v" entries sorted with sort.Strings (byte order), joined with ", " (FitError.Error) */
export function histogram(reasons: Iterable<string>): string {
  const counts = new Map<string, number>();
  for (const r of reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  const entries = [...counts].map(([r, n]) => `${n} ${r}`);
  entries.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return entries.join(', ');
}

export function fitErrorMessage(numNodes: number, verdicts: NodeVerdict[], preFilterMsg?: string, postFilterMsg?: string): string {
  let msg = `0/${numNodes} nodes are available:`;
  if (preFilterMsg) msg += ` ${preFilterMsg}.`;
  else {
    const all: string[] = [];
    for (const v of verdicts) if (!v.feasible) all.push(...v.reasons);
    msg += ` ${histogram(all)}.`;
  }
  // current FitError.Error appends the PostFilter message with " %v" (single trailing period)
  if (postFilterMsg) msg += ` ${postFilterMsg}`;
  return msg;
}

interface Candidate {
  node: string;
  victims: Pod[];
  pdbViolations: number;
}

function podKey(p: Pod): string {
  return `${p.namespace}/${p.name}`;
}

/** MoreImportantPod order: higher priority first (start time is not modelled; input order breaks ties) */
function byImportance(a: Pod, b: Pod): number {
  return b.priority - a.priority;
}

/** PreFilterExtensions.RemovePod: VolumeRestrictions stops counting a removed pod's ReadWriteOncePod claim use */
function withoutPods(info: PodInfo, removed: Set<Pod>): PodInfo {
  const v = info.volumes;
  if (!v || !v.rwopHolders.some((h) => removed.has(h))) return info;
  return { ...info, volumes: { ...v, rwopHolders: v.rwopHolders.filter((h) => !removed.has(h)) } };
}

/**
 * filterPodsWithPDBViolation: walking the pods in order, each takes one disruption from every PDB of its namespace
 * whose selector matches it; a pod that drives one below zero violates it.
 */
function splitByPDB(pods: Pod[], pdbs: readonly PodDisruptionBudget[]): { violating: Pod[]; nonViolating: Pod[] } {
  const allowed = pdbs.map((b) => b.disruptionsAllowed);
  const violating: Pod[] = [];
  const nonViolating: Pod[] = [];
  for (const p of pods) {
    let violated = false;
    pdbs.forEach((b, i) => {
      // a PDB with a nil or empty selector matches nothing
      if (b.namespace !== p.namespace || !b.selector || (!Object.keys(b.selector.matchLabels).length && !b.selector.matchExpressions.length)) return;
      if (!matchesLabelSelector(b.selector, p.labels)) return;
      allowed[i]--;
      if (allowed[i] < 0) violated = true;
    });
    (violated ? violating : nonViolating).push(p);
  }
  return { violating, nonViolating };
}

/**
 * DefaultPreemption dry run (default_preemption.go SelectVictimsOnNode): remove every lower-priority pod,
 * check the pod fits, then reprieve victims most-important-first while it still fits, those whose eviction would
 * violate a PodDisruptionBudget before the others.
 */
function selectVictimsOnNode(podInfo: PodInfo, ns: NodeState): { candidate?: Candidate; reasons: string[] } {
  const lower = ns.pods.filter((p) => p.priority < podInfo.pod.priority);
  if (!lower.length) return { reasons: [NO_PREEMPTION_VICTIMS] };
  const removed = new Set(lower);
  const without = nodeStateWithout(ns, removed);
  const info = withoutPods(podInfo, removed);
  const s = runFilters(info, without);
  if (s) return { reasons: s.reasons };
  const victims: Pod[] = [];
  let pdbViolations = 0;
  let current = without;
  const reprieve = (v: Pod): boolean => {
    const trial = cloneNodeState(current);
    addPodToNode(trial, v);
    removed.delete(v);
    if (runFilters(withoutPods(podInfo, removed), trial)) {
      victims.push(v);
      removed.add(v);
      return false;
    }
    current = trial;
    return true;
  };
  const { violating, nonViolating } = splitByPDB([...lower].sort(byImportance), podInfo.pdbs ?? []);
  for (const v of violating) if (!reprieve(v)) pdbViolations++;
  for (const v of nonViolating) reprieve(v);
  return { candidate: { node: ns.node.name, victims, pdbViolations }, reasons: [] };
}

/**
 * pickOneNodeForPreemption: a node needing no victims at once; else fewest PDB violations, lowest highest-victim
 * priority, lowest priority sum, fewest victims (start times are not modelled), then the first.
 */
function pickCandidate(cands: Candidate[]): Candidate {
  const none = cands.find((c) => !c.victims.length);
  if (none) return none;
  const score = (c: Candidate): number[] => [c.pdbViolations, Math.max(...c.victims.map((v) => v.priority)), c.victims.reduce((sum, v) => sum + v.priority, 0), c.victims.length];
  let best = cands[0];
  let bestScore = score(best);
  for (const c of cands.slice(1)) {
    const sc = score(c);
    const i = sc.findIndex((x, k) => x !== bestScore[k]);
    if (i >= 0 && sc[i] < bestScore[i]) {
      best = c;
      bestScore = sc;
    }
  }
  return best;
}

/** DefaultPreemption.PostFilter dry run: a candidate, or every node's reason for the "preemption:" message */
export function preempt(info: PodInfo, verdicts: NodeVerdict[], nodes: NodeState[]): { result?: PreemptionResult; reasons: string[]; notEligible?: string } {
  // PodEligibleToPreemptOthers
  if (info.pod.preemptionPolicy === 'Never') return { reasons: [], notEligible: PREEMPTION_POLICY_NEVER };
  const reasons: string[] = [];
  const cands: Candidate[] = [];
  verdicts.forEach((v, i) => {
    if (v.code !== 'Unschedulable') {
      reasons.push(PREEMPTION_NOT_HELPFUL);
      return;
    }
    const r = selectVictimsOnNode(info, nodes[i]);
    if (r.candidate) cands.push(r.candidate);
    else reasons.push(...r.reasons);
  });
  if (cands.length) {
    const c = pickCandidate(cands);
    return { result: { nominatedNodeName: c.node, victims: c.victims.map(podKey) }, reasons };
  }
  return { reasons };
}

export function preemptionMessage(numNodes: number, reasons: string[]): string {
  return `preemption: 0/${numNodes} nodes are available: ${histogram(reasons)}.`;
}

/**
 * Kubelet admission (pkg/kubelet/lifecycle/predicate.go + scheduler AdmissionCheck): resources, then node
 * affinity, node name, host ports; then untolerated NoExecute taints. First failure only.
 */
export function kubeletAdmission(state: SchedulingState, pod: Pod, nodeOverride?: NodeState): KubeletAdmission {
  const base = nodeOverride ?? state.byName.get(pod.nodeName);
  if (!base) return { node: pod.nodeName, admit: false, reason: 'NodeNotFound', message: `node ${pod.nodeName} is not in the snapshot: no kubelet will run the pod, it stays Pending` };
  const self = base.pods.filter((p) => p.namespace === pod.namespace && p.name === pod.name);
  const ns = self.length ? nodeStateWithout(base, new Set(self)) : base;
  const info = preparePod(pod);
  const reject = (reason: string, message: string): KubeletAdmission => ({ node: ns.node.name, admit: false, podPhase: 'Failed', reason, message: `Pod was rejected: ${message}` });
  const insufficient = fitsRequest(info, ns);
  if (insufficient.length) {
    const r = insufficient[0];
    return reject(`OutOf${r.resource}`, `Node didn't have enough resource: ${r.resource}, requested: ${r.requested}, used: ${r.used}, capacity: ${r.capacity}`);
  }
  if (!requiredAffinityMatches(pod, ns.node).ok) return reject('NodeAffinity', "Predicate NodeAffinity failed: node(s) didn't match Pod's node affinity/selector");
  if (pod.nodeName && pod.nodeName !== ns.node.name) return reject('NodeName', `Predicate NodeName failed: ${ERR_REASON_NODE_NAME}`);
  if (!fitsPorts(info.hostPorts, ns)) return reject('NodePorts', `Predicate NodePorts failed: ${ERR_REASON_NODE_PORTS}`);
  const taint = firstUntoleratedTaint(ns.node.taints, pod.tolerations, ['NoExecute']);
  if (taint) return reject('TaintToleration', `Predicate TaintToleration failed: ${errReasonUntoleratedTaint(taint.key, taint.value)}`);
  return { node: ns.node.name, admit: true };
}

function podLabel(pod: Pod): string {
  return `${pod.namespace}/${pod.name}`;
}

/**
 * RunPostFilterPlugins: DynamicResources (1.34+) then DefaultPreemption; Unschedulable reasons are joined with ", ",
 * a Success returns at once with its own message (1.37+ DefaultPreemption; none before, so no suffix at all).
 */
function postFilterMessage(info: PodInfo, numNodes: number, pre: ReturnType<typeof preempt>): string | undefined {
  const t = info.texts;
  if (pre.result) return t.preemptionSuccess ? `preemption: ${t.preemptionSuccess(pre.result.nominatedNodeName, pre.result.victims.length)}` : undefined;
  const preemption = pre.notEligible ? `preemption: ${pre.notEligible}` : preemptionMessage(numNodes, pre.reasons);
  return t.draNoClaims ? `${t.draNoClaims}, ${preemption}` : preemption;
}

/** Core of schedulePod over an explicit node list (placement passes its clone-on-write view). */
export function scheduleOnNodes(state: SchedulingState, nodes: NodeState[], info: PodInfo, verdicts?: NodeVerdict[]): ScheduleResult {
  const pod = info.pod;
  let vs = verdicts;
  if (!vs) {
    vs = new Array<NodeVerdict>(nodes.length);
    for (let i = 0; i < nodes.length; i++) vs[i] = evaluateNode(info, nodes[i], state);
  }
  const feasibleNodes: string[] = [];
  for (const v of vs) if (v.feasible) feasibleNodes.push(v.node);
  const result: ScheduleResult = { pod: podLabel(pod), scheduler: true, feasibleNodes, nodes: vs };
  if (feasibleNodes.length) return result;
  const pre = preempt(info, vs, nodes);
  if (pre.result) result.preemption = pre.result;
  result.message = fitErrorMessage(nodes.length, vs, info.preFilterReject, postFilterMessage(info, nodes.length, pre));
  return result;
}

/**
 * "Which nodes can host this pod, and why not the others". Pods with spec.nodeName bypass the scheduler and
 * get kubelet admission instead. Terminal pods are not scheduled at all.
 */
export function schedulePod(state: SchedulingState, pod: Pod): ScheduleResult {
  if (pod.nodeName) {
    const adm = kubeletAdmission(state, pod);
    return { pod: podLabel(pod), scheduler: false, feasibleNodes: adm.admit ? [adm.node] : [], nodes: [], kubeletAdmission: adm };
  }
  // SchedulingGates.PreEnqueue: the pod never enters the active queue while a gate remains
  if (pod.schedulingGates?.length) {
    return { pod: podLabel(pod), scheduler: true, feasibleNodes: [], nodes: [], message: SCHEDULING_GATED, schedulingGated: { reason: 'SchedulingGated', gates: pod.schedulingGates } };
  }
  if (isTerminal(pod)) return { pod: podLabel(pod), scheduler: false, feasibleNodes: [], nodes: [], message: `pod is ${pod.phase}: the scheduler ignores terminal pods` };
  // schedule_one.go: ErrNoNodesAvailable before any plugin runs
  if (!state.nodes.length) return { pod: podLabel(pod), scheduler: true, feasibleNodes: [], nodes: [], message: 'no nodes available to schedule pods' };
  const result = scheduleOnNodes(state, state.nodes, preparePod(withPriorityClass(pod, state.storage), state));
  const unmodelled = [...(pod.unmodelled ?? [])];
  // without PVCs in the snapshot the volume filters cannot run (a claim would otherwise read as "not found")
  if (!state.storage && pod.volumes?.some((v) => v.claimName !== undefined))
    unmodelled.push({ code: 'VolumesNotInSnapshot', field: 'spec.volumes', description: 'the snapshot has no PersistentVolumeClaims or PersistentVolumes: the volume filters were not evaluated' });
  if (unmodelled.length) {
    result.unmodelled = unmodelled;
    result.certainty = 'reduced';
  }
  return result;
}
