/**
 * A node's nftables tables as Portolan models them, in creation order (the order `nft list ruleset` prints them and
 * the order their hooks were registered): kube-proxy's `ip kube-proxy` table when kube-proxy runs in nftables mode,
 * then portmap's `ip cni_hostport` with its nftables backend, created by the first hostPort pod's CNI ADD after
 * kube-proxy started (the same assumption the iptables rendering makes). portmap's iptables backend is ../iptables.
 */
import type { Snapshot } from '../model/types';
import { renderKubeProxyNft } from './kubeproxy';
import { renderPortmapNft } from './portmap';
import type { NftTable } from './model';
import { printNftRuleset } from './print';

/**
 * Both families: kube-proxy writes `ip6 kube-proxy` only on a node with an IPv6 address (a dual-stack or IPv6
 * cluster runs the IPv6 proxier there), portmap `ip6 cni_hostport` only for pods with an IPv6 address.
 */
export function renderNodeNft(snapshot: Snapshot, nodeName: string): NftTable[] {
  const tables: NftTable[] = [];
  const node = snapshot.nodes.find((n) => n.name === nodeName);
  const hasV6 = !!node && (node.addresses.some((a) => a.address.includes(':')) || node.podCIDRs.some((c) => c.includes(':')));
  if (snapshot.profile.kubeProxy.mode === 'nftables') {
    tables.push(renderKubeProxyNft(snapshot, nodeName, 'ip'));
    if (hasV6) tables.push(renderKubeProxyNft(snapshot, nodeName, 'ip6'));
  }
  for (const family of ['ip', 'ip6'] as const) {
    const portmap = renderPortmapNft(snapshot, nodeName, [], family);
    if (portmap) tables.push(portmap);
  }
  return tables;
}

/** `nft list ruleset` of the modelled tables ('' when the node has none, as nft prints an empty ruleset). */
export function nftListRuleset(snapshot: Snapshot, nodeName: string): string {
  return printNftRuleset(renderNodeNft(snapshot, nodeName));
}
