/**
 * Who claims each (address, port, protocol) on a node, and who really receives the traffic.
 *
 * Claims come from the objects (NodePorts, health-check node ports, portmap hostPorts, hostNetwork pods' declared
 * ports) and from NodeHostState listeners. Whether a claim is effective is not guessed from a precedence table:
 * each distinct address/port is traced from outside the node (from the node itself for loopback addresses)
 * through the same rules the trace engine walks, and the claim that the packet reaches is the effective one.
 */
import { QueryError } from '../model/errors';
import type { PortClaim, TraceResult } from '../model/results';
import type { Protocol, Snapshot } from '../model/types';
import { findNode, hostStateOf, isActivePod, nodePrimaryIP } from '../iptables/context';
import { categorizeEndpoints, endpointsFor, nodePortDestinations, servicePortInfo } from '../iptables/kubeproxy';
import { cniPortMappings } from '../iptables/portmap';
import { servicePortName } from '../iptables/hash';
import { canonicalIP, isLoopback } from '../util/ip';
import { bindsConflict, formatBind, hostNetworkBinds, listenerBind, NODE_IP, type SocketBind } from '../scheduling/binds';
import { networkStateOf } from '../trace/state';
import { traceWith } from '../trace/trace';

interface Draft extends PortClaim {
  /** how a trace recognises this claimant */
  match: { pod?: string; svc?: string; socket?: boolean };
}

const WILDCARDS = new Set(['', '0.0.0.0', '*', '::']);

function probeAddress(snapshot: Snapshot, node: string, address: string): { host: string; local: boolean } | undefined {
  if (WILDCARDS.has(address)) {
    const ip = nodePrimaryIP(findNode(snapshot, node));
    return ip ? { host: ip, local: false } : undefined;
  }
  const ip = canonicalIP(address.replace(/^\[|\]$/g, ''));
  if (!ip || ip.includes(':')) return undefined;
  return { host: ip, local: isLoopback(ip) };
}

