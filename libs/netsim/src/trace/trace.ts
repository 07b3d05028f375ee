/**
 * trace(): walks the rules a node really holds (rendered, or its uploaded iptables-save dump) hook by hook in
 * kernel order, then routes the packet to a pod, another node, or a local socket.
 *
 * Hook order (netfilter): locally generated packets: nat OUTPUT -> filter OUTPUT -> routing -> nat POSTROUTING
 * (-> filter INPUT when the destination is local); incoming packets: nat PREROUTING -> routing ->
 * filter INPUT (local) or filter FORWARD -> nat POSTROUTING. nat only sees a connection's first packet, which
 * is what a trace models (conntrack state NEW).
 */
import { QueryError } from '../model/errors';
import type { Snapshot } from '../model/types';
import type { TraceDestination, TraceHop, TraceOutcome, TraceRequest, TraceResult } from '../model/results';
import { hostStateOf, nodePrimaryIP } from '../iptables/context';
import { canonicalIP, isLoopback, joinHostPort, parseIP, type IPFamily } from '../util/ip';
import { networkStateOf, type NetworkState, type NodeView } from './state';
import { dumpCompleteness } from './completeness';
import { routeLocalnet } from './route-localnet';
import { nftDumpCompleteness } from './nft-completeness';
import type { IncompleteReason } from '../model/results';
import { cloneBranch, isLocalAddress, makePacket, walkChain, type Branch, type ChainOutcome } from './walk';
import { walkNftChain } from './nft-walk';
import { hookStages } from './hook-stages';

export const DEFAULT_EXTERNAL_CLIENT = '203.0.113.2';
/** the IPv6 client when none is given: an address of the documentation prefix (RFC 3849), as 203.0.113.2 is for IPv4 */
export const DEFAULT_EXTERNAL_CLIENT6 = '2001:db8::2';

function familyOfIP(ip: string): IPFamily {
  return parseIP(ip)?.family ?? 4;
}

interface Final {
  b: Branch;
  dest: Omit<TraceDestination, 'probability' | 'masquerade' | 'sourceSeen' | 'hops' | 'marks'>;
}

export interface ResolvedSource {
  ip: string;
  node: string;
  local: boolean;
  inIface?: string;
}

export function trace(snapshot: Snapshot, req: TraceRequest): TraceResult {
  return traceWith(networkStateOf(snapshot), req);
}

export function resolveHost(state: NetworkState, host: string): string {
  if (host === 'localhost') return '127.0.0.1';
  const ip = canonicalIP(host.replace(/^\[(.*)\]$/, '$1'));
  if (ip) return ip;
  const node = state.node(host);
  const nip = nodePrimaryIP(node);
  if (nip) return nip;
  throw new QueryError(node ? `node ${host} has no InternalIP` : `unknown host ${host}: not a node name or an IP address`);
}

/**
 * The source address a node's own unbound socket gets: the kernel takes it from the route to the destination as
 * dialled (before any DNAT). A pod of this node is reached over the connected route of the pod bridge, whose `src`
 * is the bridge's address; everything else (the node's own addresses included) leaves with the primary address.
 */
function hostSourceAddress(state: NetworkState, node: string, dst: string, primary: string, useDump: boolean | undefined): string {
  const owner = state.owner(dst);
  if (owner?.kind !== 'pod' || owner.node !== node || owner.pod?.hostNetwork) return primary;
  return state.view(node, { useDump, family: familyOfIP(dst) }).bridgeIP ?? primary;
}

/** A node's address of the destination's family (IPv4 keeps the snapshot's primary address). */
function nodeAddress(state: NetworkState, node: string, family: IPFamily): string {
  const ip = family === 4 ? nodePrimaryIP(state.node(node)) : nodePrimaryIP(state.node(node), 6);
  if (!ip) throw new QueryError(`node ${node} has no ${family === 4 ? 'InternalIP' : 'IPv6 InternalIP'}`);
  return ip;
}

function sameFamily(ip: string, dst: string, what: string): string {
  if (familyOfIP(ip) !== familyOfIP(dst)) throw new QueryError(`${what} ${ip} and destination ${dst} are of different IP families: a connection has one family`);
  return ip;
}

