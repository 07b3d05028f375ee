/**
 * Drift: a node's real `iptables-save` against what kube-proxy (iptables mode) and CNI portmap would write for the
 * snapshot. Both sides are compared in canonical form (canonical.ts), per table and chain. Only chains kube-proxy
 * and portmap own are judged; chains of others (Docker, Calico, Cilium, flannel, firewalld, kubelet's canaries...)
 * and rules in built-in chains that do not jump to an owned chain are `foreign`, never `extra`.
 *
 * Rule order is only a finding where the kernel's answer depends on it: first match wins in every chain, but within
 * kube-proxy's and portmap's chains the rules are disjoint except in the chains listed in ORDERED (the KUBE-SVC/SVL
 * probability cascade, the catch-all last rules of KUBE-SERVICES and KUBE-POSTROUTING, the mark-then-DNAT of
 * CNI-DN-, the entry jumps in built-in chains).
 */
import { canonicalRule } from './canonical';
import type { Ruleset } from './model';
import { parseIptablesSave, type ParseDiagnostic } from './save';

export type DriftKind = 'missing' | 'extra' | 'different' | 'order';

export interface DriftFinding {
  kind: DriftKind;
  table: string;
  chain: string;
  /** the rule as iptables-save prints it: what the snapshot implies (missing, different, order) */
  expected?: string;
  /** the rule as the node has it (extra, different, order) */
  actual?: string;
  /** a whole chain absent or stale, e.g. the CNI-DN- chain of a pod that no longer exists */
  wholeChain?: boolean;
}

export interface ForeignChain {
  table: string;
  chain: string;
  /** who writes it, when the name says so */
  owner: string;
  rules: number;
}

export interface DriftResult {
  node: string;
  clean: boolean;
  counts: Record<DriftKind, number>;
  findings: DriftFinding[];
  foreign: ForeignChain[];
  /** tables the snapshot implies that the dump does not contain at all */
  missingTables: string[];
  /** lines of the dump the parser could not read */
  dumpDiagnostics: ParseDiagnostic[];
}

const OWNERS: Array<[RegExp, string]> = [
  [/^KUBE-(KUBELET-CANARY|PROXY-CANARY|MARK-DROP)$/, 'kubelet'],
  [/^(DOCKER|DOCKER-)/, 'docker'],
  [/^(cali-|felix-)/, 'calico'],
  [/^(CILIUM_|OLD_CILIUM_)/, 'cilium'],
  [/^FLANNEL-/, 'flannel'],
  [/^(IN_|FWD_|FWDI_|FWDO_|OUTPUT_|POST_|PRE_|INPUT_|FORWARD_)/, 'firewalld'],
  [/^(ufw-|ufw6-)/, 'ufw'],
  [/^f2b-/, 'fail2ban'],
  [/^LIBVIRT_/, 'libvirt'],
  [/^WEAVE/, 'weave'],
  [/^KUBE-ROUTER-|^KUBE-NWPLCY-|^KUBE-POD-FW-/, 'kube-router'],
];

/** Chains kube-proxy (iptables mode) and portmap write; everything else belongs to someone else. */
export function ownedChain(chain: string): boolean {
  if (OWNERS.some(([re]) => re.test(chain))) return false;
  return /^KUBE-/.test(chain) || /^CNI-(HOSTPORT-|DN-)/.test(chain);
}

function ownerOf(chain: string): string {
  return OWNERS.find(([re]) => re.test(chain))?.[1] ?? 'unknown';
}

const ORDERED = [/^KUBE-SVC-/, /^KUBE-SVL-/, /^KUBE-SERVICES$/, /^KUBE-POSTROUTING$/, /^CNI-DN-/, /^KUBE-EXT-/, /^KUBE-FW-/];
const BUILTIN = new Set(['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING']);

interface ChainLines {
  lines: string[];
  /** the jump target of each line */
  targets: string[];
}

function linesOf(rs: Ruleset, table: string): Map<string, ChainLines> {
  const out = new Map<string, ChainLines>();
  const t = rs.tables[table];
  if (!t) return out;
  for (const cn of t.chainOrder) {
    const c = t.chains[cn];
    out.set(cn, { lines: c.rules.map((r) => canonicalRule(r.args)), targets: c.rules.map((r) => r.target?.name ?? '') });
  }
  return out;
}

