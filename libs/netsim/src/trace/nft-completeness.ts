/**
 * Whether an uploaded `nft list ruleset` can be the whole truth for a trace, with the codes iptables dumps use:
 * a jump to a chain the dump lacks, kube-proxy's or portmap's entry chain with no base-chain jump to it (a cut
 * dump, `nft list table` of one table only), an endpoint chain without its dnat, and chains the snapshot implies.
 */
import type { IncompleteReason } from '../model/results';
import type { Snapshot } from '../model/types';
import type { NftTable } from '../nftables/model';
import { renderNodeNft } from '../nftables/render';
import type { NodeView } from './state';

const ENTRIES: Array<{ table: string; chain: string; from: string[]; owner: string }> = [
  { table: 'kube-proxy', chain: 'services', from: ['nat-prerouting', 'nat-output'], owner: 'kube-proxy' },
  { table: 'kube-proxy', chain: 'masquerading', from: ['nat-postrouting'], owner: 'kube-proxy' },
  { table: 'kube-proxy', chain: 'service-endpoints-check', from: ['filter-input', 'filter-forward', 'filter-output'], owner: 'kube-proxy' },
  { table: 'cni_hostport', chain: 'hostports', from: ['prerouting', 'output'], owner: 'portmap' },
];

const MAX_ABSENT = 50;

function targets(text: string): string[] {
  return [...text.matchAll(/\b(?:jump|goto)\s+([^\s,}]+)/g)].map((m) => m[1]);
}

export function nftDumpCompleteness(snapshot: Snapshot, view: NodeView): IncompleteReason[] {
  if (!view.nftFromDump) return [];
  const node = view.node;
  const out: IncompleteReason[] = [];
  for (const t of view.nft) {
    const tn = `${t.family} ${t.name}`;
    const names = new Set(t.chains.map((c) => c.name));
    const missing = new Set<string>();
    for (const c of t.chains) for (const r of c.rules) for (const x of targets(r.text)) if (!names.has(x)) missing.add(x);
    for (const s of t.sets) for (const e of s.elements) for (const x of targets(e.value ?? '')) if (!names.has(x)) missing.add(x);
    for (const x of missing) out.push({ code: 'chain-missing', node, table: tn, chain: x, message: `${tn} chain ${x} is jumped to but not in the dump: the walk treats it as empty` });
    for (const e of ENTRIES) {
      if (e.table !== t.name || !names.has(e.chain)) continue;
      const reached = t.chains.some((c) => e.from.includes(c.name) && c.rules.some((r) => targets(r.text).includes(e.chain)));
      if (!reached) out.push({ code: 'entry-unreachable', node, table: tn, chain: e.chain, message: `${e.owner}'s chain ${e.chain} is in the dump but no ${e.from.join('/')} rule jumps to it (a cut dump?): packets never reach it in the walk` });
    }
    for (const c of t.chains) {
      if (c.name.startsWith('endpoint-') && c.rules.length === 0) out.push({ code: 'endpoint-chain-empty', node, table: tn, chain: c.name, message: `endpoint chain ${c.name} has no rules in the dump (no dnat): a real kube-proxy never leaves it empty` });
    }
  }
  let planned: NftTable[] = [];
  try {
    planned = renderNodeNft(snapshot, node);
  } catch {
    planned = [];
  }
  const absent: IncompleteReason[] = [];
  for (const pt of planned) {
    const dt = view.nft.find((t) => t.family === pt.family && t.name === pt.name);
    const tn = `${pt.family} ${pt.name}`;
    for (const c of pt.chains) {
      if (dt?.chains.some((x) => x.name === c.name)) continue;
      absent.push({ code: 'chain-absent-from-dump', node, table: tn, chain: c.name, message: `${tn} chain ${c.name}, which the snapshot's pods and Services imply, is not in the dump` });
    }
  }
  out.push(...absent.slice(0, MAX_ABSENT));
  if (absent.length > MAX_ABSENT) out.push({ code: 'chain-absent-from-dump', node, message: `and ${absent.length - MAX_ABSENT} more chains the snapshot implies are not in the dump` });
  return out;
}
