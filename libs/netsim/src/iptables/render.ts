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

/** `family` 6 is what ip6tables-save shows: the IPv6 proxier of a dual-stack kube-proxy and portmap's IPv6 mappings. */
export function renderNode(snapshot: Snapshot, nodeName: string, opts: KubeProxyRenderOptions = {}, family: IPFamily = 4): Ruleset {
  const rs = emptyRuleset();
  if (snapshot.profile.kubeProxy.mode === 'iptables') {
    renderKubeProxy(snapshot, nodeName, opts, rs, family);
  } else {
    rs.notes.push(`kube-proxy mode ${snapshot.profile.kubeProxy.mode}: its rules are not rendered as iptables`);
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
  const plan = snapshot.profile.kubeProxy.mode === 'iptables' ? planKubeProxy(snapshot, nodeName, opts, family) : undefined;
  if (plan) plan.dispatch(rs);
  else rs.notes.push(`kube-proxy mode ${snapshot.profile.kubeProxy.mode}: its rules are not rendered as iptables`);
  renderPortmap(snapshot, nodeName, rs, family);
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