export function resolveSource(state: NetworkState, req: TraceRequest, dst: string): ResolvedSource {
  const snap = state.snapshot;
  const from = req.from;
  const requireNode = (n: string) => {
    if (!state.node(n)) throw new QueryError(`unknown node ${n}`);
    return n;
  };
  switch (from.kind) {
    case 'external': {
      const given = from.ip === undefined ? undefined : canonicalIP(from.ip);
      if (from.ip !== undefined && !given) throw new QueryError(`invalid source address ${from.ip}`);
      const ip = sameFamily(given ?? (familyOfIP(dst) === 6 ? DEFAULT_EXTERNAL_CLIENT6 : DEFAULT_EXTERNAL_CLIENT), dst, 'source');
      let node = req.at;
      if (!node) {
        const owner = state.owner(dst);
        node = owner?.node;
      }
      if (!node) throw new QueryError(`cannot tell which node ${dst} enters; name it with 'at'`);
      return { ip, node: requireNode(node), local: false, inIface: 'eth0' };
    }
    case 'node': {
      const ip = nodeAddress(state, requireNode(from.node), familyOfIP(dst));
      return { ip: hostSourceAddress(state, from.node, dst, ip, req.useDump), node: from.node, local: true };
    }
    case 'localhost':
      return { ip: familyOfIP(dst) === 6 ? '::1' : '127.0.0.1', node: requireNode(from.node), local: true };
    case 'pod': {
      const pod = state.pod(from.namespace, from.name);
      if (!pod) throw new QueryError(`unknown pod ${from.namespace}/${from.name}`);
      if (!pod.nodeName) throw new QueryError(`pod ${from.namespace}/${from.name} is not bound to a node`);
      if (pod.hostNetwork) {
        const ip = nodeAddress(state, pod.nodeName, familyOfIP(dst));
        return { ip: hostSourceAddress(state, pod.nodeName, dst, ip, req.useDump), node: pod.nodeName, local: true };
      }
      const family = familyOfIP(dst);
      const ip = pod.podIPs.map((x) => canonicalIP(x)).find((x): x is string => !!x && familyOfIP(x) === family);
      if (!ip) throw new QueryError(`pod ${from.namespace}/${from.name} has no IPv${family} pod IP`);
      return { ip, node: pod.nodeName, local: false, inIface: snap.profile.cni.bridge ?? 'cni0' };
    }
    case 'ip': {
      const ip = canonicalIP(from.ip);
      if (!ip) throw new QueryError(`invalid source address ${from.ip}`);
      sameFamily(ip, dst, 'source');
      const node = requireNode(from.node);
      const view = state.view(node, { useDump: req.useDump, family: familyOfIP(ip) });
      const local = isLocalAddress(view, ip);
      return { ip, node, local, inIface: local ? undefined : 'eth0' };
    }
    default:
      throw new QueryError('unknown trace source');
  }
}

function runHook(view: NodeView, table: string, chain: string, b: Branch): ChainOutcome[] {
  const stages = hookStages(view.nft, table, chain, !!view.chain(table, chain));
  let current: ChainOutcome[] = [{ b, verdict: 'ACCEPT' }];
  for (const st of stages) {
    const next: ChainOutcome[] = [];
    for (const o of current) {
      // a connection is NATed once per hook: nat chains after the one that bound it do not run (nf_nat_inet_fn)
      if (o.verdict === 'DROP' || o.verdict === 'REJECT' || (o.nat && st.nat)) {
        next.push(o);
        continue;
      }
      const res = st.kind === 'iptables' ? walkChain({ view, table, hook: chain }, chain, o.b, undefined) : walkNftChain({ view, table: st.table, hook: chain }, st.chain.name, o.b, undefined);
      for (const r of res) next.push({ ...r, nat: r.nat ?? o.nat, verdict: r.verdict === 'RETURN' ? 'ACCEPT' : r.verdict });
    }
    current = next;
  }
  return current;
}

