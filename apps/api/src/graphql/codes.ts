import { registerEnumType } from '@nestjs/graphql';
import { CERTAINTIES, FILTER_PLUGINS, HOP_ACTIONS, RULES, SEVERITIES, STATUS_CODES, TRACE_OUTCOMES } from '@portolan/netsim';

/**
 * The engine's codes as GraphQL enums. GraphQL names cannot hold '-' or '(': each enum value's name is the code
 * with those replaced by '_', its internal value the engine's code, so resolvers pass engine results through
 * unchanged and a new code in the engine is a new enum value here without an edit.
 */
export function codeEnum(name: string, codes: readonly string[], description: string): Record<string, string> {
  const e = Object.fromEntries(codes.map((c) => [c.replace(/[^A-Za-z0-9_]+/g, '_').replace(/_+$/, ''), c]));
  registerEnumType(e, { name, description });
  return e;
}

export const StatusCodeEnum = codeEnum('StatusCode', STATUS_CODES, 'kube-scheduler framework status code of a failing filter');
export const FilterPluginEnum = codeEnum('FilterPlugin', FILTER_PLUGINS, 'kube-scheduler filter plugin (PreFilter: rejected before the per-node filters)');
export const CertaintyEnum = codeEnum('Certainty', CERTAINTIES, 'how sure a prediction is: declared in the spec, observed in the snapshot, or assumed');
export const TraceOutcomeEnum = codeEnum('TraceOutcome', TRACE_OUTCOMES, 'what happens to the packet at the end of the path');
export const HopActionEnum = codeEnum('HopAction', HOP_ACTIONS, "what a hop did to the packet (the hop's verdict field says it in prose)");
export const SeverityEnum = codeEnum('Severity', SEVERITIES, 'error fails a verdict, warning warns, info informs');
export const RuleIdEnum = codeEnum('RuleId', RULES.map((r) => r.id), 'a check rule of the catalogue (Query.rules describes each)');
