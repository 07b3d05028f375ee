import type { Severity } from '../../model/results';

/** Where a rule's help page lives; the id is the anchor. */
export const RULES_HELP_BASE = 'https://portolan.dev/rules/';

export interface RuleDef<Id extends string = string> {
  id: Id;
  /** the severity a finding of this rule has unless the check says otherwise (e.g. a crash on some nodes only) */
  severity: Severity;
  title: string;
  /** why it matters, with its upstream source */
  rationale: string;
  /** the usual fix; findings carry a fix specific to the object */
  fix: string;
}

export interface RuleInfo extends RuleDef {
  helpUri: string;
  /** kept for callers of the first catalogue: the rationale */
  description: string;
}

export function defineRule<const Id extends string>(r: RuleDef<Id>): RuleDef<Id> {
  return r;
}