/** The part of a built-in chain that is ours: the rules that jump into an owned chain. */
function ownedPart(cl: ChainLines): string[] {
  return cl.lines.filter((_l, i) => ownedChain(cl.targets[i]));
}

export function iptablesDrift(node: string, expected: Ruleset, dump: string): DriftResult {
  const { ruleset: actual, diagnostics } = parseIptablesSave(dump);
  const findings: DriftFinding[] = [];
  const foreign: ForeignChain[] = [];
  const missingTables: string[] = [];

  for (const table of actual.tableOrder) {
    for (const [cn, cl] of linesOf(actual, table)) {
      if (BUILTIN.has(cn)) {
        const others = cl.targets.filter((t) => !ownedChain(t)).length;
        if (others) foreign.push({ table, chain: cn, owner: 'unknown', rules: others });
        continue;
      }
      if (!ownedChain(cn)) foreign.push({ table, chain: cn, owner: ownerOf(cn), rules: cl.lines.length });
    }
  }

  for (const table of expected.tableOrder) {
    const want = linesOf(expected, table);
    if (!actual.tables[table]) {
      missingTables.push(table);
      continue;
    }
    const have = linesOf(actual, table);
    const chains = new Set([...want.keys(), ...[...have.keys()].filter((c) => ownedChain(c) || BUILTIN.has(c))]);
    for (const chain of chains) {
      const w = want.get(chain);
      const h = have.get(chain);
      const builtin = BUILTIN.has(chain);
      const wl = w ? (builtin ? ownedPart(w) : w.lines) : [];
      const hl = h ? (builtin ? ownedPart(h) : h.lines) : [];
      if (!h && w) {
        if (!builtin) findings.push({ kind: 'missing', table, chain, wholeChain: true });
        for (const l of wl) findings.push({ kind: 'missing', table, chain, expected: l });
        continue;
      }
      if (h && !w) {
        if (!hl.length && builtin) continue;
        if (!builtin) findings.push({ kind: 'extra', table, chain, wholeChain: true });
        for (const l of hl) findings.push({ kind: 'extra', table, chain, actual: l });
        continue;
      }
      compareChain(table, chain, wl, hl, builtin || ORDERED.some((re) => re.test(chain)), findings);
    }
  }

  const counts: Record<DriftKind, number> = { missing: 0, extra: 0, different: 0, order: 0 };
  for (const f of findings) if (!f.wholeChain) counts[f.kind]++;
  return { node, clean: findings.length === 0 && missingTables.length === 0, counts, findings, foreign, missingTables, dumpDiagnostics: diagnostics };
}

const targetOf = (line: string): string => / -[jg] (\S+)/.exec(` ${line}`)?.[1] ?? '';

function compareChain(table: string, chain: string, want: string[], have: string[], ordered: boolean, out: DriftFinding[]): void {
  const left = new Map<string, number>();
  for (const l of have) left.set(l, (left.get(l) ?? 0) + 1);
  const missing: string[] = [];
  for (const l of want) {
    const n = left.get(l) ?? 0;
    if (n > 0) left.set(l, n - 1);
    else missing.push(l);
  }
  const extra = have.filter((l) => {
    const n = left.get(l) ?? 0;
    if (n > 0) {
      left.set(l, n - 1);
      return true;
    }
    return false;
  });
  // a missing and an extra rule with the same target in one chain are one rule written differently
  // (another probability, another endpoint port, another comment)
  for (const m of missing) {
    const i = extra.findIndex((e) => targetOf(e) === targetOf(m));
    if (i >= 0) out.push({ kind: 'different', table, chain, expected: m, actual: extra.splice(i, 1)[0] });
    else out.push({ kind: 'missing', table, chain, expected: m });
  }
  for (const e of extra) out.push({ kind: 'extra', table, chain, actual: e });
  if (ordered && !missing.length && !extra.length) {
    for (let i = 0; i < want.length; i++) {
      if (want[i] !== have[i]) {
        out.push({ kind: 'order', table, chain, expected: want[i], actual: have[i] });
        break;
      }
    }
  }
}
