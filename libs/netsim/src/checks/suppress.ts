/**
 * Suppressions: a `portolan.dev/ignore` annotation on the object, and per-cluster exemptions.
 *
 * Annotation syntax (decided here, Kubernetes has none): entries separated by newlines or ';', each
 * `rule-id: reason`. The reason is required and there is no wildcard, so every suppression says which rule it
 * turns off and why. A malformed entry or an unknown rule id suppresses nothing and is itself reported.
 */
import type { CheckCounts, CheckReport, Exemption, Finding } from '../model/results';
import { isRuleId } from './rules';

export const IGNORE_ANNOTATION = 'portolan.dev/ignore';

export interface IgnoreEntry {
  rule: string;
  reason: string;
}

export function parseIgnoreAnnotation(value: string): { entries: IgnoreEntry[]; errors: string[] } {
  const entries: IgnoreEntry[] = [];
  const errors: string[] = [];
  for (const raw of value.split(/[\n;]/)) {
    const part = raw.trim();
    if (!part) continue;
    const m = /^([a-z0-9][a-z0-9-]*)\s*:\s*(\S.*)$/.exec(part);
    if (!m) errors.push(`"${part}": expected "rule-id: reason"`);
    else if (!isRuleId(m[1])) errors.push(`"${m[1]}" is not a rule id (GET /v1/rules lists them)`);
    else entries.push({ rule: m[1], reason: m[2].trim() });
  }
  return { entries, errors };
}

function globMatch(pattern: string | undefined, value: string): boolean {
  if (pattern === undefined || pattern === '') return true;
  return pattern.endsWith('*') ? value.startsWith(pattern.slice(0, -1)) : pattern === value;
}

/** Whether the exemption covers a finding on `object` ("Kind/namespace/name") at time `now`. */
export function exemptionCovers(e: Exemption, f: Pick<Finding, 'rule' | 'object'>, now: Date): boolean {
  if (e.rule !== f.rule) return false;
  if (e.expiresAt !== undefined && !(Date.parse(e.expiresAt) > now.getTime())) return false;
  const [kind = '', namespace = '', ...rest] = f.object.split('/');
  const name = rest.join('/');
  return globMatch(e.selector.kind, kind) && globMatch(e.selector.namespace, namespace) && globMatch(e.selector.name, name);
}

/** Marks findings suppressed by exemptions (an annotation already set wins: it sits with the object). */
export function applyExemptions(findings: Finding[], exemptions: readonly Exemption[], now: Date): void {
  if (!exemptions.length) return;
  for (const f of findings) {
    if (f.suppressed) continue;
    const e = exemptions.find((x) => exemptionCovers(x, f, now));
    if (e) f.suppressed = { kind: 'exemption', reason: e.reason, ...(e.id ? { id: e.id } : {}) };
  }
}

export function countsOf(findings: readonly Finding[]): CheckCounts {
  const c: CheckCounts = { error: 0, warning: 0, info: 0, suppressed: 0 };
  for (const f of findings) {
    if (f.suppressed) c.suppressed++;
    else c[f.severity]++;
  }
  return c;
}

export function verdictOf(findings: readonly Finding[]): CheckReport['verdict'] {
  const c = countsOf(findings);
  return c.error ? 'fail' : c.warning ? 'warn' : 'pass';
}