function enumerate(snapshot: Snapshot, node: string): Draft[] {
  const out: Draft[] = [];
  const kp = snapshot.profile.kubeProxy;
  if (kp.mode === 'iptables') {
    const dests = nodePortDestinations(snapshot, node);
    for (const svc of snapshot.services) {
      for (const port of svc.ports) {
        const info = servicePortInfo(svc, port);
        if (!info || port.nodePort === 0) continue;
        const name = servicePortName(svc.namespace, svc.name, port.name);
        const { cluster, local, hasAny } = categorizeEndpoints(endpointsFor(snapshot, svc, port, node), info);
        let note: string;
        if (!hasAny) note = 'no endpoints: filter KUBE-EXTERNAL-SERVICES REJECTs this port for every local address';
        else if (info.externalPolicyLocal && local.length === 0) note = `externalTrafficPolicy Local and no endpoint on ${node}: external traffic is DROPped (pods and the node itself still reach the ${cluster.length} cluster endpoint(s))`;
        else note = `DNAT to ${info.externalPolicyLocal ? local.length : cluster.length} endpoint(s)${kp.localhostNodePorts ? ', also on 127.0.0.1' : ''}; kube-proxy holds no socket (removed in 1.24)`;
        const addresses = dests.matchAll ? ['0.0.0.0'] : dests.ips;
        for (const address of addresses) {
          out.push({ node, address, port: port.nodePort, protocol: port.protocol, kind: 'nodePort', owner: name, effective: false, note, match: { svc: name } });
        }
      }
      if (svc.type === 'LoadBalancer' && svc.externalTrafficPolicy === 'Local' && svc.healthCheckNodePort) {
        out.push({ node, address: '0.0.0.0', port: svc.healthCheckNodePort, protocol: 'TCP', kind: 'healthCheckNodePort', owner: `${svc.namespace}/${svc.name}`, effective: false, note: 'kube-proxy listens here (healthcheck server: 200 with local endpoints, 503 without)', match: { socket: true } });
      }
    }
  }
  const pm = snapshot.profile.cni.portmap;
  for (const pod of snapshot.pods) {
    if (pod.nodeName !== node || !isActivePod(pod)) continue;
    const ref = `${pod.namespace}/${pod.name}`;
    if (pod.hostNetwork) {
      const nodeIP = nodePrimaryIP(findNode(snapshot, node));
      // the address comes from the listen flags of known images (scheduling/binds), else hostIP, else the wildcard
      for (const b of hostNetworkBinds(pod).binds) {
        if (b.certainty !== 'declared') continue;
        const address = b.address === NODE_IP ? (nodeIP ?? '0.0.0.0') : b.address === '*' ? '0.0.0.0' : b.address;
        out.push({ node, address, port: b.port, protocol: b.protocol, kind: 'hostNetwork', owner: ref, effective: false, note: 'declared port of a hostNetwork pod: a real socket in the node network namespace (if the process binds it)', match: { socket: true, pod: ref } });
      }
      continue;
    }
    for (const m of cniPortMappings(pod)) {
      const noPortmap = !pm || pm.backend !== 'iptables';
      out.push({
        node,
        address: m.hostIP || '0.0.0.0',
        port: m.hostPort,
        protocol: m.protocol.toUpperCase() as Protocol,
        kind: 'hostPort',
        owner: ref,
        effective: false,
        note: noPortmap
          ? (pm ? 'portmap uses the nftables backend: not simulated here' : 'the CNI conflist has no portmap plugin: this hostPort is scheduler bookkeeping only, nothing forwards it')
          : `portmap DNAT to ${pod.podIPs[0] ?? '?'}:${m.containerPort}; no socket is opened on the node`,
        match: { pod: ref },
      });
    }
  }
  for (const l of hostStateOf(snapshot, node)?.listeners ?? []) {
    out.push({ node, address: l.address, port: l.port, protocol: l.protocol, kind: 'host-listener', owner: l.process ?? (l.pid ? `pid ${l.pid}` : 'unknown process'), effective: false, match: { socket: true } });
  }
  return out;
}

function receiverOf(r: TraceResult): { kind: 'socket' | 'pod' | 'nodePort' | 'blocked' | 'none'; svc?: string; pod?: string; text: string } {
  const d = [...r.destinations].sort((a, b) => b.probability - a.probability)[0];
  const hops = d?.hops ?? r.hops;
  const npHop = hops.find((h) => h.table === 'nat' && h.chain === 'KUBE-NODEPORTS' && h.verdict.startsWith('jump'));
  const svcFromComment = (rule: string) => /--comment (?:"([^"]+?)(?: has no (?:local )?endpoints)?"|(\S+))/.exec(rule)?.slice(1).find(Boolean);
  if (!d) return { kind: 'none', text: 'nothing' };
  if (d.outcome === 'rejected' || d.outcome === 'dropped') {
    const h = [...hops].reverse().find((x) => x.verdict.startsWith('REJECT') || x.verdict.startsWith('DROP'));
    const svc = h ? svcFromComment(h.rule) : undefined;
    return { kind: 'blocked', svc, text: `${d.outcome} by ${d.by ?? 'a rule'}${svc ? ` (${svc})` : ''}` };
  }
  if (npHop) {
    const svc = svcFromComment(npHop.rule);
    return { kind: 'nodePort', svc, text: `NodePort ${svc} (KUBE-NODEPORTS DNATs before CNI-HOSTPORT-DNAT and before local delivery)` };
  }
  if (d.outcome === 'delivered-to-host-socket') return { kind: 'socket', pod: d.pod, text: `the socket on ${d.ip}:${d.port}` };
  if (d.outcome === 'delivered' && hops.some((h) => h.chain.startsWith('CNI-DN-') && h.verdict.startsWith('DNAT'))) {
    return { kind: 'pod', pod: d.pod, text: `hostPort of pod ${d.pod ?? d.ip} (portmap's CNI-HOSTPORT-DNAT rewrites the destination before local delivery)` };
  }
  if (d.outcome === 'refused') return { kind: 'none', text: 'nothing (refused)' };
  return { kind: 'none', text: `${d.outcome} to ${d.ip}:${d.port}` };
}

