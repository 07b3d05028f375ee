import { defineRule } from './rule';

export const hostportDuplicate = defineRule({
  id: 'hostport-duplicate',
  severity: 'error',
  title: 'Duplicate hostPort in one pod',
  rationale: 'AccumulateUniqueHostPorts: the same protocol/hostIP/hostPort twice in one pod is rejected.',
  fix: "Give each port entry a distinct protocol/hostIP/hostPort.",
});
