/**
 * Cilium's kube-proxy replacement for the questions Portolan answers: a semantic model of its eBPF datapath, not a
 * walk of rules (no iptables KUBE-* or CNI-HOSTPORT-* chain exists on such a node). Hops carry Cilium's own
 * program and function names (bpf/bpf_sock.c, bpf/bpf_host.c, bpf/lib/nodeport.h, bpf/bpf_lxc.c):
 *
 * - socket-LB (cil_sock4_connect / cil_sock6_connect, cgroup hooks): a connect() from the host namespace or a pod
 *   to a ClusterIP, an ExternalIP/LoadBalancer IP, or a NodePort/HostPort on a node address (the host namespace's
 *   loopback too: localhost NodePorts work) is rewritten to a backend before any packet exists, so no packet is
 *   ever DNATed and the backend sees the client's own address;
 * - NodePort/HostPort/ExternalIP/LoadBalancer traffic from outside is translated at tc ingress of the node's device
 *   (cil_from_netdev -> nodeport_lb4/6): a backend is picked at random (bpf-lb-algorithm random; Maglev spreads
 *   evenly too), a remote backend is reached with SNAT to the node's address (bpf-lb-mode snat, the default) or with
 *   the client address kept (dsr; hybrid: DSR for TCP, SNAT for UDP); externalTrafficPolicy Local picks local
 *   backends only; a frontend without backends answers by service-no-backend-response (reject: ICMP unreachable);
 * - hostPorts are exposed on the node's own addresses only (not on every local address as portmap's
 *   `--dst-type LOCAL` does), and a NodePort of the same number wins;
 * - anything else reaches the host stack or the pod network unchanged.
 * Not modelled: XDP acceleration, Maglev's per-flow hash, session affinity, loadBalancerSourceRanges, L7 proxy
 * redirection, BPF host routing details, Cilium network policies, egress gateway, BGP/L2 announcements.
 */
import type { CiliumConfig, Pod } from '../model/types';
import { ciliumConfigOf } from '../adapter/cilium-config';
import type { TraceDestination, TraceHop, TraceOutcome, TraceRequest, TraceResult } from '../model/results';
import { categorizeEndpoints, endpointsFor, ofFamily, servicePortInfo } from '../iptables/kubeproxy';
import { isActivePod, nodePrimaryIP } from '../iptables/context';
import { canonicalIP, isLoopback, joinHostPort, parseIP, type IPFamily } from '../util/ip';
import { listenersFor, resolveHost, resolveSource } from './trace';
import type { NetworkState } from './state';

type FrontendKind = 'ClusterIP' | 'NodePort' | 'ExternalIP' | 'LoadBalancer' | 'HostPort';

interface Backend {
  ip: string;
  port: number;
  node?: string;
  pod?: string;
}

interface Frontend {
  kind: FrontendKind;
  /** ns/name:port of the Service, or ns/name of the hostPort pod */
  name: string;
  /** backends for traffic from outside (externalTrafficPolicy applies) and from inside the cluster */
  external: Backend[];
  internal: Backend[];
  /** the Service has backends somewhere (eTP Local drops instead of rejecting when only remote ones exist) */
  hasAny: boolean;
}

interface Branch {
  p: number;
  hops: TraceHop[];
  notes: string[];
}

const hop = (node: string, chain: string, rule: string, verdict: string, action: string, extra: Partial<Record<'target' | 'before' | 'after', string>> = {}): TraceHop =>
  ({ node, table: 'bpf', chain, rule, verdict, action, ...extra }) as unknown as TraceHop;

function progs(family: IPFamily) {
  const v = family === 4 ? '4' : '6';
  return { connect: `cil_sock${v}_connect`, lb: `nodeport_lb${v}`, lookup: `lb${v}_lookup_service`, select: `lb${v}_select_backend_id`, snat: `snat_v${v}_nat` };
}

function nodeAddresses(state: NetworkState, node: string): Set<string> {
  const n = state.node(node);
  const out = new Set<string>();
  for (const a of [...(n?.addresses ?? []).filter((x) => x.type === 'InternalIP' || x.type === 'ExternalIP').map((x) => x.address), n?.internalIP]) {
    const c = a ? canonicalIP(a) : undefined;
    if (c) out.add(c);
  }
  return out;
}

function backendOf(state: NetworkState, ip: string, port: number, nodeName?: string): Backend {
  const owner = state.owner(ip);
  const pod = owner?.pod;
  return { ip, port, node: nodeName ?? owner?.node, pod: pod ? `${pod.namespace}/${pod.name}` : undefined };
}

