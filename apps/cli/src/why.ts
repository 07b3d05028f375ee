import { ClusterEngine, QueryError, type Pod, type ScheduleResult } from '@portolan/netsim';
import { UsageError } from './io';

/** `pod/web-0`, `pods/web-0`, `po/web-0` or a bare name, as kubectl takes them. */
export function parsePodRef(text: string | undefined): string {
  if (!text) throw new UsageError('why needs a pod: why pod/NAME [-n NAMESPACE]');
  const m = /^(?:(pods?|po)\/)?([a-z0-9]([-a-z0-9.]*[a-z0-9])?)$/.exec(text);
  if (!m) throw new UsageError(`why takes pod/NAME (a Pod's name), got ${JSON.stringify(text)}`);
  return m[2];
}

export type WhyAnswer =
  | { pod: string; bound: true; node: string; phase: Pod['phase']; note: string }
  | { pod: string; bound: false; phase: Pod['phase']; schedule: ScheduleResult };

/**
 * Why is this pod Pending? A pod no node was given is asked of the scheduler again, against the cluster as it is
 * (every node, the upstream reason and the blocker); a bound pod's trouble is not the scheduler's.
 */
export function whyPod(engine: ClusterEngine, namespace: string, name: string): WhyAnswer {
  const pod = engine.snapshot.pods.find((p) => p.namespace === namespace && p.name === name);
  if (!pod) {
    const elsewhere = engine.snapshot.pods.filter((p) => p.name === name).map((p) => p.namespace);
    throw new QueryError(`pod ${namespace}/${name} is not in this snapshot${elsewhere.length ? ` (a pod of that name is in namespace ${elsewhere.join(', ')}: give -n)` : ''}`, 'pod');
  }
  const ref = `${namespace}/${name}`;
  if (pod.nodeName) {
    return { pod: ref, bound: true, node: pod.nodeName, phase: pod.phase, note: `bound to ${pod.nodeName} (phase ${pod.phase}): the scheduler placed it; a pod that does not run there fails at the kubelet or at run time` };
  }
  return { pod: ref, bound: false, phase: pod.phase, schedule: engine.schedulePod(pod) };
}
