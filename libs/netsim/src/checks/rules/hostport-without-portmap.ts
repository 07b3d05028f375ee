import { defineRule } from './rule';

export const hostportWithoutPortmap = defineRule({
  id: 'hostport-without-portmap',
  severity: 'warning',
  title: 'hostPort without portmap',
  rationale: 'The CNI conflist has no portmap plugin: the hostPort installs no DNAT rule.',
  fix: "Add the portmap plugin to the CNI conflist, or use a NodePort Service.",
});