export interface Listener {
  address: string;
  port: number;
  protocol: string;
  who: string;
  kind: 'host-socket' | 'hostNetwork-pod';
  pod?: string;
  /** a hostNetwork container port without hostIP: the address the process binds is unknown, taken as both families' wildcard */
  anyFamily?: boolean;
}

const listenerCache = new WeakMap<NetworkState, Map<string, Listener[]>>();

function listenersOn(state: NetworkState, node: string): Listener[] {
  let perNode = listenerCache.get(state);
  if (!perNode) {
    perNode = new Map();
    listenerCache.set(state, perNode);
  }
  const cached = perNode.get(node);
  if (cached) return cached;
  const snap = state.snapshot;
  const out: Listener[] = [];
  perNode.set(node, out);
  for (const l of hostStateOf(snap, node)?.listeners ?? []) {
    out.push({ address: l.address, port: l.port, protocol: l.protocol.toLowerCase(), who: l.process ? `${l.process}${l.pid ? ` (pid ${l.pid})` : ''}` : 'host process', kind: 'host-socket' });
  }
  for (const p of snap.pods) {
    if (p.nodeName !== node || !p.hostNetwork || p.phase === 'Succeeded' || p.phase === 'Failed') continue;
    for (const c of p.containers) for (const port of c.ports) {
      out.push({ address: port.hostIP || '0.0.0.0', port: port.containerPort, protocol: port.protocol.toLowerCase(), who: `hostNetwork pod ${p.namespace}/${p.name}`, kind: 'hostNetwork-pod', pod: `${p.namespace}/${p.name}`, anyFamily: !port.hostIP });
    }
  }
  // kube-proxy serves health check node ports in iptables and nftables mode alike
  if (snap.profile.kubeProxy.mode === 'iptables' || snap.profile.kubeProxy.mode === 'nftables') {
    for (const s of snap.services) {
      if (s.type === 'LoadBalancer' && s.externalTrafficPolicy === 'Local' && s.healthCheckNodePort) {
        out.push({ address: '0.0.0.0', port: s.healthCheckNodePort, protocol: 'tcp', who: `kube-proxy health check server for ${s.namespace}/${s.name}`, kind: 'host-socket' });
      }
    }
  }
  return out;
}

function listenerAccepts(l: Listener, dst: string): boolean {
  if (l.anyFamily) return true;
  const a = l.address.replace(/^\[|\]$/g, '');
  if (a === '0.0.0.0' || a === '*' || a === '' || a === '::') return !dst.includes(':') || a !== '0.0.0.0';
  return canonicalIP(a) === dst;
}

/** The sockets on a node that accept dst:port/proto, the one the kernel picks first (exact address over wildcard). */
export function listenersFor(state: NetworkState, node: string, dst: string, port: number, proto: string): Listener[] {
  const ls = listenersOn(state, node).filter((l) => l.port === port && l.protocol === proto && listenerAccepts(l, dst));
  ls.sort((x, y) => Number(canonicalIP(y.address) === dst) - Number(canonicalIP(x.address) === dst));
  return ls;
}

function deliverLocal(state: NetworkState, view: NodeView, b: Branch): Final {
  const pkt = b.pkt;
  const ls = listenersFor(state, view.node, pkt.dst, pkt.dport, pkt.proto);
  const hopBase = { node: view.node, table: 'socket' as const, chain: 'INPUT' };
  if (ls.length === 0) {
    const how = pkt.proto === 'tcp' ? 'TCP RST (connection refused)' : pkt.proto === 'udp' ? 'ICMP port unreachable' : 'no socket';
    b.hops.push({ ...hopBase, rule: `(no socket listening on ${joinHostPort(pkt.dst, pkt.dport)}/${pkt.proto})`, verdict: `refused: ${how}`, action: 'refuse' });
    return { b, dest: { kind: 'none', node: view.node, ip: pkt.dst, port: pkt.dport, outcome: 'refused' } };
  }
  const l = ls[0];
  b.hops.push({ ...hopBase, rule: `listener ${joinHostPort(l.address, l.port)}/${l.protocol} (${l.who})`, verdict: `delivered to ${l.who}`, action: 'deliver', target: l.who });
  if (ls.length > 1) b.notes.push(`${ls.length} listeners match ${joinHostPort(pkt.dst, pkt.dport)}/${pkt.proto} on ${view.node}; ${l.who} was chosen`);
  const dest: Final['dest'] = { kind: l.kind, node: view.node, pod: l.pod, ip: pkt.dst, port: pkt.dport, outcome: 'delivered-to-host-socket' };
  replyBypass(state, b, view.node, l.who, dest);
  return { b, dest };
}

