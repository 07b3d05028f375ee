/**
 * Who claims each (address, port, protocol) on a node, and who really receives the traffic.
 *
 * Claims come from the objects (NodePorts, health-check node ports, portmap hostPorts, hostNetwork pods' declared
 * ports) and from NodeHostState listeners. Whether a claim is effective is not guessed from a precedence table:
 * each distinct address/port is traced from outside the node (from the node itself for loopback addresses)
 * through the same dataplane the trace engine models (kube-proxy iptables or nftables, portmap, Cilium's eBPF
 * datapath), in the claim's own address family, and the claim that the packet reaches is the effective one.
 */
import { QueryError } from '../model/errors';
import type { PortClaim, TraceHop, TraceResult } from '../model/results';
import type { Protocol, Snapshot } from '../model/types';
import { findNode, hostStateOf, isActivePod, nodePrimaryIP } from '../iptables/context';
import { categorizeEndpoints, endpointsFor, nodePortDestinations, servicePortInfo } from '../iptables/kubeproxy';
import { cniPortMappings } from '../iptables/portmap';
import { portmapHostIPMatch } from '../iptables/portmap-family';
import { familyTerms, nftNodePortAddresses } from '../nftables/kubeproxy';
import { ciliumConfigOf } from '../adapter/cilium-config';
import { traceCilium } from '../trace/cilium';
import type { NetworkState } from '../trace/state';
import type { IPFamily } from '../util/ip';
import { servicePortName } from '../iptables/hash';
import { canonicalIP, isLoopback, parseIP } from '../util/ip';
import { bindsConflict, formatBind, hostNetworkBinds, listenerBind, NODE_IP, type SocketBind } from '../scheduling/binds';
import { networkStateOf } from '../trace/state';
import { traceWith } from '../trace/trace';

interface Draft extends PortClaim {
  /** how a trace recognises this claimant */
  match: { pod?: string; svc?: string; socket?: boolean };
}

const WILDCARDS = new Set(['', '0.0.0.0', '*', '::']);
const WILDCARD_OF: Record<IPFamily, string> = { 4: '0.0.0.0', 6: '::' };

/** The address a wildcard claim is probed at: the node's address of the wildcard's family (`::` is IPv6). */
function probeAddress(snapshot: Snapshot, node: string, address: string): { host: string; local: boolean } | undefined {
  if (WILDCARDS.has(address)) {
    const n = findNode(snapshot, node);
    const ip = address === '::' ? nodePrimaryIP(n, 6) : nodePrimaryIP(n);
    return ip ? { host: ip, local: false } : undefined;
  }
  const ip = canonicalIP(address.replace(/^\[|\]$/g, ''));
  if (!ip) return undefined;
  return { host: ip, local: isLoopback(ip) };
}

/** The families the node has an address of: a dual-stack node holds a claim in each. */
function nodeFamilies(snapshot: Snapshot, node: string): IPFamily[] {
  const n = findNode(snapshot, node);
  const fams = new Set<IPFamily>();
  for (const a of [n?.internalIP, ...(n?.addresses ?? []).filter((x) => x.type === 'InternalIP' || x.type === 'ExternalIP').map((x) => x.address)]) {
    const f = a ? parseIP(a)?.family : undefined;
    if (f) fams.add(f);
  }
  return [...fams].sort();
}

/** The local addresses a NodePort answers on in a family, by dataplane ('0.0.0.0'/'::' standing for all of them). */
function nodePortAddresses(snapshot: Snapshot, node: string, family: IPFamily): string[] {
  const kind = snapshot.profile.dataplane?.kind ?? (snapshot.profile.kubeProxy.mode === 'nftables' ? 'kube-proxy-nftables' : 'kube-proxy-iptables');
  if (kind === 'cilium-kube-proxy-replacement') return [WILDCARD_OF[family]];
  if (kind === 'kube-proxy-nftables') {
    const d = nftNodePortAddresses(snapshot, node, familyTerms(family === 4 ? 'ip' : 'ip6'));
    return d.matchAll ? [WILDCARD_OF[family]] : d.ips;
  }
  if (kind !== 'kube-proxy-iptables') return [];
  const d = nodePortDestinations(snapshot, node, family);
  return d.matchAll ? [WILDCARD_OF[family]] : d.ips;
}

