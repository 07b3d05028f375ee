import { defineRule } from './rule';

export const kubeletRejects = defineRule({
  id: 'kubelet-rejects',
  severity: 'error',
  title: 'Kubelet admission rejects the pod',
  rationale: 'spec.nodeName bypasses the scheduler; the kubelet re-checks and fails the pod.',
  fix: "Remove spec.nodeName, or free what the message names on that node.",
});