/** The routing decision after nat PREROUTING/OUTPUT: local delivery, the bridge, or the node's uplink. */
function route(state: NetworkState, view: NodeView, b: Branch): { local: boolean; martian?: boolean } {
  const pkt = b.pkt;
  if (isLocalAddress(view, pkt.dst)) {
    b.hops.push({ node: view.node, table: 'route', chain: 'routing', rule: `${pkt.dst} is a local address`, verdict: 'local delivery (INPUT)', action: 'route', target: 'local' });
    return { local: true };
  }
  const snap = state.snapshot;
  const owner = state.owner(pkt.dst);
  if (owner && owner.kind === 'pod' && owner.node === view.node) {
    pkt.outIface = snap.profile.cni.bridge ?? 'cni0';
    b.egressAddress = view.bridgeIP ?? view.primaryIP;
    b.hops.push({ node: view.node, table: 'route', chain: 'routing', rule: `${pkt.dst} dev ${pkt.outIface} (pod network of ${view.node})`, verdict: 'forward to the local pod bridge', action: 'route', target: pkt.outIface });
  } else {
    pkt.outIface = 'eth0';
    b.egressAddress = view.primaryIP;
    const where = owner ? `via ${owner.node}` : 'via the default route';
    b.hops.push({ node: view.node, table: 'route', chain: 'routing', rule: `${pkt.dst} ${where}`, verdict: `forward ${where}`, action: 'route', target: owner ? owner.node : 'default route' });
  }
  if (isLoopback(pkt.src) && view.family === 6) {
    // IPv6 has no route_localnet: ::1 is never a source off lo (ip6_route_output, RFC 4291 2.5.3)
    b.hops.push({ node: view.node, table: 'route', chain: 'routing', rule: `source ${pkt.src} out of ${pkt.outIface}`, verdict: 'dropped: ::1 may not leave lo', action: 'drop', target: 'martian' });
    b.notes.push(`${pkt.src} -> ${pkt.dst} would leave ${view.node} by ${pkt.outIface}: the kernel never routes an IPv6 loopback source off lo (there is no IPv6 route_localnet); the connection is dropped`);
    return { local: false, martian: true };
  }
  if (isLoopback(pkt.src)) {
    const rl = routeLocalnet(snap, view.node, pkt.outIface);
    if (!rl.on) {
      b.hops.push({ node: view.node, table: 'route', chain: 'routing', rule: `source ${pkt.src} out of ${pkt.outIface} (route_localnet=0)`, verdict: 'dropped: a loopback source may not leave lo (martian)', action: 'drop', target: 'martian' });
      b.notes.push(`${pkt.src} -> ${pkt.dst} would leave ${view.node} by ${pkt.outIface}: the kernel refuses a 127.0.0.0/8 source off lo unless route_localnet is 1 on that device or on all, and neither kube-proxy (localhost NodePorts off, or nodePortAddresses without 127.0.0.1) nor portmap (snat off, or no hostPort pod here) set it; the connection is dropped (TCP times out, a UDP send fails with EINVAL)`);
      return { local: false, martian: true };
    }
  }
  return { local: false };
}

/**
 * The reply leaves the endpoint's node straight for the client; it is un-DNATed only on a DNAT node it crosses. A
 * DNAT node that is neither the endpoint's nor the client's, with no SNAT to pull the reply back through it, is
 * bypassed (kubernetes/kubernetes#74383): the client's first packet arrives, but the answer comes from an address
 * it never dialled, so the connection is dropped (the kernel suite sees the connect time out). Whatever answers
 * (a pod, a host socket, a hostNetwork pod) and however many DNATs the packet took.
 */
