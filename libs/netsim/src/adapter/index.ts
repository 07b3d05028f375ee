export { InputError, formatDiagnostic, type Diagnostic, type DiagnosticSeverity } from './diagnostics';
export { parseDocuments, fromObjects, type ParsedObject, type TextInput, type FieldPath } from './parse';
export { buildSnapshot, loadSnapshot, PORTOLAN_API, type BuildOptions, type BuildResult } from './build';
export { podFromObject, workloadFromObject, podFromTemplate, SANDBOX_ID_ANNOTATION } from './pod';
export { defaultProfile, interpretConflist, parsePortRange, formatPortRange } from './profile';
export { parseSs } from './hoststate';
export { matchesMap, matchesLabelSelector, formatLabels } from './selectors';
export { parseQuantity, resourceAmount, formatAmount } from '../util/quantity';
export { MAX_NESTING_DEPTH, MAX_NAME_LENGTH, MAX_NAMESPACE_LENGTH, ALIAS_EXPANSION_SLACK } from './storable';
