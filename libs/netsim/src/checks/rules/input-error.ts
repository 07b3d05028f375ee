import { defineRule } from './rule';

export const inputError = defineRule({
  id: 'input-error',
  severity: 'error',
  title: 'Manifest cannot be decoded',
  rationale: 'A field has the wrong type or the text is not valid YAML/JSON; the API server would reject it before validation.',
  fix: "Fix the manifest so it decodes (valid YAML/JSON, the right field types).",
});
