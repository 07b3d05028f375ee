/**
 * A node's full nat + filter view: kube-proxy first (its jumps are prepended on every sync), then portmap
 * (entry jumps appended, its POSTROUTING jump prepended), which is the order on a node where kube-proxy
 * started before the first hostPort pod (reference §6).
 */
import type { Snapshot } from '../model/types';
import type { IPFamily } from '../util/ip';
import { planKubeProxy, renderKubeProxy, type KubeProxyRenderOptions } from './kubeproxy';
import { emptyRuleset, type Chain, type Ruleset } from './model';
import { renderPortmap } from './portmap';

/** Whether kube-proxy writes iptables rules here: iptables mode, and no Cilium kube-proxy replacement instead of it. */
function kubeProxyIptables(snapshot: Snapshot): boolean {
  return snapshot.profile.kubeProxy.mode === 'iptables' && snapshot.profile.dataplane?.kind !== 'cilium-kube-proxy-replacement';
}

/** Why a node holds no kube-proxy iptables rules, said once in every answer built on them. */
function noKubeProxyNote(snapshot: Snapshot): string {
  if (snapshot.profile.dataplane?.kind === 'cilium-kube-proxy-replacement') return "no kube-proxy runs (Cilium's kube-proxy replacement serves Services in eBPF): no KUBE-* rules";
  const mode = snapshot.profile.kubeProxy.mode;
  return mode === 'nftables' ? "kube-proxy runs in nftables mode: its rules are the `ip kube-proxy` and `ip6 kube-proxy` nft tables, not iptables" : `kube-proxy mode ${mode} is not modelled: its rules are not rendered`;
}

/** `family` 6 is what ip6tables-save shows: the IPv6 proxier of a dual-stack kube-proxy and portmap's IPv6 mappings. */
export function renderNode(snapshot: Snapshot, nodeName: string, opts: KubeProxyRenderOptions = {}, family: IPFamily = 4): Ruleset {
  const rs = emptyRuleset();
  if (kubeProxyIptables(snapshot)) {
    renderKubeProxy(snapshot, nodeName, opts, rs, family);
  } else {
    rs.notes.push(noKubeProxyNote(snapshot));
  }
  renderPortmap(snapshot, nodeName, rs, family);
  return rs;
}

export interface LazyNodeRules {
  /** the dispatch chains, portmap's chains, and the per-service chains materialized so far */
  ruleset: Ruleset;
  /** a chain, materializing a service port's KUBE-SVC/SVL/EXT/FW/SEP chains on first use */
  chain(table: string, name: string): Chain | undefined;
}

/**
 * renderNode for tracing: the same rules, but each service port's own chains are only written when a walk
 * reaches them, so a node with 10,000 services costs its KUBE-SERVICES/KUBE-NODEPORTS rules up front and a few
 * chains per trace. Every materialized chain is identical to renderNode's.
 */
export function renderNodeLazy(snapshot: Snapshot, nodeName: string, opts: KubeProxyRenderOptions = {}, family: IPFamily = 4): LazyNodeRules {
  const rs = emptyRuleset();
  const plan = kubeProxyIptables(snapshot) ? planKubeProxy(snapshot, nodeName, opts, family) : undefined;
  if (plan) plan.dispatch(rs);
  // a trace walks the nft tables itself: saying they are not iptables would only be noise in its notes
  else if (snapshot.profile.kubeProxy.mode !== 'nftables') rs.notes.push(noKubeProxyNote(snapshot));
  renderPortmap(snapshot, nodeName, rs, family, { nftNote: false });
  const done = new Set<number>();
  const materialize = (i: number) => {
    if (!plan || done.has(i)) return;
    done.add(i);
    plan.serviceChains(rs, i);
  };
  return {
    ruleset: rs,
    chain(table: string, name: string): Chain | undefined {
      const existing = rs.tables[table]?.chains[name];
      if (existing || !plan || table !== 'nat') return existing;
      const m = /^KUBE-(?:SVC|SVL|EXT|FW)-([A-Z2-7]{16})$/.exec(name);
      if (m) {
        const i = plan.byHash.get(m[1]);
        if (i !== undefined) materialize(i);
      } else if (name.startsWith('KUBE-SEP-')) {
        // endpoint chains are reached through their service chains; a direct lookup needs them all
        for (let i = 0; i < plan.ports.length; i++) materialize(i);
      }
      return rs.tables[table]?.chains[name];
    },
  };
}
