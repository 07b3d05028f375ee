export { validateObject, validateParsed, renderInvalid, qualifiedKind, validatePodSpec, validateServiceSpec, allocateNodePorts, type FieldError, type ValidationContext, type ValidationResult } from './validate';
export { checkManifests, parseFieldPath, type CheckOptions } from './check';
export { checkInputs, parseInputs, inputErrorFindings } from './inputs';
export { IGNORE_ANNOTATION, parseIgnoreAnnotation, exemptionCovers, applyExemptions, countsOf, verdictOf, type IgnoreEntry } from './suppress';
export { toSarif, toText, SARIF_SCHEMA, INFORMATION_URI, type SarifOptions, type SarifCommit } from './render';
export { RULES, RULE_IDS, isRuleId, type RuleInfo, type RuleId } from './rules';
