import { defineRule } from './rule';

export const serviceSelectorMatchesNothing = defineRule({
  id: 'service-selector-matches-nothing',
  severity: 'warning',
  title: 'Service selector matches no pod',
  rationale: 'The Service gets no endpoints; kube-proxy REJECTs its traffic.',
  fix: "Make the selector match the pod template labels.",
});