function enumerate(snapshot: Snapshot, node: string): Draft[] {
  const out: Draft[] = [];
  const kp = snapshot.profile.kubeProxy;
  const dp = snapshot.profile.dataplane?.kind ?? (kp.mode === 'nftables' ? 'kube-proxy-nftables' : kp.mode === 'ipvs' ? 'kube-proxy-ipvs' : 'kube-proxy-iptables');
  const cilium = dp === 'cilium-kube-proxy-replacement' ? ciliumConfigOf(snapshot.profile) : undefined;
  const families = nodeFamilies(snapshot, node);
  if (dp !== 'kube-proxy-ipvs') {
    for (const svc of snapshot.services) {
      for (const port of svc.ports) {
        if (port.nodePort === 0) continue;
        const name = servicePortName(svc.namespace, svc.name, port.name);
        // each family's proxier (or Cilium's LB map of that family) serves the Service only where it has a cluster IP of it
        for (const family of families) {
          const info = servicePortInfo(svc, port, family);
          if (!info) continue;
          const { cluster, local, hasAny } = categorizeEndpoints(endpointsFor(snapshot, svc, port, node, undefined, family), info);
          let note: string;
          if (!hasAny) note = cilium ? `no backends: Cilium answers by service-no-backend-response (${cilium.noBackendResponse})` : `no endpoints: ${dp === 'kube-proxy-nftables' ? 'the no-endpoint-nodeports map rejects' : 'filter KUBE-EXTERNAL-SERVICES REJECTs'} this port for every local address`;
          else if (info.externalPolicyLocal && local.length === 0) note = `externalTrafficPolicy Local and no endpoint on ${node}: external traffic is DROPped (pods and the node itself still reach the ${cluster.length} cluster endpoint(s))`;
          else if (cilium) note = `Cilium's eBPF NodePort to ${info.externalPolicyLocal ? local.length : cluster.length} backend(s), also on 127.0.0.1 through socket-LB; no socket, and bind() to it is ${cilium.nodePortBindProtection ? 'refused (node-port-bind-protection)' : 'allowed'}`;
          else note = `DNAT to ${info.externalPolicyLocal ? local.length : cluster.length} endpoint(s)${dp === 'kube-proxy-iptables' && family === 4 && kp.localhostNodePorts ? ', also on 127.0.0.1' : ''}; kube-proxy holds no socket (removed in 1.24)`;
          for (const address of nodePortAddresses(snapshot, node, family)) {
            out.push({ node, address, port: port.nodePort, protocol: port.protocol, kind: 'nodePort', owner: name, effective: false, note, match: { svc: name } });
          }
        }
      }
      if (!cilium && svc.type === 'LoadBalancer' && svc.externalTrafficPolicy === 'Local' && svc.healthCheckNodePort) {
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
      // portmap maps each container address in its own family's table (0.0.0.0 is IPv4 only, :: IPv6 only)
      for (const family of families) {
        const podIP = pod.podIPs.find((ip) => parseIP(ip)?.family === family);
        if (!podIP || !portmapHostIPMatch(m.hostIP, family).applies) continue;
        const native = cilium?.hostPort;
        out.push({
          node,
          address: m.hostIP || WILDCARD_OF[family],
          port: m.hostPort,
          protocol: m.protocol.toUpperCase() as Protocol,
          kind: 'hostPort',
          owner: ref,
          effective: false,
          note: native
            ? `Cilium's eBPF hostPort to ${podIP}:${m.containerPort}, on the node's own addresses only; no socket is opened on the node`
            : !pm
              ? 'the CNI conflist has no portmap plugin: this hostPort is scheduler bookkeeping only, nothing forwards it'
              : `portmap${pm.backend === 'nftables' ? ' (nftables backend, table cni_hostport)' : ''} DNAT to ${podIP}:${m.containerPort}; no socket is opened on the node`,
          match: { pod: ref },
        });
      }
    }
  }
  for (const l of hostStateOf(snapshot, node)?.listeners ?? []) {
    out.push({ node, address: l.address, port: l.port, protocol: l.protocol, kind: 'host-listener', owner: l.process ?? (l.pid ? `pid ${l.pid}` : 'unknown process'), effective: false, match: { socket: true } });
  }
  return out;
}

/** The Service port a NodePort hop names: an iptables rule comment, an nftables chain name, a Cilium lookup verdict. */
function nodePortOf(h: TraceHop): string | undefined {
  if (h.table === 'nat' && h.chain === 'KUBE-NODEPORTS' && h.verdict.startsWith('jump')) return /--comment (?:"([^"]+?)"|(\S+))/.exec(h.rule)?.slice(1).find(Boolean);
  const nft = /^external-[A-Z2-7]{8}-([^/]+)\/([^/]+)\/[^/]+\/(.*)$/.exec(h.chain);
  if (h.table.endsWith(' kube-proxy') && nft) return servicePortName(nft[1] as string, nft[2] as string, nft[3] as string);
  const cil = h.table === 'bpf' ? /^NodePort (\S+?):? \d+ backend/.exec(h.verdict) ?? /^NodePort (\S+?) has no backends/.exec(h.rule) : null;
  return cil ? (cil[1] as string) : undefined;
}

