/**
 * Placing a whole workload, one pod at a time against the state the earlier ones changed.
 *
 * Scoring (Portolan's stand-in for the score plugins, deterministic on purpose): among feasible nodes pick the
 * one with the fewest pods of the same workload (PodTopologySpread / SelectorSpread-like), then the fewest pods
 * (LeastAllocated-like on the pod count), then the lowest requested cpu fraction, then the node that comes
 * first in the snapshot. Runtime predictions do not influence the choice: the real scheduler cannot see them.
 *
 * Performance: every node is evaluated once; after a placement only the node that received the pod is
 * re-evaluated, on a clone of its NodeState (the shared SchedulingState is never mutated).
 */
import type { NodeVerdict, PlacementResult } from '../model/results';
import type { NodeSelectorTerm, Pod, Snapshot, Toleration, Workload } from '../model/types';
import { podFromTemplate } from '../adapter/pod';
import { preparePod, type PodInfo } from './framework';
import { ERR_REASON_ABSENT_NODE_AFFINITY, requiredAffinityMatches } from './plugins/node-affinity';
import { firstUntoleratedTaint } from './plugins/tolerations';
import { crashPrediction } from './runtime';
import { evaluateNode, fitErrorMessage, preempt, preemptionMessage, PREEMPTION_NOT_HELPFUL, scheduleOnNodes } from './schedule';
import { addPodToNode, buildSchedulingState, cloneNodeState, workloadKey, type NodeState, type SchedulingState } from './state';

interface Outcome {
  result: PlacementResult;
  /** the pods as bound, for a later workload of the same submission to see */
  bound: Pod[];
}

function record(out: Outcome, pod: Pod, node: string, verdict: NodeVerdict): void {
  const crash = crashPrediction(verdict.runtime);
  if (crash) out.result.crashing.push({ pod: `${pod.namespace}/${pod.name}`, node, reason: crash.message, certainty: crash.certainty });
  else out.result.placed.push({ pod: `${pod.namespace}/${pod.name}`, node });
  out.bound.push(bind(pod, node));
}

function bind(pod: Pod, node: string): Pod {
  return { ...pod, nodeName: node, phase: 'Running' };
}

/** Min-heap of feasible node indexes by (same-workload pods, pods, cpu fraction, snapshot order). */
class NodeHeap {
  private readonly heap: number[] = [];
  private readonly pos: Int32Array;
  /** score components per node index, kept up to date by the caller before update() */
  readonly same: Float64Array;
  readonly pods: Float64Array;
  readonly cpu: Float64Array;
  constructor(size: number) {
    this.pos = new Int32Array(size).fill(-1);
    this.same = new Float64Array(size);
    this.pods = new Float64Array(size);
    this.cpu = new Float64Array(size);
  }
  private less(a: number, b: number): boolean {
    if (this.same[a] !== this.same[b]) return this.same[a] < this.same[b];
    if (this.pods[a] !== this.pods[b]) return this.pods[a] < this.pods[b];
    if (this.cpu[a] !== this.cpu[b]) return this.cpu[a] < this.cpu[b];
    return a < b;
  }
  private swap(i: number, j: number): void {
    const h = this.heap;
    [h[i], h[j]] = [h[j], h[i]];
    this.pos[h[i]] = i;
    this.pos[h[j]] = j;
  }
  private up(i: number): void {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(this.heap[i], this.heap[p])) break;
      this.swap(i, p);
      i = p;
    }
  }
  private down(i: number): void {
    const n = this.heap.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.less(this.heap[l], this.heap[m])) m = l;
      if (r < n && this.less(this.heap[r], this.heap[m])) m = r;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
  }
  push(n: number): void {
    this.heap.push(n);
    this.pos[n] = this.heap.length - 1;
    this.up(this.heap.length - 1);
  }
  peek(): number {
    return this.heap.length ? this.heap[0] : -1;
  }
  /** the node's key changed (it only grows after a placement) or it is no longer feasible */
  update(n: number, feasible: boolean): void {
    const i = this.pos[n];
    if (i < 0) {
      if (feasible) this.push(n);
      return;
    }
    if (!feasible) {
      const last = this.heap.length - 1;
      this.swap(i, last);
      this.heap.pop();
      this.pos[n] = -1;
      if (i < this.heap.length) {
        this.down(i);
        this.up(i);
      }
      return;
    }
    this.down(i);
    this.up(i);
  }
}

/**
 * Replicas whose own placement changes other nodes' verdicts (spread constraints, pod affinity or anti-affinity):
 * one pod at a time as the scheduler does, each PreFilter run again over the nodes as the earlier replicas left
 * them, every node evaluated again, the best feasible one taken by the same order as the heap below.
 */
