import { defineRule } from './rule';

export const nodeportAllocated = defineRule({
  id: 'nodeport-allocated',
  severity: 'error',
  title: 'NodePort already allocated',
  rationale: 'portallocator ErrAllocated: node ports are unique cluster-wide across namespaces and protocols.',
  fix: "Pick a free nodePort, or omit it to auto-allocate.",
});
