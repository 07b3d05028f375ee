import type { Taint, Toleration } from '../../model/types';

/** v1 Toleration.ToleratesTaint (staging/src/k8s.io/api/core/v1/toleration.go) */
export function toleratesTaint(t: Toleration, taint: Pick<Taint, 'key' | 'value' | 'effect'>): boolean {
  if (t.effect !== '' && t.effect !== taint.effect) return false;
  if (t.key !== '' && t.key !== taint.key) return false;
  if (t.operator === 'Exists') return true;
  return t.value === taint.value;
}

export function tolerationsTolerate(tolerations: Toleration[], taint: Pick<Taint, 'key' | 'value' | 'effect'>): boolean {
  for (const t of tolerations) if (toleratesTaint(t, taint)) return true;
  return false;
}

/** v1helper.FindMatchingUntoleratedTaint with the NoSchedule/NoExecute filter TaintToleration.Filter uses */
export function firstUntoleratedTaint(taints: Taint[], tolerations: Toleration[], effects: ReadonlyArray<Taint['effect']>): Taint | undefined {
  for (const taint of taints) {
    if (!effects.includes(taint.effect)) continue;
    if (!tolerationsTolerate(tolerations, taint)) return taint;
  }
  return undefined;
}
