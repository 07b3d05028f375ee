import type { Filter } from '../framework';
import { firstUntoleratedTaint } from './tolerations';

/** tainttoleration/taint_toleration.go Filter until 1.35 (and 1.34.3): the message shows key and value, not the effect */
export function errReasonUntoleratedTaint(key: string, value: string): string {
  return `node(s) had untolerated taint {${key}: ${value}}`;
}

export const TaintToleration: Filter = {
  name: 'TaintToleration',
  filter(info, ns) {
    if (!ns.node.taints.length) return null;
    const taint = firstUntoleratedTaint(ns.node.taints, info.pod.tolerations, ['NoSchedule', 'NoExecute']);
    if (!taint) return null;
    return {
      plugin: 'TaintToleration',
      code: 'UnschedulableAndUnresolvable',
      reasons: [info.texts.untoleratedTaint(taint.key, taint.value)],
      blockers: [{ kind: 'taint', key: taint.key, value: taint.value, effect: taint.effect }],
    };
  },
};
