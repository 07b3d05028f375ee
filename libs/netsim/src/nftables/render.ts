/**
 * A node's nftables tables as Portolan models them: kube-proxy's `ip kube-proxy` table when kube-proxy runs in
 * nftables mode. (portmap's iptables backend writes through iptables-nft/legacy and is rendered by ../iptables.)
 */
import type { Snapshot } from '../model/types';
import { renderKubeProxyNft } from './kubeproxy';
import type { NftTable } from './model';
import { printNftRuleset } from './print';

export function renderNodeNft(snapshot: Snapshot, nodeName: string): NftTable[] {
  const tables: NftTable[] = [];
  if (snapshot.profile.kubeProxy.mode === 'nftables') tables.push(renderKubeProxyNft(snapshot, nodeName, 'ip'));
  return tables;
}

/** `nft list ruleset` of the modelled tables ('' when the node has none, as nft prints an empty ruleset). */
export function nftListRuleset(snapshot: Snapshot, nodeName: string): string {
  return printNftRuleset(renderNodeNft(snapshot, nodeName));
}
