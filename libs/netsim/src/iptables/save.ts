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

/** Machine-readable kinds of what the parser had to guess or could not know; prose is in message. */
export type ParseDiagnosticCode = 'table-inferred' | 'chain-undeclared' | 'not-a-rule' | 'unsupported' | 'malformed';

export interface ParseDiagnostic {
  line: number;
  severity: 'warning' | 'info';
  message: string;
  text: string;
  code?: ParseDiagnosticCode;
  /** chain concerned, for chain-level codes */
  chain?: string;
  /** table concerned (the inferred one for table-inferred) */
  table?: string;
}

export interface ParseOptions {
  /** table for `iptables -S` listings that carry no `*table` header; inferred from content when absent */
  defaultTable?: string;
}

const NAT_TARGETS = new Set(['DNAT', 'SNAT', 'MASQUERADE', 'REDIRECT', 'NETMAP']);
const RAW_TARGETS = new Set(['NOTRACK', 'CT']);
const MANGLE_TARGETS = new Set(['TPROXY', 'TTL', 'HL', 'DSCP', 'TOS', 'TCPMSS', 'CHECKSUM', 'TEE']);
const FILTER_TARGETS = new Set(['REJECT']);
/** chains only kube-proxy's and portmap's nat table has */
const NAT_CHAIN_RE = /^(KUBE-(SVC|SEP|EXT|FW|SVL|XLB)-|KUBE-POSTROUTING$|KUBE-MARK-MASQ$|CNI-HOSTPORT-|CNI-DN-)/;
/** chains only the filter table has (built-in and kube-proxy's) */
const FILTER_CHAIN_RE = /^(INPUT|FORWARD|KUBE-FIREWALL|KUBE-FORWARD|KUBE-PROXY-FIREWALL|KUBE-EXTERNAL-SERVICES|KUBE-NODE-PORT)$/;

/** `[pkts:bytes]` before a rule (iptables-save -c) */
const COUNTER_PREFIX_RE = /^\[\d+:\d+\]\s+/;

/**
 * The table of a headerless listing, judged by what only one table can hold; the evidence (line and reason) is
 * reported with the guess.
 */
function inferTable(lines: string[]): { table: string; line: number; why: string } {
  let best: { table: string; line: number; why: string; rank: number } | undefined;
  const consider = (table: string, rank: number, line: number, why: string) => {
    if (!best || rank > best.rank) best = { table, line, why, rank };
  };
  lines.forEach((raw, i) => {
    const t = raw.trim().replace(COUNTER_PREFIX_RE, '');
    const target = /(?:^|\s)-[jg]\s+(\S+)/.exec(t)?.[1];
    const chain = /^(?:-[AINP]|:)\s*(\S+)/.exec(t)?.[1];
    if (target && NAT_TARGETS.has(target)) consider('nat', 4, i + 1, `${target} target`);
    else if (target && NAT_CHAIN_RE.test(target)) consider('nat', 3, i + 1, `jump to ${target}`);
    else if (chain && NAT_CHAIN_RE.test(chain)) consider('nat', 3, i + 1, `chain ${chain}`);
    else if (target && RAW_TARGETS.has(target)) consider('raw', 2, i + 1, `${target} target`);
    else if (target && MANGLE_TARGETS.has(target)) consider('mangle', 2, i + 1, `${target} target`);
    else if (target && FILTER_TARGETS.has(target)) consider('filter', 1, i + 1, `${target} target`);
    else if (chain && FILTER_CHAIN_RE.test(chain)) consider('filter', 1, i + 1, `chain ${chain}`);
  });
  const b = best as { table: string; line: number; why: string } | undefined;
  return b ?? { table: 'filter', line: 0, why: 'nothing table-specific, and filter is what iptables -S lists by default' };
}

/** Drop `-c pkts bytes` / `--set-counters pkts bytes` (iptables -S -v): counters are not part of a rule's meaning. */
function withoutCounters(tokens: string[]): string[] {
  const i = tokens.findIndex((t, k) => (t === '-c' || t === '--set-counters') && /^\d+$/.test(tokens[k + 1] ?? '') && /^\d+$/.test(tokens[k + 2] ?? ''));
  return i < 0 ? tokens : [...tokens.slice(0, i), ...tokens.slice(i + 3)];
}

export function parseIptablesSave(text: string, opts: ParseOptions = {}): { ruleset: Ruleset; diagnostics: ParseDiagnostic[] } {
  const rs = emptyRuleset();
  const diagnostics: ParseDiagnostic[] = [];
  const lines = text.split(/\r?\n/);
  let table: string | undefined;
  const headerless = !lines.some((l) => l.trim().startsWith('*'));
  let fallbackTable = opts.defaultTable;
  if (headerless && !fallbackTable) {
    const guess = inferTable(lines);
    fallbackTable = guess.table;
    diagnostics.push({
      line: guess.line,
      severity: 'warning',
      code: 'table-inferred',
      table: guess.table,
      message: `no *table header: table ${guess.table} inferred from content (${guess.why}${guess.line ? `, line ${guess.line}` : ''}); a guess — give iptables-save output, or iptables -S -t <table> with the table named`,
      text: guess.line ? lines[guess.line - 1] : '',
    });
  }
  lines.forEach((raw, idx) => {
    const lineNo = idx + 1;
    const line = raw.trim().replace(COUNTER_PREFIX_RE, '');
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
        diagnostics.push({ line: lineNo, severity: 'warning', code: 'malformed', message: 'unparsable chain declaration', text: raw });
        return;
      }
      const c = ensureChain(ensureTable(rs, tn), m[1]);
      if (c.builtin && m[2] !== '-') c.policy = m[2];
      return;
    }
    if (!line.startsWith('-')) {
      diagnostics.push({ line: lineNo, severity: 'info', code: 'not-a-rule', message: 'not an iptables-save line; ignored', text: raw });
      return;
    }
    const tokens = withoutCounters(tokenize(line));
    const op = tokens[0];
    if (!tn) {
      diagnostics.push({ line: lineNo, severity: 'warning', code: 'malformed', message: 'rule outside a table', text: raw });
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
        diagnostics.push({ line: lineNo, severity: 'warning', code: 'malformed', message: 'rule without a chain', text: raw });
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
        diagnostics.push({ line: lineNo, severity: 'warning', code: 'malformed', message: 'rule without a target name', text: raw });
      }
      if (tn !== 'nat' && rule.target && NAT_TARGETS.has(rule.target.name)) {
        diagnostics.push({ line: lineNo, severity: 'warning', message: `${rule.target.name} outside the nat table`, text: raw });
      }
      return;
    }
    diagnostics.push({ line: lineNo, severity: 'info', code: 'unsupported', message: `unsupported command ${op}; ignored`, text: raw });
  });
  // user chains referenced but never declared (possible in filtered listings) are created empty
  for (const tn of rs.tableOrder) {
    const t = rs.tables[tn];
    for (const cn of [...t.chainOrder]) {
      for (const r of t.chains[cn].rules) {
        const target = r.target?.name;
        if (target && /^[A-Z0-9][A-Z0-9_-]*$/.test(target) && target.includes('-') && !t.chains[target]) {
          ensureChain(t, target);
          diagnostics.push({ line: 0, severity: 'warning', code: 'chain-undeclared', chain: target, table: tn, message: `chain ${target} is referenced but not declared in ${tn}; treated as empty`, text: '' });
        }
      }
    }
  }
  return { ruleset: rs, diagnostics };
}
