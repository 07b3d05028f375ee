/**
 * iptables-save text <-> Ruleset. The renderer writes what iptables-restore reads; the parser reads real
 * `iptables-save` dumps (and `iptables -S` listings) and keeps whatever it does not understand.
 */
import { canonicalRule } from './canonical';
import { BUILTIN_CHAINS, ensureChain, ensureTable, emptyRuleset, parseRuleArgs, tokenize, type Ruleset } from './model';

/**
 * The ruleset as `iptables-save` prints it once loaded: built-in chains in hook order, then user chains sorted by
 * name (libiptc and iptables-nft both list them so), every rule in canonical form (canonical.ts).
 */
export function toIptablesSave(rs: Ruleset): string {
  const out: string[] = [];
  for (const tn of rs.tableOrder) {
    const t = rs.tables[tn];
    out.push(`*${tn}`);
    const builtins = BUILTIN_CHAINS[tn] ?? [];
    const chains = [
      ...builtins.filter((b) => t.chains[b]),
      ...t.chainOrder.filter((c) => !builtins.includes(c)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
    ];
    for (const cn of chains) {
      const c = t.chains[cn];
      out.push(`:${cn} ${c.builtin ? (c.policy ?? 'ACCEPT') : '-'} [0:0]`);
    }
    for (const cn of chains) {
      for (const r of t.chains[cn].rules) out.push(`-A ${cn} ${canonicalRule(r.args)}`.trimEnd());
    }
    out.push('COMMIT');
  }
  return out.join('\n') + '\n';
}

export interface ParseDiagnostic {
  line: number;
  severity: 'warning' | 'info';
  message: string;
  text: string;
}

export interface ParseOptions {
  /** table for `iptables -S` listings that carry no `*table` header; guessed when absent */
  defaultTable?: string;
}

const NAT_TARGETS = new Set(['DNAT', 'SNAT', 'MASQUERADE', 'REDIRECT']);

export function parseIptablesSave(text: string, opts: ParseOptions = {}): { ruleset: Ruleset; diagnostics: ParseDiagnostic[] } {
  const rs = emptyRuleset();
  const diagnostics: ParseDiagnostic[] = [];
  const lines = text.split(/\r?\n/);
  let table: string | undefined;
  const headerless = !lines.some((l) => l.trim().startsWith('*'));
  let fallbackTable = opts.defaultTable;
  if (headerless && !fallbackTable) {
    const looksNat = lines.some((l) => /\b(PREROUTING|POSTROUTING)\b/.test(l) || /-j (DNAT|SNAT|MASQUERADE|REDIRECT)\b/.test(l));
    fallbackTable = looksNat ? 'nat' : 'filter';
    diagnostics.push({ line: 0, severity: 'info', message: `no *table header: treating the listing as table ${fallbackTable}`, text: '' });
  }
  lines.forEach((raw, idx) => {
    const lineNo = idx + 1;
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    if (line.startsWith('*')) {
      table = line.slice(1).trim();
      ensureTable(rs, table);
      return;
    }
    if (line === 'COMMIT') {
      table = undefined;
      return;
    }
    const tn = table ?? fallbackTable;
    if (line.startsWith(':')) {
      const m = /^:(\S+)\s+(\S+)/.exec(line);
      if (!m || !tn) {
        diagnostics.push({ line: lineNo, severity: 'warning', message: 'unparsable chain declaration', text: raw });
        return;
      }
      const c = ensureChain(ensureTable(rs, tn), m[1]);
      if (c.builtin && m[2] !== '-') c.policy = m[2];
      return;
    }
    if (!line.startsWith('-')) {
      diagnostics.push({ line: lineNo, severity: 'info', message: 'not an iptables-save line; ignored', text: raw });
      return;
    }
    const tokens = tokenize(line);
    const op = tokens[0];
    if (!tn) {
      diagnostics.push({ line: lineNo, severity: 'warning', message: 'rule outside a table', text: raw });
      return;
    }
    const t = ensureTable(rs, tn);
    if (op === '-N' || op === '--new-chain') {
      ensureChain(t, tokens[1]);
      return;
    }
    if (op === '-P' || op === '--policy') {
      const c = ensureChain(t, tokens[1]);
      c.policy = tokens[2];
      return;
    }
    if (op === '-A' || op === '--append' || op === '-I' || op === '--insert') {
      const chain = tokens[1];
      let rest = tokens.slice(2);
      let pos: number | undefined;
      if ((op === '-I' || op === '--insert') && /^\d+$/.test(rest[0] ?? '')) {
        pos = Number(rest[0]) - 1;
        rest = rest.slice(1);
      }
      if (!chain) {
        diagnostics.push({ line: lineNo, severity: 'warning', message: 'rule without a chain', text: raw });
        return;
      }
      const rule = parseRuleArgs(rest);
      const c = ensureChain(t, chain);
      if (op === '-A' || op === '--append') c.rules.push(rule);
      else c.rules.splice(pos ?? 0, 0, rule);
      if (rule.unknown.length) {
        diagnostics.push({ line: lineNo, severity: 'info', message: `kept but not evaluated: ${rule.unknown.join(', ')}`, text: raw });
      }
      if (rule.target && !rule.target.name) {
        diagnostics.push({ line: lineNo, severity: 'warning', message: 'rule without a target name', text: raw });
      }
      if (tn !== 'nat' && rule.target && NAT_TARGETS.has(rule.target.name)) {
        diagnostics.push({ line: lineNo, severity: 'warning', message: `${rule.target.name} outside the nat table`, text: raw });
      }
      return;
    }
    diagnostics.push({ line: lineNo, severity: 'info', message: `unsupported command ${op}; ignored`, text: raw });
  });
  // user chains referenced but never declared (possible in filtered listings) are created empty
  for (const tn of rs.tableOrder) {
    const t = rs.tables[tn];
    for (const cn of [...t.chainOrder]) {
      for (const r of t.chains[cn].rules) {
        const target = r.target?.name;
        if (target && /^[A-Z0-9][A-Z0-9_-]*$/.test(target) && target.includes('-') && !t.chains[target]) {
          ensureChain(t, target);
          diagnostics.push({ line: 0, severity: 'warning', message: `chain ${target} is referenced but not declared in ${tn}; treated as empty`, text: '' });
        }
      }
    }
  }
  return { ruleset: rs, diagnostics };
}
