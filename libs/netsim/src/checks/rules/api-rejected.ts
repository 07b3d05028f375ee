import { defineRule } from './rule';

export const apiRejected = defineRule({
  id: 'api-rejected',
  severity: 'error',
  title: 'Rejected by the API server',
  rationale: 'Another API validation error.',
  fix: "Fix the field the API server names.",
});