function placeReplicasOneByOne(cluster: SchedulingState, w: Workload, replicas: number, out: Outcome, first: Pod): void {
  const view = cluster.nodes.slice();
  const cloned = new Set<number>();
  const wk = workloadKey(first) ?? '';
  for (let i = 0; i < replicas; i++) {
    const pod: Pod = i === 0 ? first : { ...first, name: `${w.name}-${i}` };
    const info = preparePod(pod, { ...cluster, nodes: view }, true);
    const verdicts = view.map((ns) => evaluateNode(info, ns, cluster));
    let best = -1;
    let key: [number, number, number] = [Infinity, Infinity, Infinity];
    verdicts.forEach((v, n) => {
      if (!v.feasible) return;
      const ns = view[n] as NodeState;
      const alloc = ns.node.allocatable['cpu'] ?? 0;
      const k: [number, number, number] = [ns.workloads.get(wk) ?? 0, ns.pods.length, alloc > 0 ? (ns.requested['cpu'] ?? 0) / alloc : 0];
      if (best < 0 || k[0] < key[0] || (k[0] === key[0] && (k[1] < key[1] || (k[1] === key[1] && k[2] < key[2])))) {
        best = n;
        key = k;
      }
    });
    if (best < 0) {
      const message = view.length ? (scheduleOnNodes(cluster, view, info, verdicts).message ?? '') : 'no nodes available to schedule pods';
      out.result.pending.push({ pod: `${pod.namespace}/${pod.name}`, message });
      continue;
    }
    const nodeName = (view[best] as NodeState).node.name;
    record(out, pod, nodeName, verdicts[best] as NodeVerdict);
    if (!cloned.has(best)) {
      view[best] = cloneNodeState(view[best] as NodeState);
      cloned.add(best);
    }
    addPodToNode(view[best] as NodeState, bind(pod, nodeName));
  }
}

function placeReplicas(cluster: SchedulingState, w: Workload, replicas: number, out: Outcome): void {
  const view = cluster.nodes.slice();
  const cloned = new Set<number>();
  const first = podFromTemplate(w, `${w.name}-0`);
  const info: PodInfo = preparePod(first, cluster);
  if (info.podTopologySpread || info.interPodAffinity?.affinity.length || info.interPodAffinity?.antiAffinity.length) {
    placeReplicasOneByOne(cluster, w, replicas, out, first);
    return;
  }
  const wk = workloadKey(first) ?? '';
  const verdicts = view.map((ns) => evaluateNode(info, ns, cluster));
  const heap = new NodeHeap(view.length);
  const score = (n: number): void => {
    const ns = view[n];
    const alloc = ns.node.allocatable['cpu'] ?? 0;
    heap.same[n] = ns.workloads.get(wk) ?? 0;
    heap.pods[n] = ns.pods.length;
    heap.cpu[n] = alloc > 0 ? (ns.requested['cpu'] ?? 0) / alloc : 0;
  };
  verdicts.forEach((v, n) => {
    if (!v.feasible) return;
    score(n);
    heap.push(n);
  });
  let pendingMessage: string | undefined;
  for (let i = 0; i < replicas; i++) {
    // replicas share the (read-only) container specs of the first created pod
    const pod: Pod = i === 0 ? first : { ...first, name: `${w.name}-${i}` };
    const best = heap.peek();
    if (best < 0) {
      // the state does not change while replicas stay Pending, so the message is computed once
      pendingMessage ??= view.length ? (scheduleOnNodes(cluster, view, { ...info, pod }, verdicts).message ?? '') : 'no nodes available to schedule pods';
      out.result.pending.push({ pod: `${pod.namespace}/${pod.name}`, message: pendingMessage });
      continue;
    }
    const nodeName = view[best].node.name;
    record(out, pod, nodeName, verdicts[best]);
    if (!cloned.has(best)) {
      view[best] = cloneNodeState(view[best]);
      cloned.add(best);
    }
    addPodToNode(view[best], bind(pod, nodeName));
    verdicts[best] = evaluateNode(info, view[best], cluster);
    score(best);
    heap.update(best, verdicts[best].feasible);
  }
}

