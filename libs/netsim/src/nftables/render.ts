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

export function renderNodeNft(snapshot: Snapshot, nodeName: string): NftTable[] {
  const tables: NftTable[] = [];
  if (snapshot.profile.kubeProxy.mode === 'nftables') tables.push(renderKubeProxyNft(snapshot, nodeName, 'ip'));
  const portmap = renderPortmapNft(snapshot, nodeName);
  if (portmap) tables.push(portmap);
  return tables;
}

/** `nft list ruleset` of the modelled tables ('' when the node has none, as nft prints an empty ruleset). */
export function nftListRuleset(snapshot: Snapshot, nodeName: string): string {
  return printNftRuleset(renderNodeNft(snapshot, nodeName));
}
