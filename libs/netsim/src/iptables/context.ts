/**
 * Per-node facts the renderers and the walker share: which addresses are local, the pod subnet and bridge
 * gateway, detect-local, and who owns an address in the cluster.
 */
import type { Node, NodeHostState, Pod, Snapshot } from '../model/types';
import { canonicalIP, cidrContains, isIPv4, nthAddress, parseCIDR, parseIP, type IPFamily } from '../util/ip';

export function findNode(snapshot: Snapshot, name: string): Node | undefined {
  return snapshot.nodes.find((n) => n.name === name);
}

export function hostStateOf(snapshot: Snapshot, node: string): NodeHostState | undefined {
  return snapshot.hostStates.find((h) => h.node === node);
}

function inFamily(ip: string, family: IPFamily): boolean {
  return parseIP(ip)?.family === family;
}

/** The node's pod CIDR of a family (spec.podCIDRs holds at most one per family), IPv4 by default. */
export function nodePodCIDR(node: Node | undefined, family: IPFamily = 4): string | undefined {
  return node?.podCIDRs.find((c) => inFamily(c.split('/')[0], family));
}

/** The bridge gateway (host-local's default gateway is the subnet's first address, e.g. 10.244.0.1 on cni0). */
export function bridgeAddress(node: Node | undefined, family: IPFamily = 4): string | undefined {
  const c = nodePodCIDR(node, family);
  const p = c ? parseCIDR(c) : undefined;
  return p ? nthAddress(p, 1) : undefined;
}

/**
 * The node's address of a family: its first InternalIP of that family (the kubelet's --node-ip order), else an
 * ExternalIP of it. IPv4 keeps the adapter's primary `internalIP`, which may be IPv6 on an IPv6-only node.
 */
export function nodePrimaryIP(node: Node | undefined, family?: IPFamily): string | undefined {
  if (!node) return undefined;
  if (family === undefined) {
    return node.internalIP ?? node.addresses.find((a) => a.type === 'InternalIP' && isIPv4(a.address))?.address
      ?? node.addresses.find((a) => a.type === 'ExternalIP')?.address;
  }
  const pick = (type: string) => node.addresses.find((a) => a.type === type && inFamily(a.address, family))?.address;
  const ip = pick('InternalIP') ?? pick('ExternalIP') ?? (node.internalIP && inFamily(node.internalIP, family) ? node.internalIP : undefined);
  return ip ? canonicalIP(ip) : undefined;
}

/**
 * Addresses the kernel would classify as LOCAL on the node, minus 127.0.0.0/8 (handled by the matcher):
 * status.addresses IPs, NodeHostState extra addresses, and the CNI bridge gateway when a bridge plugin is used.
 */
export function nodeLocalAddresses(snapshot: Snapshot, nodeName: string): string[] {
  return localAddressesOf(snapshot, findNode(snapshot, nodeName), hostStateOf(snapshot, nodeName));
}

/** nodeLocalAddresses for a node object already in hand (no lookups: used when indexing every node). */
export function localAddressesOf(snapshot: Snapshot, node: Node | undefined, hs: NodeHostState | undefined): string[] {
  const out: string[] = [];
  const add = (a: string | undefined) => {
    const c = a ? canonicalIP(a) : undefined;
    if (c && !out.includes(c)) out.push(c);
  };
  for (const a of node?.addresses ?? []) if (a.type === 'InternalIP' || a.type === 'ExternalIP') add(a.address);
  add(node?.internalIP);
  for (const a of hs?.extraAddresses ?? []) add(a.split('/')[0]);
  if (snapshot.profile.cni.bridge) {
    add(bridgeAddress(node, 4));
    add(bridgeAddress(node, 6));
  }
  return out;
}

/** Pods that hold an IP on a node's pod network (not hostNetwork, not terminal). */
export function isActivePod(p: Pod): boolean {
  return p.phase !== 'Succeeded' && p.phase !== 'Failed';
}

export interface AddressOwner {
  kind: 'node' | 'pod';
  node: string;
  pod?: Pod;
}

/** Who owns an IP: a node (its addresses) or a pod on the pod network. */
export function ownerOfAddress(snapshot: Snapshot, ip: string): AddressOwner | undefined {
  const c = canonicalIP(ip);
  if (!c) return undefined;
  for (const n of snapshot.nodes) if (nodeLocalAddresses(snapshot, n.name).includes(c)) return { kind: 'node', node: n.name };
  for (const p of snapshot.pods) {
    if (p.hostNetwork || !isActivePod(p) || !p.nodeName) continue;
    if (p.podIPs.some((x) => canonicalIP(x) === c)) return { kind: 'pod', node: p.nodeName, pod: p };
  }
  for (const n of snapshot.nodes) for (const cidr of n.podCIDRs) {
    const pc = parseCIDR(cidr);
    if (pc && cidrContains(pc, c)) return { kind: 'pod', node: n.name };
  }
  return undefined;
}
