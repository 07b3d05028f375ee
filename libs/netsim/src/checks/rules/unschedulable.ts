import { defineRule } from './rule';

export const unschedulable = defineRule({
  id: 'unschedulable',
  severity: 'error',
  title: 'No node can host the pod',
  rationale: 'The scheduler filters reject every node (FailedScheduling).',
  fix: "Free capacity or relax the constraints the message names.",
});
