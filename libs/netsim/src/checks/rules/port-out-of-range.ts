import { defineRule } from './rule';

export const portOutOfRange = defineRule({
  id: 'port-out-of-range',
  severity: 'error',
  title: 'Port number out of range',
  rationale: 'Container and Service ports must be between 1 and 65535.',
  fix: "Use a port number between 1 and 65535.",
});
