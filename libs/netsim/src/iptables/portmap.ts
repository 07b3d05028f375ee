/**
 * CNI portmap (iptables backend) rules for the hostPort pods on one node, as
 * containernetworking/plugins plugins/meta/portmap/portmap_iptables.go forwardPorts / fillDnatRules and
 * chain.go setup write them. Only non-hostNetwork pods reach CNI (containerd sandbox_run.go), so hostNetwork
 * pods never appear here.
 */
import type { Pod, PortmapConfig, Snapshot } from '../model/types';
import { isIPv4, parseCIDR } from '../util/ip';
import { portmapHostIPMatch } from './portmap-family';
import { findNode, isActivePod, nodePodCIDR } from './context';
import { cniDnatChainName, syntheticSandboxId } from './hash';
import { ensureChain, ensureTable, emptyRuleset, hexMark, joinArgs, parseRuleArgs, type Ruleset, type Table } from './model';

export const CNI_HOSTPORT_DNAT = 'CNI-HOSTPORT-DNAT';
export const CNI_HOSTPORT_SETMARK = 'CNI-HOSTPORT-SETMARK';
export const CNI_HOSTPORT_MASQ = 'CNI-HOSTPORT-MASQ';

export interface PortMapping {
  hostPort: number;
  containerPort: number;
  /** lower-cased as containerd's toCNIPortMappings does */
  protocol: string;
  hostIP: string;
}

/** kubelet MakePortMappings over regular containers + containerd toCNIPortMappings (drops hostPort <= 0). */
export function cniPortMappings(pod: Pod): PortMapping[] {
  const out: PortMapping[] = [];
  for (const c of pod.containers) {
    for (const p of c.ports) {
      if (!(p.hostPort > 0)) continue;
      out.push({ hostPort: p.hostPort, containerPort: p.containerPort, protocol: p.protocol.toLowerCase(), hostIP: p.hostIP });
    }
  }
  return out;
}

/** The container ID CNI sees (the CRI sandbox id); synthetic when the snapshot does not carry it. */
export function sandboxIdOf(pod: Pod): { id: string; synthetic: boolean } {
  if (pod.sandboxId) return { id: pod.sandboxId, synthetic: false };
  return { id: syntheticSandboxId(`${pod.uid ?? ''}/${pod.namespace}/${pod.name}`), synthetic: true };
}

/** Pods whose hostPorts portmap programs on `nodeName`, in snapshot order (the order CNI ADD ran is unknown). */
export function hostPortPods(snapshot: Snapshot, nodeName: string): Pod[] {
  return snapshot.pods.filter((p) => p.nodeName === nodeName && !p.hostNetwork && isActivePod(p) && p.podIPs.some(isIPv4) && cniPortMappings(p).length > 0);
}

/** chain.go insertUnique: a rule already present is not added twice. */
function insertUnique(t: Table, chain: string, args: string[], prepend: boolean): void {
  const c = ensureChain(t, chain);
  const text = joinArgs(args);
  if (c.rules.some((r) => r.text === text)) return;
  const r = parseRuleArgs(args);
  if (prepend) c.rules.unshift(r);
  else c.rules.push(r);
}

function pluginTypes(conflist: unknown): string[] {
  let c: unknown = conflist;
  if (typeof c === 'string') {
    try {
      c = JSON.parse(c);
    } catch {
      return [];
    }
  }
  if (!c || typeof c !== 'object') return [];
  const o = c as { plugins?: unknown; type?: unknown };
  const list = Array.isArray(o.plugins) ? o.plugins : [o];
  return list.map((p) => (p && typeof p === 'object' && typeof (p as { type?: unknown }).type === 'string' ? (p as { type: string }).type : '')).filter(Boolean);
}

/**
 * The container address as the CNI result carries it (portmap uses containerNet.String()): bridge + host-local
 * return the pod IP with the subnet prefix (10.244.0.5/24); ptp (e.g. kindnet) returns a /32.
 */
export function containerNet(snapshot: Snapshot, pod: Pod): { ip: string; cidr: string; assumedPrefix: boolean } | undefined {
  const ip = pod.podIPs.find(isIPv4);
  if (!ip) return undefined;
  const types = pluginTypes(snapshot.profile.cni.conflist);
  if (types.includes('ptp') && !types.includes('bridge')) return { ip, cidr: `${ip}/32`, assumedPrefix: false };
  const podCIDR = nodePodCIDR(findNode(snapshot, pod.nodeName));
  const parsed = podCIDR ? parseCIDR(podCIDR) : undefined;
  if (!parsed) return { ip, cidr: `${ip}/32`, assumedPrefix: true };
  return { ip, cidr: `${ip}/${parsed.prefix}`, assumedPrefix: false };
}

