/**
 * Compares fixture hops with trace hops: same node/table/chain, the same rule (argument-wise, so the
 * fixture's '...' shell quoting equals iptables' "..." quoting), and a verdict starting with the fixture's verdict
 * key. Fixture hops whose rule is a parenthesised description ("(no rule with --dport 8080)") stand for an implicit
 * step and match the walker's "(end of chain)" hop of that chain.
 */
import type { TraceHop } from '../src/model/results';
import { tokenize } from '../src/iptables/model';
import type { FixtureHop } from './fixture-cases';

const RANDOM_FULLY_PLACEHOLDER = '[--random-fully if supported]';

export function verdictKey(v: string): string {
  return v.split(/ \(|;|,|: | - /)[0].trim();
}

export function sameRule(expected: string, actual: string): boolean {
  let exp = expected;
  let act = tokenize(actual);
  if (exp.includes(RANDOM_FULLY_PLACEHOLDER)) {
    exp = exp.replace(RANDOM_FULLY_PLACEHOLDER, '');
    act = act.filter((t) => t !== '--random-fully');
  }
  const e = tokenize(exp);
  return e.length === act.length && e.every((t, i) => t === act[i]);
}

export function isPseudo(h: FixtureHop): boolean {
  return h.rule.trim().startsWith('(');
}

export function hopMatches(exp: FixtureHop, act: TraceHop): boolean {
  if (exp.node !== act.node || exp.table !== act.table || exp.chain !== act.chain) return false;
  if (isPseudo(exp)) return act.rule.startsWith('(');
  return sameRule(exp.rule, act.rule) && act.verdict.startsWith(verdictKey(exp.verdict));
}

/** Index of the first expected hop that could not be found in order, or -1 when all were found. */
export function firstMissingHop(expected: FixtureHop[], actual: TraceHop[]): number {
  let pos = 0;
  for (let i = 0; i < expected.length; i++) {
    let found = -1;
    for (let j = pos; j < actual.length; j++) {
      if (hopMatches(expected[i], actual[j])) {
        found = j;
        break;
      }
    }
    if (found < 0) return i;
    pos = found + 1;
  }
  return -1;
}
