/**
 * Whether an uploaded iptables-save dump can be the whole truth for a trace. A grep cut, kube-proxy's restore
 * payload (which holds no `-A PREROUTING -j KUBE-SERVICES`: kube-proxy installs those jumps with separate
 * iptables calls) or a dump with missing KUBE-SEP bodies walks to a confident but wrong answer; this names why.
 */
import type { IncompleteReason } from '../model/results';
import type { Snapshot } from '../model/types';
import type { Ruleset } from '../iptables/model';
import { renderNode } from '../iptables/render';
import type { NodeView } from './state';

/** entry chains and the built-in chains that reach them on a node kube-proxy and portmap manage */
const ENTRIES: Array<{ table: string; chain: string; from: string[]; owner: string }> = [
  { table: 'nat', chain: 'KUBE-SERVICES', from: ['PREROUTING', 'OUTPUT'], owner: 'kube-proxy' },
  { table: 'nat', chain: 'KUBE-POSTROUTING', from: ['POSTROUTING'], owner: 'kube-proxy' },
  { table: 'nat', chain: 'CNI-HOSTPORT-DNAT', from: ['PREROUTING', 'OUTPUT'], owner: 'portmap' },
  { table: 'nat', chain: 'CNI-HOSTPORT-MASQ', from: ['POSTROUTING'], owner: 'portmap' },
  { table: 'filter', chain: 'KUBE-FORWARD', from: ['FORWARD'], owner: 'kube-proxy' },
  { table: 'filter', chain: 'KUBE-SERVICES', from: ['FORWARD', 'OUTPUT'], owner: 'kube-proxy' },
];

const MAX_ABSENT = 50;

/** chains reachable from the built-in chains through jumps and gotos */
function reachable(rs: Ruleset, table: string): Set<string> {
  const t = rs.tables[table];
  const seen = new Set<string>();
  if (!t) return seen;
  const stack = t.chainOrder.filter((c) => t.chains[c].builtin);
  while (stack.length) {
    const c = stack.pop() as string;
    if (seen.has(c)) continue;
    seen.add(c);
    for (const r of t.chains[c]?.rules ?? []) {
      const target = r.target?.name;
      if (target && t.chains[target] && !seen.has(target)) stack.push(target);
    }
  }
  return seen;
}

export function dumpCompleteness(snapshot: Snapshot, view: NodeView): IncompleteReason[] {
  if (!view.fromDump) return [];
  const node = view.node;
  const rs = view.ruleset;
  const out: IncompleteReason[] = [];
  for (const d of view.diagnostics) {
    if (d.code === 'table-inferred') out.push({ code: 'table-inferred', node, table: d.table, message: d.message });
    else if (d.code === 'chain-undeclared') out.push({ code: 'chain-missing', node, table: d.table, chain: d.chain, message: `${d.table} chain ${d.chain} is jumped to but not in the dump: the walk treats it as empty` });
  }
  for (const e of ENTRIES) {
    const t = rs.tables[e.table];
    const c = t?.chains[e.chain];
    if (!c) continue;
    const reached = e.from.some((b) => t.chains[b]?.rules.some((r) => r.target?.name === e.chain));
    if (!reached) {
      out.push({ code: 'entry-unreachable', node, table: e.table, chain: e.chain, message: `${e.owner}'s ${e.table} chain ${e.chain} is in the dump but no ${e.from.join('/')} rule jumps to it (kube-proxy's restore payload or a cut dump?): packets never reach it in the walk` });
    }
  }
  const reach = reachable(rs, 'nat');
  for (const cn of rs.tables['nat']?.chainOrder ?? []) {
    const c = rs.tables['nat'].chains[cn];
    if (cn.startsWith('KUBE-SEP-') && c.rules.length === 0 && reach.has(cn)) {
      out.push({ code: 'endpoint-chain-empty', node, table: 'nat', chain: cn, message: `endpoint chain ${cn} has no rules in the dump (no DNAT): a real kube-proxy never writes it empty` });
    }
  }
  let planned: Ruleset | undefined;
  try {
    planned = renderNode(snapshot, node, {}, view.family);
  } catch {
    planned = undefined; // a node the snapshot cannot render (unknown to it) has no plan to compare with
  }
  if (planned) {
    const absent: IncompleteReason[] = [];
    for (const tn of ['nat', 'filter']) {
      const pt = planned.tables[tn];
      const dt = rs.tables[tn];
      for (const cn of pt?.chainOrder ?? []) {
        if (pt.chains[cn].builtin || dt?.chains[cn]) continue;
        absent.push({ code: 'chain-absent-from-dump', node, table: tn, chain: cn, message: `${tn} chain ${cn}, which the snapshot's pods and Services imply, is not in the dump` });
      }
    }
    out.push(...absent.slice(0, MAX_ABSENT));
    if (absent.length > MAX_ABSENT) out.push({ code: 'chain-absent-from-dump', node, message: `and ${absent.length - MAX_ABSENT} more chains the snapshot implies are not in the dump` });
  }
  return out;
}
