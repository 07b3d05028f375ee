/**
 * What runs at a netfilter hook, in order: the iptables table the trace asks for (nat at dstnat -100 / srcnat 100,
 * filter at 0) and the nftables base chains of that hook, sorted by priority. The trace calls the OUTPUT hook
 * twice (nat before the reroute, filter after); nft chains up to priority -100 go with the first call.
 *
 * Equal priority: the kernel runs the hook registered last first (nf_hook_entries_grow inserts a new entry before
 * the first one of equal or higher priority). The iptables nat and filter chains exist from boot (the kubelet
 * creates its KUBE-KUBELET-CANARY chains in them before any kube-proxy pod starts), so nftables base chains,
 * registered later, run before iptables chains of the same priority; among nftables tables (given in creation
 * order) the later one runs first: portmap's cni_hostport prerouting before kube-proxy's nat-prerouting.
 */
import type { NftChain, NftTable } from '../nftables/model';

export type HookStage =
  | { kind: 'iptables'; priority: number; nat: boolean }
  | { kind: 'nft'; priority: number; nat: boolean; table: NftTable; chain: NftChain; registered: number };

const IPTABLES_PRIORITY: Record<string, Record<string, number>> = {
  nat: { PREROUTING: -100, OUTPUT: -100, INPUT: 100, POSTROUTING: 100 },
  filter: { INPUT: 0, FORWARD: 0, OUTPUT: 0 },
  mangle: { PREROUTING: -150, INPUT: -150, FORWARD: -150, OUTPUT: -150, POSTROUTING: -150 },
  raw: { PREROUTING: -300, OUTPUT: -300 },
};

export function hookStages(tables: NftTable[], iptTable: string, hook: string, hasIptablesChain: boolean): HookStage[] {
  const stages: HookStage[] = [];
  const prio = IPTABLES_PRIORITY[iptTable]?.[hook] ?? 0;
  if (hasIptablesChain) stages.push({ kind: 'iptables', priority: prio, nat: iptTable === 'nat' });
  const h = hook.toLowerCase();
  tables.forEach((table, ti) => table.chains.forEach((chain, ci) => {
    const b = chain.base;
    if (!b || b.hook !== h) return;
    // OUTPUT is walked as nat (with everything up to dstnat) and then filter (the rest)
    if (hook === 'OUTPUT' && (iptTable === 'nat') !== b.priority <= -100) return;
    stages.push({ kind: 'nft', priority: b.priority, nat: b.type === 'nat', table, chain, registered: ti * 100000 + ci });
  }));
  // priority first; at equal priority the later registration first (iptables, registered at boot, last)
  const reg = (s: HookStage) => (s.kind === 'iptables' ? -1 : s.registered);
  return stages.sort((x, y) => x.priority - y.priority || reg(y) - reg(x));
}
