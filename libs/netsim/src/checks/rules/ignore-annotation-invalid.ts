import { defineRule } from './rule';

export const ignoreAnnotationInvalid = defineRule({
  id: 'ignore-annotation-invalid',
  severity: 'warning',
  title: 'Malformed portolan.dev/ignore entry',
  rationale: 'A suppression must name a rule id and give a reason ("rule-id: reason"); an entry that does not suppresses nothing, so the finding it meant to turn off still counts.',
  fix: 'Write one "rule-id: reason" per line (or separated by ";"), with an id from the rule catalogue.',
});