/** AddOrUpdateDaemonPodTolerations (pkg/controller/daemon/util/daemonset_util.go) */
export function daemonSetTolerations(template: Pod): Toleration[] {
  const add: Toleration[] = [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', value: '', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', value: '', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', value: '', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', value: '', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', value: '', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', value: '', effect: 'NoSchedule' },
  ];
  if (template.hostNetwork) add.push({ key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', value: '', effect: 'NoSchedule' });
  const out = template.tolerations.slice();
  for (const t of add) if (!out.some((o) => o.key === t.key && o.effect === t.effect)) out.push(t);
  return out;
}

/** ReplaceDaemonSetPodNodeNameNodeAffinity: every term's matchFields becomes metadata.name In [node] */
export function pinToNode(terms: NodeSelectorTerm[] | undefined, node: string): NodeSelectorTerm[] {
  const req = { key: 'metadata.name', operator: 'In' as const, values: [node] };
  if (!terms || terms.length === 0) return [{ matchExpressions: [], matchFields: [req] }];
  return terms.map((t) => ({ matchExpressions: t.matchExpressions, matchFields: [req] }));
}

function placeDaemonSet(cluster: SchedulingState, w: Workload, out: Outcome): void {
  const tolerations = daemonSetTolerations(w.template);
  const n = cluster.nodes.length;
  for (const ns of cluster.nodes) {
    // NodeShouldRunDaemonPod: the template's node affinity/selector and taints decide whether a pod is created
    const probe: Pod = { ...w.template, tolerations };
    if (!requiredAffinityMatches(probe, ns.node).ok) continue;
    if (firstUntoleratedTaint(ns.node.taints, tolerations, ['NoSchedule', 'NoExecute'])) continue;
    out.result.replicas++;
    const base = podFromTemplate(w, `${w.name}-${ns.node.name}`);
    const pod: Pod = { ...base, tolerations, requiredNodeAffinity: pinToNode(w.template.requiredNodeAffinity, ns.node.name) };
    const info = preparePod(pod, cluster);
    // only the pinned node is evaluated; every other node is an absent node of the PreFilterResult
    const v = evaluateNode(info, ns, cluster);
    if (v.feasible) {
      record(out, pod, ns.node.name, v);
      continue;
    }
    const reasons = [...v.reasons];
    for (let i = 1; i < n; i++) reasons.push(ERR_REASON_ABSENT_NODE_AFFINITY);
    // the default scheduler places daemon pods since 1.12 (ScheduleDaemonSetPods), so PostFilter preemption
    // runs for them as for any pod: the pod is bound once its victims are gone
    const pre = preempt(info, [v], [ns]);
    if (pre.result) {
      out.result.placed.push({ pod: `${pod.namespace}/${pod.name}`, node: ns.node.name });
      (out.result.preempting ??= []).push({ pod: `${pod.namespace}/${pod.name}`, node: ns.node.name, victims: pre.result.victims });
      out.bound.push(bind(pod, ns.node.name));
      continue;
    }
    for (let i = 1; i < n; i++) pre.reasons.push(PREEMPTION_NOT_HELPFUL);
    const message = fitErrorMessage(n, [{ ...v, reasons }], undefined, pre.result ? undefined : preemptionMessage(n, pre.reasons));
    out.result.pending.push({ pod: `${pod.namespace}/${pod.name}`, message });
  }
}

/**
 * Place every pod of a workload. `placed` holds pods bound and expected to run, `crashing` pods bound whose
 * container is predicted to fail (bind EADDRINUSE -> CrashLoopBackOff), `pending` pods no node accepts, with
 * their FailedScheduling message; placed + crashing + pending = replicas. Preemption by replicas is not
 * simulated (replicas share one priority and rarely outrank what runs).
 */
/** A pod the workload itself runs (directly, or through its ReplicaSet). */
export function isOwnPod(w: Workload, p: Pod): boolean {
  const ref = p.workload ?? p.owner;
  return !!ref && ref.kind === w.kind && (ref.namespace ?? p.namespace) === w.namespace && ref.name === w.name;
}

/**
 * Re-applying a workload replaces the pods it already runs, so they must not count against its new replicas: the
 * snapshot without them, or undefined when the workload runs no pod in it.
 */
export function withoutOwnPods(snapshot: Snapshot, w: Workload): Snapshot | undefined {
  return snapshot.pods.some((p) => isOwnPod(w, p)) ? { ...snapshot, pods: snapshot.pods.filter((p) => !isOwnPod(w, p)) } : undefined;
}

export function placeWorkload(cluster: SchedulingState, workload: Workload): PlacementResult {
  return placeWorkloadBound(cluster, workload).result;
}

/** placeWorkload, also returning the pods as bound (nodeName set) for the next workload of a submission. */
export function placeWorkloadBound(cluster: SchedulingState, workload: Workload): { result: PlacementResult; bound: Pod[] } {
  const out: Outcome = { result: { workload: `${workload.kind}/${workload.namespace}/${workload.name}`, replicas: 0, placed: [], pending: [], crashing: [] }, bound: [] };
  if (workload.kind === 'DaemonSet') {
    placeDaemonSet(cluster, workload, out);
    return out;
  }
  const replicas = Math.max(0, workload.replicas ?? 1);
  out.result.replicas = replicas;
  placeReplicas(cluster, workload, replicas, out);
  return out;
}

/**
 * The workloads of one submission placed in order, each against the snapshot plus the pods the earlier ones
 * placed (a re-applied workload first leaves the pods it runs), as `kubectl apply -f` of all the files would.
 */
export function placeSubmission(snapshot: Snapshot, workloads: Workload[]): PlacementResult[] {
  const out: PlacementResult[] = [];
  const bound: Pod[] = [];
  let state: SchedulingState | undefined;
  for (const w of workloads) {
    const rest = withoutOwnPods(snapshot, w);
    if (rest || bound.length || !state) {
      const base = rest ?? snapshot;
      state = buildSchedulingState(bound.length ? { ...base, pods: [...base.pods, ...bound] } : base);
    }
    const r = placeWorkloadBound(state, w);
    out.push(r.result);
    bound.push(...r.bound);
    if (r.bound.length) state = undefined;
  }
  return out;
}