/** The service frontend dst:port/proto hits on `node`, as the agent programs the LB maps from Services and pods. */
function lookupFrontend(state: NetworkState, cfg: CiliumConfig, node: string, dst: string, port: number, proto: string, hostns: boolean): Frontend | undefined {
  const snap = state.snapshot;
  const family = parseIP(dst)?.family ?? 4;
  const addrs = nodeAddresses(state, node);
  // socket-LB's wildcard lookup: loopback (host namespace only) and any node's address carry NodePorts and HostPorts
  const onNode = addrs.has(dst) || (hostns && isLoopback(dst));
  const anyNode = onNode || state.owner(dst)?.kind === 'node';
  for (const svc of snap.services) for (const sp of svc.ports) {
    if (sp.protocol.toLowerCase() !== proto) continue;
    const info = servicePortInfo(svc, sp, family);
    if (!info) continue;
    let kind: FrontendKind | undefined;
    if (info.clusterIP === dst && sp.port === port) kind = 'ClusterIP';
    else if (sp.nodePort === port && sp.nodePort !== 0 && (hostns ? anyNode : onNode)) kind = 'NodePort';
    else if (sp.port === port && svc.externalIPs.some((ip) => ofFamily(ip, family) && canonicalIP(ip) === dst)) kind = 'ExternalIP';
    else if (sp.port === port && svc.loadBalancerIPs.some((ip) => ofFamily(ip, family) && canonicalIP(ip) === dst)) kind = 'LoadBalancer';
    if (!kind) continue;
    const eps = endpointsFor(snap, svc, sp, node, undefined, family);
    const cat = categorizeEndpoints(eps, info);
    const toBackends = (list: typeof eps) => list.map((e) => backendOf(state, e.ip, e.port, e.nodeName));
    const internal = toBackends(cat.cluster.length || !info.internalPolicyLocal ? cat.cluster : cat.local);
    const external = toBackends(info.externalPolicyLocal ? cat.local : cat.cluster);
    return { kind, name: `${svc.namespace}/${svc.name}${sp.name ? `:${sp.name}` : ''}`, external, internal: info.internalPolicyLocal ? toBackends(cat.local) : internal, hasAny: cat.hasAny };
  }
  if (!cfg.hostPort || !onNode) return undefined;
  for (const p of snap.pods) {
    if (p.nodeName !== node || p.hostNetwork || !isActivePod(p)) continue;
    const ip = p.podIPs.find((x) => ofFamily(x, family));
    if (!ip) continue;
    for (const c of p.containers) for (const cp of c.ports) {
      if (!(cp.hostPort > 0) || cp.hostPort !== port || cp.protocol.toLowerCase() !== proto) continue;
      const hostIP = cp.hostIP && cp.hostIP !== '0.0.0.0' && cp.hostIP !== '::' ? canonicalIP(cp.hostIP) : undefined;
      if (hostIP && hostIP !== dst) continue;
      if (cp.hostIP && !hostIP && !ofFamily(cp.hostIP, family)) continue;
      const b = [{ ip: canonicalIP(ip) ?? ip, port: cp.containerPort, node, pod: podName(p) }];
      return { kind: 'HostPort', name: podName(p), external: b, internal: b, hasAny: true };
    }
  }
  return undefined;
}

function podName(p: Pod): string {
  return `${p.namespace}/${p.name}`;
}

function noBackend(cfg: CiliumConfig, node: string, fe: Frontend, prog: string, br: Branch, socket: boolean): { outcome: TraceOutcome } {
  if (socket) {
    br.hops.push(hop(node, prog, `connect() to ${fe.kind} ${fe.name}`, 'rejected: no backend, connect() fails (ECONNREFUSED)', 'reject'));
    return { outcome: 'rejected' };
  }
  if (fe.hasAny) {
    br.hops.push(hop(node, prog, `${fe.kind} ${fe.name} (externalTrafficPolicy: Local)`, 'dropped: no local backend on this node', 'drop'));
    return { outcome: 'dropped' };
  }
  const reject = cfg.noBackendResponse === 'reject';
  br.hops.push(hop(node, prog, `${fe.kind} ${fe.name} has no backends (service-no-backend-response: ${cfg.noBackendResponse})`, reject ? 'rejected: ICMP destination unreachable' : 'dropped', reject ? 'reject' : 'drop'));
  return { outcome: reject ? 'rejected' : 'dropped' };
}