function replyBypass(state: NetworkState, b: Branch, endpointNode: string, who: string, dest: Final['dest']): void {
  const client = b.origSrc ? state.owner(b.origSrc) : undefined;
  if (b.masquerade || !client) return;
  const bypassed = (b.dnatNodes ?? []).find((n) => n !== endpointNode && n !== client.node);
  if (!bypassed) return;
  dest.asymmetricReply = true;
  dest.outcome = 'dropped';
  b.notes.push(`reply path bypasses ${bypassed}: ${who} answers ${b.origSrc} directly from ${endpointNode} and ${bypassed} (which DNATed without SNAT) never un-DNATs it, so the client sees a reply from ${b.pkt.dst} and the connection does not establish (kubernetes/kubernetes#74383); the first packet is delivered, the connection is dropped`);
}

function deliverRemote(state: NetworkState, view: NodeView, b: Branch, depth: number, useDump: boolean | undefined): Final[] {
  const snap = state.snapshot;
  const pkt = b.pkt;
  const owner = state.owner(pkt.dst);
  if (owner?.kind === 'pod' && owner.pod) {
    const p = owner.pod;
    const name = `${p.namespace}/${p.name}`;
    if (owner.node !== view.node) {
      b.hops.push({ node: owner.node, table: 'route', chain: 'pod-network', rule: `${pkt.dst} dev ${snap.profile.cni.bridge ?? 'cni0'}`, verdict: `delivered to pod ${name} on ${owner.node}`, action: 'deliver', target: name });
    } else {
      b.hops.push({ node: view.node, table: 'route', chain: 'pod-network', rule: `${pkt.dst} dev ${pkt.outIface ?? 'cni0'}`, verdict: `delivered to pod ${name}`, action: 'deliver', target: name });
    }
    const dest: Final['dest'] = { kind: 'pod', node: owner.node, pod: name, ip: pkt.dst, port: pkt.dport, outcome: 'delivered' };
    if (pkt.dnat && !b.masquerade && b.origSrc === pkt.dst) {
      // a pod DNATed back to itself, unmasqueraded: it answers itself over its own lo, from the address it was
      // DNATed to, which its connecting socket never dialled
      dest.outcome = 'dropped';
      dest.asymmetricReply = true;
      b.notes.push(`${name} reaches itself through a DNAT without masquerade (hairpin; portmap's snat is off, or nothing marked it): its reply goes from ${joinHostPort(pkt.dst, pkt.dport)} to itself inside the pod, never un-DNATed, so the connection does not establish`);
    } else replyBypass(state, b, owner.node, name, dest);
    return [{ b, dest }];
  }
  if (owner?.kind === 'node' && owner.node !== view.node && depth < 3) {
    // a new connection on the next node: fresh conntrack entry, marks do not cross the wire
    const next = cloneBranch(b, b.p);
    next.pkt.mark = 0;
    next.pkt.dnat = false;
    next.pkt.snat = false;
    next.pkt.inIface = 'eth0';
    next.pkt.outIface = undefined;
    next.egressAddress = undefined;
    return runNode(state, owner.node, next, false, depth + 1, useDump);
  }
  if (owner?.kind === 'pod') {
    if (state.isEndpoint(pkt.dst)) {
      b.notes.push(`${pkt.dst} is an endpoint on ${owner.node}'s pod network but no pod in the snapshot holds it; assumed reachable`);
      return [{ b, dest: { kind: 'pod', node: owner.node, ip: pkt.dst, port: pkt.dport, outcome: 'delivered' } }];
    }
    b.hops.push({ node: owner.node, table: 'route', chain: 'pod-network', rule: `${pkt.dst} (no pod holds this address)`, verdict: 'dropped: host unreachable', action: 'drop' });
    return [{ b, dest: { kind: 'none', node: owner.node, ip: pkt.dst, port: pkt.dport, outcome: 'dropped' } }];
  }
  if (pkt.dnat) {
    b.notes.push(`endpoint ${joinHostPort(pkt.dst, pkt.dport)} is not a pod or node in the snapshot; assumed reachable off-node`);
    return [{ b, dest: { kind: 'pod', ip: pkt.dst, port: pkt.dport, outcome: 'delivered' } }];
  }
  b.notes.push(`${pkt.dst} is outside the cluster; the packet leaves ${view.node} by its default route`);
  return [{ b, dest: { kind: 'none', ip: pkt.dst, port: pkt.dport, outcome: 'delivered' } }];
}

