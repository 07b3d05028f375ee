import { defineRule } from './rule';

export const nodeportDuplicate = defineRule({
  id: 'nodeport-duplicate',
  severity: 'error',
  title: 'Duplicate nodePort in one Service',
  rationale: 'ValidateService: the same (protocol, nodePort) twice in one Service is rejected.',
  fix: "Use each (protocol, nodePort) once per Service.",
});