interface Final {
  br: Branch;
  dest: Omit<TraceDestination, 'probability' | 'hops'>;
}

/** The packet travels from `node` to a backend: tunnel or native routing, then bpf_lxc into the pod. */
function toBackend(state: NetworkState, cfg: CiliumConfig, node: string, b: Backend, br: Branch, sourceSeen: string, masquerade: boolean, proto: string): Final {
  const remote = b.node && b.node !== node;
  if (remote) {
    const via = cfg.routingMode === 'tunnel' ? `cil_to_overlay (${cfg.tunnelProtocol} to ${b.node})` : `native routing to ${b.node}`;
    br.hops.push(hop(node, cfg.routingMode === 'tunnel' ? 'cil_to_overlay' : 'cil_to_netdev', `${joinHostPort(b.ip, b.port)} via ${b.node}`, `forward: ${via}`, 'route', { target: b.node as string }));
    br.hops.push(hop(b.node as string, cfg.routingMode === 'tunnel' ? 'cil_from_overlay' : 'cil_from_netdev', `${joinHostPort(b.ip, b.port)} arrives on ${b.node}`, 'to the endpoint', 'route', { target: b.pod ?? b.ip }));
  }
  const at = b.node ?? node;
  const owner = state.owner(b.ip);
  if (owner?.kind === 'node') {
    const ls = listenersFor(state, owner.node, b.ip, b.port, proto);
    br.hops.push(hop(owner.node, 'host stack', `${joinHostPort(b.ip, b.port)}`, ls.length ? `delivered to ${ls[0].who}` : 'refused: no socket', ls.length ? 'deliver' : 'refuse', { target: ls[0]?.who ?? '' }));
    return { br, dest: { kind: ls.length ? ls[0].kind : 'none', node: owner.node, pod: ls[0]?.pod, ip: b.ip, port: b.port, outcome: ls.length ? 'delivered-to-host-socket' : 'refused', masquerade, sourceSeen } };
  }
  br.hops.push(hop(at, 'cil_to_container', `${joinHostPort(b.ip, b.port)} (bpf_lxc, endpoint ${b.pod ?? b.ip})`, `delivered to ${b.pod ? `pod ${b.pod}` : b.ip}`, 'deliver', { target: b.pod ?? b.ip }));
  if (!b.pod) br.notes.push(`backend ${joinHostPort(b.ip, b.port)} is listed by an EndpointSlice but no pod in the snapshot holds it; assumed reachable`);
  return { br, dest: { kind: 'pod', node: at, pod: b.pod, ip: b.ip, port: b.port, outcome: 'delivered', masquerade, sourceSeen } };
}

function split(br: Branch, backends: Backend[], node: string, prog: string, fe: Frontend, dst: string, port: number): Array<{ b: Backend; br: Branch }> {
  return backends.map((b) => {
    const nb: Branch = { p: br.p / backends.length, hops: [...br.hops], notes: [...br.notes] };
    const before = joinHostPort(dst, port);
    const after = joinHostPort(b.ip, b.port);
    nb.hops.push(hop(node, prog, `${fe.kind} ${fe.name}: backend ${after} of ${backends.length}`, `DNAT -> ${after}${backends.length > 1 ? ` (random, p=${(1 / backends.length).toFixed(4)})` : ''}`, 'dnat', { before, after }));
    return { b, br: nb };
  });
}

