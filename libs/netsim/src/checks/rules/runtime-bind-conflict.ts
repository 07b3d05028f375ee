import { defineRule } from './rule';

export const runtimeBindConflict = defineRule({
  id: 'runtime-bind-conflict',
  severity: 'error',
  title: 'Port already in use on the node',
  rationale: 'A hostNetwork process binding a port the node already uses fails with EADDRINUSE and crash-loops.',
  fix: "Free the port on the node, bind another address, or choose another port.",
});