function blocked(o: ChainOutcome, view: NodeView): Final {
  const outcome: TraceOutcome = o.verdict === 'REJECT' ? 'rejected' : 'dropped';
  return { b: o.b, dest: { kind: 'none', node: view.node, ip: o.b.pkt.dst, port: o.b.pkt.dport, outcome, by: o.by } };
}

function runNode(state: NetworkState, node: string, b: Branch, locallyGenerated: boolean, depth: number, useDump: boolean | undefined): Final[] {
  const view = state.view(node, { useDump, family: b.pkt.dstP.family });
  const finals: Final[] = [];
  // the remarks of every ruleset the packet walks through (synthetic sandbox ids, dump warnings, ...)
  for (const n of view.ruleset.notes) if (!b.notes.includes(n)) b.notes.push(n);
  const save = view.family === 6 ? 'ip6tables-save' : 'iptables-save';
  for (const d of view.diagnostics) if (d.severity === 'warning') b.notes.push(`${node} ${save} line ${d.line}: ${d.message}`);
  if (view.fromDump) b.notes.push(`walked the ${save} dump uploaded for ${node}`);
  if (view.nftFromDump) b.notes.push(`walked the nft list ruleset dump uploaded for ${node}`);
  for (const d of view.nftDiagnostics) b.notes.push(`${node} nft list ruleset line ${d.line}: ${d.message}`);
  const natFirst = runHook(view, 'nat', locallyGenerated ? 'OUTPUT' : 'PREROUTING', b);
  for (const o1 of natFirst) {
    if (o1.verdict === 'DROP' || o1.verdict === 'REJECT') {
      finals.push(blocked(o1, view));
      continue;
    }
    const r = route(state, view, o1.b);
    if (r.martian) {
      finals.push({ b: o1.b, dest: { kind: 'none', node: view.node, ip: o1.b.pkt.dst, port: o1.b.pkt.dport, outcome: 'dropped' } });
      continue;
    }
    const filterHooks = locallyGenerated ? ['OUTPUT'] : [r.local ? 'INPUT' : 'FORWARD'];
    let stage: Branch[] = [o1.b];
    for (const h of filterHooks) {
      const next: Branch[] = [];
      for (const br of stage) for (const o of runHook(view, 'filter', h, br)) {
        if (o.verdict === 'DROP' || o.verdict === 'REJECT') finals.push(blocked(o, view));
        else {
          const last = o.b.hops[o.b.hops.length - 1];
          if (h === 'FORWARD' && !view.fromDump && last?.chain === 'FORWARD' && last.rule === '(end of chain)') {
            o.b.notes.push(`filter FORWARD on ${node}: no rule accepted the packet, so the chain policy decides; rendered rules assume ACCEPT, a host with policy DROP (e.g. Docker installed) drops it unless the CNI plugin accepts it`);
          }
          next.push(o.b);
        }
      }
      stage = next;
    }
    // nat POSTROUTING runs for every packet leaving the routing stage, also on the loopback path
    if (!(r.local && !locallyGenerated)) {
      const next: Branch[] = [];
      for (const br of stage) for (const o of runHook(view, 'nat', 'POSTROUTING', br)) {
        if (o.verdict === 'DROP' || o.verdict === 'REJECT') finals.push(blocked(o, view));
        else next.push(o.b);
      }
      stage = next;
    }
    if (r.local && locallyGenerated) {
      const next: Branch[] = [];
      for (const br of stage) for (const o of runHook(view, 'filter', 'INPUT', br)) {
        if (o.verdict === 'DROP' || o.verdict === 'REJECT') finals.push(blocked(o, view));
        else next.push(o.b);
      }
      stage = next;
    }
    for (const br of stage) {
      if (r.local) finals.push(deliverLocal(state, view, br));
      else finals.push(...deliverRemote(state, view, br, depth, useDump));
    }
  }
  return finals;
}

