/**
 * Rule catalogue, generated from the rules themselves (checks/rules/*.ts, one per file): ids are stable (SARIF
 * ruleId, suppressions, exemptions) and typed.
 */
import { ALL_RULES } from './rules/index';
import { RULES_HELP_BASE, type RuleInfo } from './rules/rule';

export type RuleId = (typeof ALL_RULES)[number]['id'];
export type { RuleInfo } from './rules/rule';

export const RULES: readonly RuleInfo[] = ALL_RULES.map((r) => ({ ...r, helpUri: `${RULES_HELP_BASE}${r.id}`, description: r.rationale }));

export const RULE_IDS: ReadonlySet<string> = new Set(RULES.map((r) => r.id));

export function isRuleId(id: string): id is RuleId {
  return RULE_IDS.has(id);
}
