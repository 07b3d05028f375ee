import { defineRule } from './rule';

export const namespaceNotFound = defineRule({
  id: 'namespace-not-found',
  severity: 'error',
  title: 'Namespace does not exist',
  rationale: 'The NamespaceLifecycle admission plugin rejects objects in a namespace that does not exist (kubectl apply: namespaces "x" not found); checked when the snapshot lists Namespaces.',
  fix: 'Add the Namespace to the submission (before its objects), or fix metadata.namespace.',
});