export function renderPortmap(snapshot: Snapshot, nodeName: string, into?: Ruleset): Ruleset {
  const rs = into ?? emptyRuleset();
  const pm: PortmapConfig | undefined = snapshot.profile.cni.portmap;
  if (!pm || pm.backend !== 'iptables') {
    if (pm && pm.backend === 'nftables') rs.notes.push('portmap uses the nftables backend (table cni_hostport); its rules are not rendered as iptables');
    return rs;
  }
  const pods = hostPortPods(snapshot, nodeName);
  if (pods.length === 0) return rs;
  const nat = ensureTable(rs, 'nat');
  const netName = snapshot.profile.cni.networkName;
  const markValue = 1 << pm.markMasqBit;
  const markDef = `${hexMark(markValue)}/${hexMark(markValue)}`;

  for (const pod of pods) {
    const net = containerNet(snapshot, pod);
    if (!net) continue;
    const { id, synthetic } = sandboxIdOf(pod);
    if (synthetic) rs.notes.push(`pod ${pod.namespace}/${pod.name}: no sandbox id in the snapshot; CNI-DN chain name uses a synthetic container id ${id.slice(0, 12)}…`);
    if (net.assumedPrefix) rs.notes.push(`pod ${pod.namespace}/${pod.name}: node has no IPv4 podCIDR; assumed ${net.cidr} as the CNI result address`);
    if (pm.snat) {
      ensureChain(nat, CNI_HOSTPORT_SETMARK);
      insertUnique(nat, CNI_HOSTPORT_SETMARK, ['-m', 'comment', '--comment', 'CNI portfwd masquerade mark', '-j', 'MARK', '--set-xmark', markDef], false);
      ensureChain(nat, CNI_HOSTPORT_MASQ);
      insertUnique(nat, CNI_HOSTPORT_MASQ, ['-m', 'mark', '--mark', markDef, '-j', 'MASQUERADE'], false);
      // prepended so the bridge/ptp plugins' own masquerade rules cannot stomp on it
      insertUnique(nat, 'POSTROUTING', ['-m', 'comment', '--comment', 'CNI portfwd requiring masquerade', '-j', CNI_HOSTPORT_MASQ], true);
    }
    ensureChain(nat, CNI_HOSTPORT_DNAT);
    for (const entry of ['PREROUTING', 'OUTPUT']) insertUnique(nat, entry, ['-m', 'addrtype', '--dst-type', 'LOCAL', '-j', CNI_HOSTPORT_DNAT], false);

    const chain = cniDnatChainName(netName, id);
    ensureChain(nat, chain);
    const mappings = cniPortMappings(pod);
    const comment = `dnat name: "${netName}" id: "${id}"`.slice(0, 255);
    const byProto = new Map<string, string[]>();
    for (const m of mappings) {
      const list = byProto.get(m.protocol) ?? [];
      list.push(String(m.hostPort));
      byProto.set(m.protocol, list);
    }
    const entryRules: string[][] = [];
    for (const proto of [...byProto.keys()].sort()) {
      const ports = byProto.get(proto) ?? [];
      for (let i = 0; i < ports.length; i += 15) {
        entryRules.push(['-m', 'comment', '--comment', comment, '-m', 'multiport', '-p', proto, '--destination-ports', ports.slice(i, i + 15).join(','), ...pm.conditionsV4]);
      }
    }
    for (const m of mappings) {
      const match = portmapHostIPMatch(m.hostIP, 4);
      if (!match.applies) continue;
      const base = ['-p', m.protocol, '--dport', String(m.hostPort), ...(match.dst ? ['-d', match.dst] : [])];
      if (pm.snat) {
        insertUnique(nat, chain, [...base, '-s', pm.masqAll ? '0.0.0.0/0' : net.cidr, '-j', CNI_HOSTPORT_SETMARK], false);
        if (!pm.masqAll) insertUnique(nat, chain, [...base, '-s', '127.0.0.1', '-j', CNI_HOSTPORT_SETMARK], false);
      }
      insertUnique(nat, chain, [...base, '-j', 'DNAT', '--to-destination', `${net.ip}:${m.containerPort}`], false);
    }
    for (const r of entryRules) insertUnique(nat, CNI_HOSTPORT_DNAT, [...r, '-j', chain], false);
  }
  return rs;
}