export function traceCilium(state: NetworkState, req: TraceRequest): TraceResult {
  const snap = state.snapshot;
  const cfg = ciliumConfigOf(snap.profile);
  const dst = resolveHost(state, req.toHost);
  const family: IPFamily = parseIP(dst)?.family ?? 4;
  const src = resolveSource(state, req, dst);
  const proto = req.protocol.toLowerCase();
  const P = progs(family);
  const root: Branch = { p: 1, hops: [], notes: [] };
  const finals: Final[] = [];
  const hostns = src.local || req.from.kind === 'localhost' || req.from.kind === 'node' || (req.from.kind === 'pod' && !!state.pod(req.from.namespace, req.from.name)?.hostNetwork);
  const fromPod = req.from.kind === 'pod' && !hostns;
  root.notes.push(`dataplane: Cilium kube-proxy replacement (${snap.profile.dataplane?.detail ?? 'declared'}); no iptables KUBE-*/CNI-HOSTPORT-* rule is walked: Services, NodePorts and hostPorts are served by eBPF`);
  const socketLB = cfg.socketLB && (hostns || (fromPod && !cfg.socketLBHostnsOnly));
  const inCluster = hostns || fromPod;

  if (socketLB && (proto === 'tcp' || proto === 'udp')) {
    const fe = lookupFrontend(state, cfg, src.node, dst, req.port, proto, hostns);
    if (fe) {
      // east-west traffic uses every backend: externalTrafficPolicy applies to traffic from outside only
      const backends = fe.internal;
      if (backends.length === 0) {
        const r = noBackend(cfg, src.node, fe, P.connect, root, true);
        finals.push({ br: root, dest: { kind: 'none', node: src.node, ip: dst, port: req.port, outcome: r.outcome, masquerade: false, sourceSeen: src.ip } });
      } else {
        for (const { b, br } of split(root, backends, src.node, P.connect, fe, dst, req.port)) {
          // the kernel picks the source for the rewritten destination: a host socket dialling loopback leaves with the node's address
          const srcSeen = isLoopback(src.ip) ? (family === 4 ? nodePrimaryIP(state.node(src.node)) : nodePrimaryIP(state.node(src.node), 6)) ?? src.ip : src.ip;
          br.notes.push(`socket-LB rewrote connect() to ${joinHostPort(dst, req.port)} into ${joinHostPort(b.ip, b.port)}: the packets carry the backend address from the first one, nothing is DNATed on the wire`);
          finals.push(toBackend(state, cfg, src.node, b, br, srcSeen, false, proto));
        }
      }
      return result(finals, family, src.ip);
    }
  }

  const node = src.node;
  const addrs = nodeAddresses(state, node);
  if (fromPod && (proto === 'tcp' || proto === 'udp')) {
    // no socket-LB for this pod (bpf-lb-sock off, or hostns-only): bpf_lxc balances its packets at the pod's veth
    const fe = lookupFrontend(state, cfg, node, dst, req.port, proto, false);
    if (fe) {
      root.hops.push(hop(node, 'cil_from_container', `${joinHostPort(dst, req.port)}/${proto} from ${src.ip} (bpf_lxc, per-packet load balancing)`, `${fe.kind} ${fe.name}: ${fe.internal.length} backend(s)`, 'jump', { target: P.select }));
      if (fe.internal.length === 0) {
        const r = noBackend(cfg, node, fe, P.lookup, root, false);
        finals.push({ br: root, dest: { kind: 'none', node, ip: dst, port: req.port, outcome: r.outcome, masquerade: false, sourceSeen: src.ip } });
      } else for (const { b, br } of split(root, fe.internal, node, P.select, fe, dst, req.port)) finals.push(toBackend(state, cfg, node, b, br, src.ip, false, proto));
      return result(finals, family, src.ip);
    }
  } else if (hostns && !socketLB) {
    root.notes.push('socket-LB is off (bpf-lb-sock false): connections from the host namespace to Service addresses are not translated by Cilium');
  }
  if (!inCluster) root.hops.push(hop(node, 'cil_from_netdev', `${joinHostPort(dst, req.port)}/${proto} from ${src.ip} (bpf_host, tc ingress on ${src.inIface ?? 'eth0'})`, `to ${P.lb}`, 'jump', { target: P.lb }));
  const fe = !inCluster ? lookupFrontend(state, cfg, node, dst, req.port, proto, false) : undefined;
  const clusterIPFromOutside = fe?.kind === 'ClusterIP' && !cfg.externalClusterIP;
  if (fe && !clusterIPFromOutside) {
    root.hops.push(hop(node, P.lookup, `${joinHostPort(dst, req.port)}/${proto}`, `${fe.kind} ${fe.name}: ${fe.external.length} backend(s)${fe.kind === 'HostPort' ? ' (hostPort, native in eBPF)' : ''}`, 'jump', { target: P.select }));
    if (fe.external.length === 0) {
      const r = noBackend(cfg, node, fe, P.lb, root, false);
      finals.push({ br: root, dest: { kind: 'none', node, ip: dst, port: req.port, outcome: r.outcome, masquerade: false, sourceSeen: src.ip } });
    } else {
      for (const { b, br } of split(root, fe.external, node, P.select, fe, dst, req.port)) {
        const remote = !!b.node && b.node !== node;
        const dsr = cfg.lbMode === 'dsr' || (cfg.lbMode === 'hybrid' && proto === 'tcp');
        let seen = src.ip;
        let masq = false;
        if (remote && !dsr) {
          const nodeIP = [...addrs].find((a) => ofFamily(a, family)) ?? src.ip;
          br.hops.push(hop(node, P.snat, `${src.ip} -> ${joinHostPort(b.ip, b.port)} (bpf-lb-mode ${cfg.lbMode})`, `SNAT -> ${nodeIP}`, 'snat', { before: src.ip, after: nodeIP }));
          seen = nodeIP;
          masq = true;
        } else if (remote) {
          br.notes.push(`bpf-lb-mode ${cfg.lbMode}: the backend on ${b.node} sees the client ${src.ip} and answers it directly (DSR), the service address carried in an IP option/extension header`);
        }
        finals.push(toBackend(state, cfg, node, b, br, seen, masq, proto));
      }
    }
    return result(finals, family, src.ip);
  }
  if (clusterIPFromOutside) {
    root.hops.push(hop(node, P.lookup, `${joinHostPort(dst, req.port)}/${proto}`, `ClusterIP ${fe?.name}: not served to traffic from outside the cluster (bpf-lb-external-clusterip: false)`, 'no-match'));
  } else if (!inCluster) {
    root.hops.push(hop(node, P.lookup, `${joinHostPort(dst, req.port)}/${proto}`, 'no service frontend: passed to the stack', 'no-match'));
  }
  // the stack: a local socket, the pod network, or another host
  const local = addrs.has(dst) || isLoopback(dst) || state.view(node, { family }).local.has(dst);
  if (local) {
    const ls = listenersFor(state, node, dst, req.port, proto);
    const how = proto === 'tcp' ? 'TCP RST (connection refused)' : 'ICMP port unreachable';
    root.hops.push(hop(node, 'host stack', `${joinHostPort(dst, req.port)}/${proto}`, ls.length ? `delivered to ${ls[0].who}` : `refused: ${how}`, ls.length ? 'deliver' : 'refuse', { target: ls[0]?.who ?? '' }));
    finals.push({ br: root, dest: { kind: ls.length ? ls[0].kind : 'none', node, pod: ls[0]?.pod, ip: dst, port: req.port, outcome: ls.length ? 'delivered-to-host-socket' : 'refused', masquerade: false, sourceSeen: src.ip } });
    return result(finals, family, src.ip);
  }
  const owner = state.owner(dst);
  if (owner?.kind === 'pod' && !clusterIPFromOutside) {
    finals.push(toBackend(state, cfg, node, { ip: dst, port: req.port, node: owner.node, pod: owner.pod ? podName(owner.pod) : undefined }, root, src.ip, false, proto));
    return result(finals, family, src.ip);
  }
  if (owner?.kind === 'node') {
    // another node's address: the packet is routed there and that node's bpf_host decides
    const next = traceCilium(state, { ...req, at: owner.node, from: { kind: 'external', ip: src.ip } });
    for (const d of next.destinations) finals.push({ br: { p: d.probability, hops: [...root.hops, ...(d.hops ?? [])], notes: root.notes }, dest: { ...d } });
    return result(finals, family, src.ip);
  }
  root.hops.push(hop(node, 'route', `${dst}`, clusterIPFromOutside ? 'dropped: nothing answers a ClusterIP from outside' : 'forward via the default route', clusterIPFromOutside ? 'drop' : 'route'));
  finals.push({ br: root, dest: { kind: 'none', ip: dst, port: req.port, outcome: clusterIPFromOutside ? 'dropped' : 'delivered', masquerade: false, sourceSeen: src.ip } });
  return result(finals, family, src.ip);
}

function result(finals: Final[], family: IPFamily, srcIP: string): TraceResult {
  const dests: TraceDestination[] = [];
  for (const f of finals) {
    const same = dests.find((d) => d.ip === f.dest.ip && d.port === f.dest.port && d.outcome === f.dest.outcome && d.pod === f.dest.pod && d.kind === f.dest.kind);
    if (same) same.probability += f.br.p;
    else dests.push({ ...f.dest, probability: f.br.p, hops: f.br.hops });
  }
  let best = dests[0];
  for (const d of dests) if (d.probability > best.probability + 1e-12) best = d;
  const notes = [...new Set(finals.flatMap((f) => f.br.notes))];
  return {
    family: family === 6 ? 'IPv6' : 'IPv4',
    outcome: best.outcome,
    hops: finals[0].br.hops,
    destinations: dests,
    masquerade: best.masquerade,
    sourceSeen: best.sourceSeen ?? srcIP,
    fromDump: false,
    requires: [],
    complete: true,
    incomplete: [],
    notes,
  };
}
