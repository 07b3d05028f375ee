/**
 * Memoized per-node rule views for tracing: the rendered (or uploaded) ruleset of a node is built once,
 * and big chains get an index from (protocol, daddr, dport) / (protocol, dport) to candidate rule positions
 * so a trace through 10,000 services does not scan KUBE-SERVICES linearly.
 */
import type { Node, Pod, Snapshot } from '../model/types';
import { bridgeAddress, hostStateOf, isActivePod, localAddressesOf, nodePodCIDR, nodePrimaryIP, type AddressOwner } from '../iptables/context';
import type { Chain, Rule, Ruleset } from '../iptables/model';
import { renderNodeLazy } from '../iptables/render';
import { renderNodeNft } from '../nftables/render';
import type { NftTable } from '../nftables/model';
import { parseNftRuleset, type NftParseDiagnostic } from '../nftables/parse';
import { parseIptablesSave, type ParseDiagnostic } from '../iptables/save';
import { canonicalIP, maskOf, parseCIDR, parseIP, type CIDR, type IPFamily } from '../util/ip';

/** Node views kept per network state (each holds a node's rules and chain indexes). */
export const MAX_CACHED_VIEWS = 32;

/** Chains longer than this are indexed; shorter ones are scanned (and every non-match is reported). */
export const INDEX_THRESHOLD = 16;

export interface ChainIndex {
  byKey: Map<string, number[]>;
  /** rules with no single (protocol, port) selector: always candidates */
  always: number[];
}

export interface NodeView {
  node: string;
  /** the uploaded dump, or the rendered rules materialized so far (use renderNode for the complete set) */
  ruleset: Ruleset;
  /** a chain of this node's rules (rendered per-service chains are materialized on first use) */
  chain(table: string, name: string): Chain | undefined;
  fromDump: boolean;
  /** the node's nftables tables (rendered, or its uploaded `nft list ruleset`), walked at their hooks by priority */
  nft: NftTable[];
  /** whether nft holds the uploaded dump, and what its parse reported */
  nftFromDump: boolean;
  nftDiagnostics: NftParseDiagnostic[];
  diagnostics: ParseDiagnostic[];
  /** canonical local addresses (without 127/8) */
  local: Set<string>;
  /** the node's primary address and its CNI bridge address: MASQUERADE's egress addresses */
  primaryIP?: string;
  bridgeIP?: string;
  index(table: string, chain: string): ChainIndex | undefined;
}

export interface NetworkState {
  snapshot: Snapshot;
  view(node: string, opts?: { useDump?: boolean }): NodeView;
  /** who holds an address (node address, pod IP, or a node's pod CIDR), from an index built once */
  owner(ip: string): AddressOwner | undefined;
  /** whether some EndpointSlice lists the address */
  isEndpoint(ip: string): boolean;
  node(name: string): Node | undefined;
  pod(namespace: string, name: string): Pod | undefined;
}

function ruleKeys(r: Rule): string[] | undefined {
  const proto = r.protocol && !r.protocol.negated ? r.protocol.value : undefined;
  if (!proto) return undefined;
  let ports: number[] | undefined;
  for (const m of r.matches) {
    if (m.kind === 'port' && m.dport && !m.dport.negated && m.dport.range.from === m.dport.range.to) ports = [m.dport.range.from];
    if (m.kind === 'multiport' && m.dports && !m.dports.negated && m.dports.ranges.every((x) => x.from === x.to)) ports = m.dports.ranges.map((x) => x.from);
  }
  if (!ports) return undefined;
  const d = r.destination;
  const daddr = d && !d.negated && d.cidr && d.cidr.prefix === (d.cidr.family === 4 ? 32 : 128) ? canonicalIP(d.text.split('/')[0]) : '*';
  return ports.map((p) => `${proto}|${daddr ?? '*'}|${p}`);
}

export function buildChainIndex(chain: Chain): ChainIndex {
  const byKey = new Map<string, number[]>();
  const always: number[] = [];
  chain.rules.forEach((r, i) => {
    const keys = ruleKeys(r);
    if (!keys) {
      always.push(i);
      return;
    }
    for (const k of keys) {
      const list = byKey.get(k);
      if (list) {
        if (list[list.length - 1] !== i) list.push(i);
      } else byKey.set(k, [i]);
    }
  });
  return { byKey, always };
}

/** Rule positions that can match a packet, in rule order. */
export function candidates(idx: ChainIndex, proto: string, daddr: string, dport: number): number[] {
  const lists = [idx.always, idx.byKey.get(`${proto}|${daddr}|${dport}`) ?? [], idx.byKey.get(`${proto}|*|${dport}`) ?? []].filter((l) => l.length > 0);
  if (lists.length === 1) return lists[0];
  const out: number[] = [];
  const pos = lists.map(() => 0);
  for (;;) {
    let best = -1;
    for (let i = 0; i < lists.length; i++) {
      if (pos[i] < lists[i].length && (best < 0 || lists[i][pos[i]] < lists[best][pos[best]])) best = i;
    }
    if (best < 0) break;
    const v = lists[best][pos[best]++];
    if (out[out.length - 1] !== v) out.push(v);
  }
  return out;
}