/**
 * Port claims on `nodeName`, optionally only for one port number. Traces reuse the snapshot's memoized rules.
 */
export function portClaims(snapshot: Snapshot, nodeName: string, port?: number): PortClaim[] {
  if (!findNode(snapshot, nodeName)) throw new QueryError(`unknown node ${nodeName}`);
  const drafts = enumerate(snapshot, nodeName).filter((c) => port === undefined || c.port === port);
  const state = networkStateOf(snapshot);
  const probes = new Map<string, ReturnType<typeof receiverOf> | undefined>();
  const claimants = new Map<string, number>();
  for (const c of drafts) claimants.set(`${c.port}/${c.protocol}`, (claimants.get(`${c.port}/${c.protocol}`) ?? 0) + 1);
  for (const c of drafts) {
    // an uncontested claim receives its own traffic; only ports with several claimants need a trace
    if (claimants.get(`${c.port}/${c.protocol}`) === 1) {
      c.effective = c.kind !== 'hostPort' || !!snapshot.profile.cni.portmap;
      continue;
    }
    const probe = probeAddress(snapshot, nodeName, c.address);
    const key = `${probe?.host}|${probe?.local}|${c.port}|${c.protocol}`;
    if (!probes.has(key)) {
      probes.set(key, probe ? receiverOf(traceWith(state, {
        toHost: probe.host,
        port: c.port,
        protocol: c.protocol,
        from: probe.local ? { kind: 'localhost', node: nodeName } : { kind: 'external' },
        at: nodeName,
      })) : undefined);
    }
    const recv = probes.get(key);
    if (!recv) {
      c.note = [c.note, `address ${c.address} is not probed (IPv6 or unparsable)`].filter(Boolean).join('; ');
      continue;
    }
    let effective = false;
    switch (c.kind) {
      case 'nodePort':
        effective = (recv.kind === 'nodePort' || recv.kind === 'blocked') && recv.svc === c.owner;
        break;
      case 'hostPort':
        effective = recv.kind === 'pod' && recv.pod === c.owner;
        break;
      default:
        effective = recv.kind === 'socket';
    }
    c.effective = effective;
    if (!effective) c.shadowedBy = recv.text;
  }
  // sockets whose addresses overlap (scheduling/binds): the second bind() fails unless it is the same owner;
  // distinct specific addresses (127.0.0.1:P and 10.0.0.1:P) coexist
  const nodeIP = nodePrimaryIP(findNode(snapshot, nodeName));
  const sock = (c: Draft): SocketBind => {
    if (c.kind === 'host-listener') return listenerBind({ address: c.address, port: c.port, protocol: c.protocol });
    // a hostNetwork pod's wildcard is shown as 0.0.0.0 but taken as Go's dual-stack ":P"
    return { address: c.kind === 'hostNetwork' && c.address === '0.0.0.0' ? '*' : c.address, port: c.port, protocol: c.protocol };
  };
  for (const c of drafts) {
    if (!c.effective || !c.match.socket || c.kind === 'healthCheckNodePort') continue;
    const others = drafts.filter((o) => o !== c && o.match.socket && o.kind !== 'healthCheckNodePort' && o.owner !== c.owner && bindsConflict(sock(c), sock(o), nodeIP));
    if (others.length) c.note = [c.note, `also claimed by ${others.map((o) => `${o.kind} ${o.owner} (${formatBind(sock(o))})`).join(', ')}: the addresses overlap, so only one bind() succeeds (EADDRINUSE for the other)`].filter(Boolean).join('; ');
  }
  return drafts.map(({ match: _m, ...claim }) => claim).sort((a, b) => a.port - b.port || a.protocol.localeCompare(b.protocol) || a.kind.localeCompare(b.kind) || a.owner.localeCompare(b.owner));
}
