import { defineRule } from './rule';

export const nodeportOutOfRange = defineRule({
  id: 'nodeport-out-of-range',
  severity: 'error',
  title: 'NodePort outside the apiserver range',
  rationale: 'portallocator ErrNotInRange: nodePort must be inside --service-node-port-range.',
  fix: "Use a nodePort inside --service-node-port-range, or omit it to let the apiserver allocate one.",
});
