import type { LabelSelector } from '../model/types';

/** Service-style equality selector: every key must match (an empty map matches everything). */
export function matchesMap(selector: Record<string, string>, labels: Record<string, string>): boolean {
  for (const k in selector) if (labels[k] !== selector[k]) return false;
  return true;
}

/** metav1.LabelSelector semantics (LabelSelectorAsSelector). */
export function matchesLabelSelector(sel: LabelSelector, labels: Record<string, string>): boolean {
  if (!matchesMap(sel.matchLabels, labels)) return false;
  for (const e of sel.matchExpressions) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const v = labels[e.key];
    switch (e.operator) {
      case 'In':
        if (!has || !e.values.includes(v)) return false;
        break;
      case 'NotIn':
        if (has && e.values.includes(v)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
    }
  }
  return true;
}

export function formatLabels(labels: Record<string, string>): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',');
}