/** a dump's completeness is a property of the dump and the snapshot, computed once per view */
const COMPLETENESS = new WeakMap<NodeView, IncompleteReason[]>();

export function traceWith(state: NetworkState, req: TraceRequest): TraceResult {
  const dst = resolveHost(state, req.toHost);
  const src = resolveSource(state, req, dst);
  const pkt = makePacket(src.ip, dst, req.port, req.protocol.toLowerCase());
  pkt.inIface = src.inIface;
  const b0: Branch = { p: 1, pkt, hops: [], notes: [], masquerade: false, marks: [], origSrc: pkt.src };
  const family = familyOfIP(dst);
  const view0 = state.view(src.node, { useDump: req.useDump, family });
  if (isLoopback(dst) && !src.local) b0.notes.push(`${dst} is a loopback address: only the node itself can send to it`);
  const finals = runNode(state, src.node, b0, src.local, 0, req.useDump);

  const dests: TraceDestination[] = [];
  for (const f of finals) {
    const sourceSeen = f.b.pkt.src;
    const existing = dests.find((d) => d.kind === f.dest.kind && d.ip === f.dest.ip && d.port === f.dest.port && d.outcome === f.dest.outcome && d.pod === f.dest.pod && d.masquerade === f.b.masquerade && d.sourceSeen === sourceSeen);
    if (existing) {
      existing.probability += f.b.p;
      continue;
    }
    dests.push({ ...f.dest, probability: f.b.p, masquerade: f.b.masquerade, sourceSeen, hops: f.b.hops, marks: [...new Set(f.b.marks)] });
  }
  let best = dests[0];
  for (const d of dests) if (d.probability > best.probability + 1e-12) best = d;
  const notes = new Set<string>();
  for (const f of finals) for (const n of f.b.notes) notes.add(n);
  const walked = new Set<string>([src.node]);
  for (const f of finals) for (const h of f.b.hops) walked.add(h.node);
  const incomplete: IncompleteReason[] = [];
  for (const n of walked) {
    if (!state.node(n)) continue;
    const v = state.view(n, { useDump: req.useDump, family });
    if (!v.fromDump && !v.nftFromDump) continue;
    let reasons = COMPLETENESS.get(v);
    if (!reasons) COMPLETENESS.set(v, (reasons = [...dumpCompleteness(state.snapshot, v), ...nftDumpCompleteness(state.snapshot, v)]));
    incomplete.push(...reasons);
  }
  const requires: TraceResult['requires'] = [];
  const dnat = best.hops?.find((h) => h.verdict.startsWith('DNAT -> '));
  const to = dnat ? dnat.verdict.slice('DNAT -> '.length) : undefined;
  if (family === 4 && isLoopback(dst) && dnat && to && !isLoopback(to.replace(/^\[/, '').replace(/\]?:\d+$/, ''))) {
    requires.push('route_localnet');
    const setBy = dnat.chain.startsWith('CNI-')
      ? 'portmap sets net.ipv4.conf.<bridge>.route_localnet=1 for a hostPort reached on localhost'
      : 'kube-proxy sets net.ipv4.conf.all.route_localnet=1 when localhost NodePorts are on (iptables mode)';
    notes.add(`${dst} is DNATed to ${to} in ${dnat.table}/${dnat.chain} on ${dnat.node}: this path needs route_localnet=1 (otherwise the kernel drops loopback-addressed packets routed off lo as martians); ${setBy}`);
  }
  return {
    family: family === 6 ? 'IPv6' : 'IPv4',
    requires,
    complete: incomplete.length === 0,
    incomplete,
    outcome: best.outcome,
    hops: finals[0].b.hops as TraceHop[],
    destinations: dests,
    masquerade: best.masquerade,
    sourceSeen: best.sourceSeen,
    fromDump: view0.fromDump || view0.nftFromDump,
    marks: best.marks,
    notes: [...notes],
  };
}
