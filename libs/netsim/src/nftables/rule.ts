/**
 * The nft rule grammar Portolan evaluates, read from the printed form (`nft list ruleset`): matches on
 * addresses, l4 protocol and ports, fib address types, ct state, interface names and the meta mark, concatenated
 * keys looked up in sets and verdict maps, numgen, and the jump/goto/return/accept/drop/reject, mark, masquerade,
 * dnat/snat and set-update statements. Anything else parses as `unknown` so a walk reports it instead of guessing.
 */
export type NftSelector =
  | { kind: 'addr'; family: 'ip' | 'ip6'; field: 'saddr' | 'daddr' }
  | { kind: 'l4proto' }
  | { kind: 'port'; proto?: string; field: 'sport' | 'dport' }
  | { kind: 'fib'; field: 'saddr' | 'daddr' }
  | { kind: 'ctstate' }
  | { kind: 'iface'; field: 'iifname' | 'oifname' }
  | { kind: 'mark'; mask?: number }
  | { kind: 'numgen'; mod: number };

/** A literal, an anonymous set `{ a, b }`, or a named set `@name`. */
export type NftValue = { kind: 'literal'; text: string } | { kind: 'anon'; items: string[] } | { kind: 'ref'; name: string };

export interface NftMatch {
  keys: NftSelector[];
  negated: boolean;
  value: NftValue;
  text: string;
}

export type NftVerdictText = string;

export type NftStatement =
  | { kind: 'verdict'; verdict: 'accept' | 'drop' | 'reject' | 'return' }
  | { kind: 'jump' | 'goto'; chain: string }
  | { kind: 'vmap'; keys: NftSelector[]; map: NftValue }
  | { kind: 'mark'; op: 'or' | 'xor' | 'set'; value: number }
  | { kind: 'masquerade' }
  | { kind: 'dnat' | 'snat'; to: string }
  | { kind: 'update'; set: string }
  | { kind: 'counter' };

export interface NftParsedRule {
  matches: NftMatch[];
  statements: NftStatement[];
  /** tokens the grammar does not cover */
  unknown: string[];
}

/** Splits on blanks, keeping "quoted strings" whole. */
export function nftTokens(text: string): string[] {
  const out: string[] = [];
  const re = /"[^"]*"|\S+/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) out.push(m[0]);
  return out;
}

const L4 = new Set(['tcp', 'udp', 'sctp']);

export function parseNftRule(text: string): NftParsedRule {
  const t = nftTokens(text);
  let i = 0;
  const unknown: string[] = [];
  const matches: NftMatch[] = [];
  const statements: NftStatement[] = [];
  const peek = (k = 0) => t[i + k];

  const selector = (): NftSelector | undefined => {
    const a = peek();
    const b = peek(1);
    if ((a === 'ip' || a === 'ip6') && (b === 'saddr' || b === 'daddr')) {
      i += 2;
      return { kind: 'addr', family: a, field: b };
    }
    if (a === 'meta' && b === 'l4proto') {
      i += 2;
      return { kind: 'l4proto' };
    }
    if (a === 'meta' && b === 'mark') {
      i += 2;
      if (peek() === '&') {
        const mask = Number(peek(1));
        i += 2;
        return { kind: 'mark', mask };
      }
      return { kind: 'mark' };
    }
    if ((a === 'th' || L4.has(a)) && (b === 'dport' || b === 'sport')) {
      i += 2;
      return { kind: 'port', proto: a === 'th' ? undefined : a, field: b };
    }
    if (a === 'fib' && (b === 'saddr' || b === 'daddr') && peek(2) === 'type') {
      i += 3;
      return { kind: 'fib', field: b };
    }
    if (a === 'ct' && b === 'state') {
      i += 2;
      return { kind: 'ctstate' };
    }
    if (a === 'iifname' || a === 'oifname') {
      i += 1;
      return { kind: 'iface', field: a };
    }
    if (a === 'numgen' && b === 'random' && peek(2) === 'mod') {
      const mod = Number(peek(3));
      i += 4;
      return { kind: 'numgen', mod };
    }
    return undefined;
  };

  const value = (): NftValue | undefined => {
    const a = peek();
    if (a === undefined) return undefined;
    if (a.startsWith('@')) {
      i++;
      return { kind: 'ref', name: a.slice(1) };
    }
    if (a === '{') {
      const start = ++i;
      let depth = 1;
      while (i < t.length && depth > 0) {
        if (t[i] === '{') depth++;
        else if (t[i] === '}') depth--;
        i++;
      }
      const inner = t.slice(start, i - 1).join(' ');
      return { kind: 'anon', items: inner.split(/\s*,\s*/).map((s) => s.trim()).filter(Boolean) };
    }
    i++;
    return { kind: 'literal', text: a.replace(/^"|"$/g, '') };
  };

  while (i < t.length) {
    const start = i;
    const tok = peek();
    if (tok === 'comment') {
      i += 2;
      continue;
    }
    if (tok === 'jump' || tok === 'goto') {
      statements.push({ kind: tok, chain: peek(1) });
      i += 2;
      continue;
    }
    if (tok === 'accept' || tok === 'drop' || tok === 'return' || tok === 'reject') {
      statements.push({ kind: 'verdict', verdict: tok });
      i++;
      // `reject with icmp type ...`
      if (tok === 'reject' && peek() === 'with') i = Math.min(t.length, i + 4);
      continue;
    }
    if (tok === 'counter') {
      statements.push({ kind: 'counter' });
      i++;
      while (peek() === 'packets' || peek() === 'bytes') i += 2;
      continue;
    }
    if (tok === 'masquerade') {
      statements.push({ kind: 'masquerade' });
      i++;
      while (peek() === 'fully-random' || peek() === 'random' || peek() === 'persistent') i++;
      continue;
    }
    if ((tok === 'dnat' || tok === 'snat') && peek(1) === 'to') {
      statements.push({ kind: tok, to: peek(2) });
      i += 3;
      continue;
    }
    if (tok === 'update' && peek(1)?.startsWith('@')) {
      statements.push({ kind: 'update', set: peek(1).slice(1) });
      i += 2;
      value();
      continue;
    }
    if (tok === 'meta' && peek(1) === 'mark' && peek(2) === 'set') {
      // meta mark set meta mark | 0x4000 / ^ 0x4000 / meta mark set 0x4000
      if (peek(3) === 'meta' && peek(4) === 'mark' && (peek(5) === '|' || peek(5) === '^')) {
        statements.push({ kind: 'mark', op: peek(5) === '|' ? 'or' : 'xor', value: Number(peek(6)) });
        i += 7;
      } else {
        statements.push({ kind: 'mark', op: 'set', value: Number(peek(3)) });
        i += 4;
      }
      continue;
    }
    const keys: NftSelector[] = [];
    let s = selector();
    while (s) {
      keys.push(s);
      if (peek() !== '.') break;
      i++;
      s = selector();
    }
    if (keys.length > 0) {
      if (peek() === 'vmap') {
        i++;
        const map = value();
        if (map) statements.push({ kind: 'vmap', keys, map });
        continue;
      }
      let negated = false;
      if (peek() === '!=') {
        negated = true;
        i++;
      } else if (peek() === '==') i++;
      const v = value();
      if (v) {
        matches.push({ keys, negated, value: v, text: t.slice(start, i).join(' ') });
        continue;
      }
    }
    // not covered: skip one token and remember it
    i = start + 1;
    unknown.push(tok);
  }
  return { matches, statements, unknown };
}