function receiverOf(r: TraceResult): { kind: 'socket' | 'pod' | 'nodePort' | 'blocked' | 'none'; svc?: string; pod?: string; text: string } {
  const d = [...r.destinations].sort((a, b) => b.probability - a.probability)[0];
  const hops = d?.hops ?? r.hops;
  const npSvc = hops.map(nodePortOf).find(Boolean);
  const npHop = npSvc ? { rule: `--comment ${npSvc}` } : undefined;
  const svcFromComment = (rule: string) => /--comment (?:"([^"]+?)(?: has no (?:local )?endpoints)?"|(\S+))/.exec(rule)?.slice(1).find(Boolean);
  if (!d) return { kind: 'none', text: 'nothing' };
  if (d.outcome === 'rejected' || d.outcome === 'dropped') {
    const h = [...hops].reverse().find((x) => x.verdict.startsWith('REJECT') || x.verdict.startsWith('DROP'));
    const svc = npSvc ?? (h ? svcFromComment(h.rule) : undefined);
    return { kind: 'blocked', svc, text: `${d.outcome} by ${d.by ?? 'a rule'}${svc ? ` (${svc})` : ''}` };
  }
  if (npHop) {
    const svc = svcFromComment(npHop.rule);
    const how = hops.some((h) => h.table === 'bpf') ? "Cilium's NodePort lookup finds it before its hostPort and before the stack" : hops.some((h) => h.table.endsWith(' kube-proxy')) ? "kube-proxy's nftables table DNATs before local delivery" : 'KUBE-NODEPORTS DNATs before CNI-HOSTPORT-DNAT and before local delivery';
    return { kind: 'nodePort', svc, text: `NodePort ${svc} (${how})` };
  }
  if (d.outcome === 'delivered-to-host-socket') return { kind: 'socket', pod: d.pod, text: `the socket on ${d.ip}:${d.port}` };
  const hostPortDNAT = (h: TraceHop) => (h.chain.startsWith('CNI-DN-') || h.table.endsWith(' cni_hostport') || (h.table === 'bpf' && /^HostPort /.test(h.rule))) && h.verdict.startsWith('DNAT');
  if (d.outcome === 'delivered' && hops.some(hostPortDNAT)) {
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
  const cilium = snapshot.profile.dataplane?.kind === 'cilium-kube-proxy-replacement';
  const traceOf = (st: NetworkState, req: Parameters<typeof traceWith>[1]) => (cilium ? traceCilium(st, req) : traceWith(st, req));
  const probes = new Map<string, ReturnType<typeof receiverOf> | undefined>();
  const claimants = new Map<string, number>();
  for (const c of drafts) claimants.set(`${c.port}/${c.protocol}`, (claimants.get(`${c.port}/${c.protocol}`) ?? 0) + 1);
  for (const c of drafts) {
    // an uncontested claim receives its own traffic; only ports with several claimants need a trace
    if (claimants.get(`${c.port}/${c.protocol}`) === 1) {
      c.effective = c.kind !== 'hostPort' || !!snapshot.profile.cni.portmap || (cilium && ciliumConfigOf(snapshot.profile).hostPort);
      continue;
    }
    const probe = probeAddress(snapshot, nodeName, c.address);
    const key = `${probe?.host}|${probe?.local}|${c.port}|${c.protocol}`;
    if (!probes.has(key)) {
      probes.set(key, probe ? receiverOf(traceOf(state, {
        toHost: probe.host,
        port: c.port,
        protocol: c.protocol,
        from: probe.local ? { kind: 'localhost', node: nodeName } : { kind: 'external' },
        at: nodeName,
      })) : undefined);
    }
    const recv = probes.get(key);
    if (!recv) {
      c.note = [c.note, `address ${c.address} is not probed (the node has no address of its family, or it is unparsable)`].filter(Boolean).join('; ');
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
