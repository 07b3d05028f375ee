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
import type { NodeSelectorTerm, Pod, Toleration, Workload } from '../model/types';
import { podFromTemplate } from '../adapter/pod';
import { preparePod, type PodInfo } from './framework';
import { ERR_REASON_ABSENT_NODE_AFFINITY, requiredAffinityMatches } from './plugins/node-affinity';
import { firstUntoleratedTaint } from './plugins/tolerations';
import { crashPrediction } from './runtime';
import { evaluateNode, fitErrorMessage, preempt, preemptionMessage, PREEMPTION_NOT_HELPFUL, scheduleOnNodes } from './schedule';
import { addPodToNode, cloneNodeState, workloadKey, type SchedulingState } from './state';

interface Outcome {
  result: PlacementResult;
}

function record(out: Outcome, pod: Pod, node: string, verdict: NodeVerdict): void {
  const crash = crashPrediction(verdict.runtime);
  if (crash) out.result.crashing.push({ pod: `${pod.namespace}/${pod.name}`, node, reason: crash.message, certainty: crash.certainty });
  else out.result.placed.push({ pod: `${pod.namespace}/${pod.name}`, node });
}

function bind(pod: Pod, node: string): Pod {
  return { ...pod, nodeName: node, phase: 'Running' };
}

function placeReplicas(cluster: SchedulingState, w: Workload, replicas: number, out: Outcome): void {
  const view = cluster.nodes.slice();
  const cloned = new Set<number>();
  const first = podFromTemplate(w, `${w.name}-0`);
  const info: PodInfo = preparePod(first);
  const wk = workloadKey(first) ?? '';
  const verdicts = view.map((ns) => evaluateNode(info, ns, cluster));
  let pendingMessage: string | undefined;
  for (let i = 0; i < replicas; i++) {
    const pod = i === 0 ? first : podFromTemplate(w, `${w.name}-${i}`);
    let best = -1;
    let bestW = 0;
    let bestP = 0;
    let bestC = 0;
    for (let n = 0; n < view.length; n++) {
      if (!verdicts[n].feasible) continue;
      const ns = view[n];
      const wc = ns.workloads.get(wk) ?? 0;
      const pc = ns.pods.length;
      const alloc = ns.node.allocatable['cpu'] ?? 0;
      const cf = alloc > 0 ? (ns.requested['cpu'] ?? 0) / alloc : 0;
      if (best < 0 || wc < bestW || (wc === bestW && (pc < bestP || (pc === bestP && cf < bestC)))) {
        best = n;
        bestW = wc;
        bestP = pc;
        bestC = cf;
      }
    }
    if (best < 0) {
      // the state does not change while replicas stay Pending, so the message is computed once
      pendingMessage ??= scheduleOnNodes(cluster, view, { ...info, pod }, verdicts).message ?? '';
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
    const info = preparePod(pod);
    // only the pinned node is evaluated; every other node is an absent node of the PreFilterResult
    const v = evaluateNode(info, ns, cluster);
    if (v.feasible) {
      record(out, pod, ns.node.name, v);
      continue;
    }
    const reasons = [...v.reasons];
    for (let i = 1; i < n; i++) reasons.push(ERR_REASON_ABSENT_NODE_AFFINITY);
    const pre = preempt(info, [v], [ns]);
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
export function placeWorkload(cluster: SchedulingState, workload: Workload): PlacementResult {
  const out: Outcome = { result: { workload: `${workload.kind}/${workload.namespace}/${workload.name}`, replicas: 0, placed: [], pending: [], crashing: [] } };
  if (workload.kind === 'DaemonSet') {
    placeDaemonSet(cluster, workload, out);
    return out.result;
  }
  const replicas = Math.max(0, workload.replicas ?? 1);
  out.result.replicas = replicas;
  placeReplicas(cluster, workload, replicas, out);
  return out.result;
}