export function createNetworkState(snapshot: Snapshot): NetworkState {
  const views = new Map<string, NodeView>();
  let owners: Map<string, AddressOwner> | undefined;
  // Pod CIDRs grouped by (family, prefix), most specific first: an address outside every known host costs one
  // masked map lookup per distinct prefix length (usually one), not a scan over every node's CIDR.
  let podNets: Array<{ family: IPFamily; prefix: number; nets: Map<bigint, string> }> = [];
  const buildOwners = (): Map<string, AddressOwner> => {
    const m = new Map<string, AddressOwner>();
    // same precedence as context.ownerOfAddress: node addresses, then pod IPs, then pod CIDRs
    const hostStates = new Map(snapshot.hostStates.map((h) => [h.node, h] as const));
    for (const n of snapshot.nodes) for (const a of localAddressesOf(snapshot, n, hostStates.get(n.name))) if (!m.has(a)) m.set(a, { kind: 'node', node: n.name });
    for (const p of snapshot.pods) {
      if (p.hostNetwork || !isActivePod(p) || !p.nodeName) continue;
      for (const ip of p.podIPs) {
        const c = canonicalIP(ip);
        if (c && !m.has(c)) m.set(c, { kind: 'pod', node: p.nodeName, pod: p });
      }
    }
    const groups = new Map<string, { family: IPFamily; prefix: number; nets: Map<bigint, string> }>();
    for (const n of snapshot.nodes) {
      const cidr: CIDR | undefined = parseCIDR(nodePodCIDR(n) ?? '');
      if (!cidr) continue;
      const key = `${cidr.family}/${cidr.prefix}`;
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { family: cidr.family, prefix: cidr.prefix, nets: new Map() }));
      if (!g.nets.has(cidr.network)) g.nets.set(cidr.network, n.name);
    }
    podNets = [...groups.values()].sort((a, b) => b.prefix - a.prefix);
    return m;
  };
  let endpointIPs: Set<string> | undefined;
  const nodes = new Map(snapshot.nodes.map((n) => [n.name, n] as const));
  let pods: Map<string, Pod> | undefined;
  return {
    snapshot,
    node: (name: string) => nodes.get(name),
    pod(namespace: string, name: string): Pod | undefined {
      pods ??= new Map(snapshot.pods.map((p) => [`${p.namespace}/${p.name}`, p] as const));
      return pods.get(`${namespace}/${name}`);
    },
    isEndpoint(ip: string): boolean {
      if (!endpointIPs) {
        endpointIPs = new Set();
        for (const sl of snapshot.endpointSlices) for (const e of sl.endpoints) for (const a of e.addresses) {
          const c = canonicalIP(a);
          if (c) endpointIPs.add(c);
        }
      }
      return endpointIPs.has(ip);
    },
    owner(ip: string): AddressOwner | undefined {
      owners ??= buildOwners();
      const c = canonicalIP(ip);
      if (!c) return undefined;
      const hit = owners.get(c);
      if (hit) return hit;
      const p = parseIP(c);
      if (!p) return undefined;
      for (const g of podNets) {
        if (g.family !== p.family) continue;
        const node = g.nets.get(p.value & maskOf(g.family, g.prefix));
        if (node) return { kind: 'pod', node };
      }
      return undefined;
    },
    view(node: string, opts: { useDump?: boolean } = {}): NodeView {
      const dump = hostStateOf(snapshot, node)?.iptablesSave;
      const nftDump = hostStateOf(snapshot, node)?.nftRuleset;
      const useDump = opts.useDump ?? !!(dump || nftDump);
      const key = `${node}|${useDump && (dump || nftDump) ? 'dump' : 'rendered'}`;
      const existing = views.get(key);
      if (existing) return existing;
      let ruleset: Ruleset;
      let chain: (table: string, name: string) => Chain | undefined;
      let diagnostics: ParseDiagnostic[] = [];
      const fromDump = !!(useDump && dump);
      if (fromDump) {
        const parsed = parseIptablesSave(dump as string);
        const rs = parsed.ruleset;
        ruleset = rs;
        chain = (table, name) => rs.tables[table]?.chains[name];
        diagnostics = parsed.diagnostics;
      } else {
        const lazy = renderNodeLazy(snapshot, node);
        ruleset = lazy.ruleset;
        chain = lazy.chain;
      }
      const nftParsed = useDump && nftDump ? parseNftRuleset(nftDump) : undefined;
      const indexes = new Map<string, ChainIndex | undefined>();
      const v: NodeView = {
        node,
        ruleset,
        fromDump,
        nft: nftParsed ? nftParsed.tables : renderNodeNft(snapshot, node),
        nftFromDump: !!nftParsed,
        nftDiagnostics: nftParsed?.diagnostics ?? [],
        diagnostics,
        chain,
        local: new Set(localAddressesOf(snapshot, nodes.get(node), hostStateOf(snapshot, node))),
        primaryIP: nodePrimaryIP(nodes.get(node)),
        bridgeIP: bridgeAddress(nodes.get(node)),
        index(table: string, chain: string): ChainIndex | undefined {
          const k = `${table}/${chain}`;
          if (indexes.has(k)) return indexes.get(k);
          const c = v.chain(table, chain);
          const idx = c && c.rules.length > INDEX_THRESHOLD ? buildChainIndex(c) : undefined;
          indexes.set(k, idx);
          return idx;
        },
      };
      views.set(key, v);
      // bound memory on big clusters: keep the most recently built node views
      if (views.size > MAX_CACHED_VIEWS) views.delete(views.keys().next().value as string);
      return v;
    },
  };
}

const stateCache = new WeakMap<Snapshot, NetworkState>();

/** The memoized state of a snapshot (snapshots are treated as immutable once traced). */
export function networkStateOf(snapshot: Snapshot): NetworkState {
  let s = stateCache.get(snapshot);
  if (!s) {
    s = createNetworkState(snapshot);
    stateCache.set(snapshot, s);
  }
  return s;
}
