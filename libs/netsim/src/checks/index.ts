export { validateObject, validateParsed, renderInvalid, qualifiedKind, validatePodSpec, validateServiceSpec, allocateNodePorts, type FieldError, type ValidationContext, type ValidationResult } from './validate';
export { checkManifests, parseFieldPath } from './check';
export { toSarif, toText, SARIF_SCHEMA, type SarifOptions } from './render';
export { RULES, RULE_IDS, isRuleId, type RuleInfo, type RuleId } from './rules';
