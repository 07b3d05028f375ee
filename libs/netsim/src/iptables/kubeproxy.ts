/**
 * The nat and filter rules kube-proxy (iptables mode, pkg/proxy/iptables/proxier.go syncProxyRules, ~1.31-1.33)
 * holds on one node. Rule argument order follows the proxier's natRules/filterRules.Write calls so rule texts
 * match upstream's expected dumps.
 */
import type { Endpoint, EndpointSlice, KubeProxyConfig, Service, ServicePort, Snapshot } from '../model/types';
import { cidrContains, isIPv4, joinHostPort, parseCIDR } from '../util/ip';
import { findNode, nodeLocalAddresses, nodePodCIDR } from './context';
import { endpointChainName, portProtoHash, servicePortName } from './hash';
import { appendRule, ensureChain, ensureTable, emptyRuleset, hexMark, prependRule, type Ruleset, type Table } from './model';

export const KUBE_SERVICES = 'KUBE-SERVICES';
export const KUBE_EXTERNAL_SERVICES = 'KUBE-EXTERNAL-SERVICES';
export const KUBE_NODEPORTS = 'KUBE-NODEPORTS';
export const KUBE_POSTROUTING = 'KUBE-POSTROUTING';
export const KUBE_MARK_MASQ = 'KUBE-MARK-MASQ';
export const KUBE_FORWARD = 'KUBE-FORWARD';
export const KUBE_PROXY_FIREWALL = 'KUBE-PROXY-FIREWALL';
export const KUBE_FIREWALL = 'KUBE-FIREWALL';

/** pkg/proxy/metrics LocalhostNodePortAcceptedNFAcctCounter */
export const LOCALHOST_NODEPORT_NFACCT_COUNTER = 'localhost_nps_accepted_pkts';

/** proxier.go largeClusterEndpointsThreshold: above it, per-endpoint comments are dropped. */
export const LARGE_CLUSTER_ENDPOINTS_THRESHOLD = 1000;

export interface ResolvedEndpoint {
  ip: string;
  port: number;
  /** "ip:port" (Endpoint.String()) */
  key: string;
  nodeName?: string;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  local: boolean;
}

/**
 * Endpoints of one service port from the EndpointSlices (EndpointSliceCache): the first address of each
 * endpoint, the slice port with the same name and protocol, de-duplicated by ip:port, sorted by that string.
 */
export function endpointsFor(snapshot: Snapshot, svc: Service, port: ServicePort, nodeName: string, slices?: EndpointSlice[]): ResolvedEndpoint[] {
  const out = new Map<string, ResolvedEndpoint>();
  for (const s of slices ?? snapshot.endpointSlices) {
    if (s.namespace !== svc.namespace || s.serviceName !== svc.name || s.addressType !== 'IPv4') continue;
    const sp = s.ports.find((p) => p.name === port.name && p.protocol === port.protocol);
    if (!sp || !sp.port) continue;
    for (const e of s.endpoints as Endpoint[]) {
      const ip = e.addresses[0];
      if (!ip || !isIPv4(ip)) continue;
      const key = joinHostPort(ip, sp.port);
      if (out.has(key)) continue;
      out.set(key, {
        ip,
        port: sp.port,
        key,
        nodeName: e.nodeName,
        ready: e.ready,
        serving: e.serving,
        terminating: e.terminating,
        local: !!e.nodeName && e.nodeName === nodeName,
      });
    }
  }
  return [...out.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

export interface ServicePortInfo {
  svc: Service;
  port: ServicePort;
  name: string;
  protocol: string;
  clusterIP: string;
  externallyAccessible: boolean;
  internalPolicyLocal: boolean;
  externalPolicyLocal: boolean;
  usesClusterEndpoints: boolean;
  usesLocalEndpoints: boolean;
}

export function servicePortInfo(svc: Service, port: ServicePort): ServicePortInfo | undefined {
  if (svc.type === 'ExternalName') return undefined;
  const clusterIP = [svc.clusterIP, ...svc.clusterIPs].find((ip) => ip && ip !== 'None' && isIPv4(ip));
  if (!clusterIP) return undefined;
  const externallyAccessible = port.nodePort !== 0 || svc.externalIPs.some(isIPv4) || svc.loadBalancerIPs.some(isIPv4);
  const internalPolicyLocal = svc.internalTrafficPolicy === 'Local';
  const externalPolicyLocal = externallyAccessible && svc.externalTrafficPolicy === 'Local';
  return {
    svc,
    port,
    name: servicePortName(svc.namespace, svc.name, port.name),
    protocol: port.protocol.toLowerCase(),
    clusterIP,
    externallyAccessible,
    internalPolicyLocal,
    externalPolicyLocal,
    // pkg/proxy/serviceport.go UsesClusterEndpoints / UsesLocalEndpoints
    usesClusterEndpoints: !internalPolicyLocal || (externallyAccessible && !externalPolicyLocal),
    usesLocalEndpoints: internalPolicyLocal || (externallyAccessible && externalPolicyLocal),
  };
}

/** pkg/proxy/topology.go CategorizeEndpoints (without topology hints). */
export function categorizeEndpoints(eps: ResolvedEndpoint[], info: ServicePortInfo): {
  cluster: ResolvedEndpoint[];
  local: ResolvedEndpoint[];
  allReachable: ResolvedEndpoint[];
  hasAny: boolean;
} {
  let cluster: ResolvedEndpoint[] = [];
  let local: ResolvedEndpoint[] = [];
  let hasAny = false;
  if (info.usesClusterEndpoints) {
    cluster = eps.filter((e) => e.ready);
    if (cluster.length === 0) cluster = eps.filter((e) => e.serving && e.terminating);
    if (cluster.length > 0) hasAny = true;
  }
  if (!info.usesLocalEndpoints) return { cluster, local, allReachable: cluster, hasAny };
  let hasLocalReady = false;
  let hasLocalServingTerminating = false;
  for (const e of eps) {
    if (e.ready) {
      hasAny = true;
      if (e.local) hasLocalReady = true;
    } else if (e.serving && e.terminating) {
      hasAny = true;
      if (e.local) hasLocalServingTerminating = true;
    }
  }
  let useServingTerminating = false;
  if (hasLocalReady) local = eps.filter((e) => e.local && e.ready);
  else if (hasLocalServingTerminating) {
    useServingTerminating = true;
    local = eps.filter((e) => e.local && e.serving && e.terminating);
  }
  if (!info.usesClusterEndpoints) return { cluster, local, allReachable: local, hasAny };
  if (!useServingTerminating) return { cluster, local, allReachable: cluster, hasAny };
  const merged = new Map<string, ResolvedEndpoint>();
  for (const e of [...cluster, ...local]) merged.set(e.key, e);
  return { cluster, local, allReachable: [...merged.values()], hasAny };
}

/** Go's %0.10f for the statistic rules (proxier.probability). */
export function probability(n: number): string {
  return (1 / n).toFixed(10);
}

interface DetectLocal {
  ifLocal: string[];
  ifNotLocal: string[];
}

/** pkg/proxy/util/localdetector.go: ClusterCIDR / NodeCIDR / BridgeInterface / InterfaceNamePrefix. */
export function detectLocal(kp: KubeProxyConfig, snapshot: Snapshot, nodeName: string): DetectLocal | undefined {
  const mode = kp.detectLocalMode || (kp.clusterCIDR ? 'ClusterCIDR' : '');
  const v4 = (list: string) => list.split(',').map((s) => s.trim()).find((c) => isIPv4(c.split('/')[0]));
  if (mode === 'ClusterCIDR') {
    const c = kp.clusterCIDR ? v4(kp.clusterCIDR) : undefined;
    return c ? { ifLocal: ['-s', c], ifNotLocal: ['!', '-s', c] } : undefined;
  }
  if (mode === 'NodeCIDR') {
    const c = nodePodCIDR(findNode(snapshot, nodeName));
    return c ? { ifLocal: ['-s', c], ifNotLocal: ['!', '-s', c] } : undefined;
  }
  if (mode === 'BridgeInterface') {
    const b = snapshot.profile.cni.bridge;
    return b ? { ifLocal: ['-i', b], ifNotLocal: ['!', '-i', b] } : undefined;
  }
  return undefined;
}

export interface KubeProxyRenderOptions {
  /** nf_conntrack_tcp_be_liberal != 0 drops the INVALID rule; default false (rule present) */
  conntrackTCPLiberal?: boolean;
}

/** Which local addresses KUBE-SERVICES sends to KUBE-NODEPORTS when nodePortAddresses is set. */
export function nodePortDestinations(snapshot: Snapshot, nodeName: string): { matchAll: boolean; ips: string[] } {
  const kp = snapshot.profile.kubeProxy;
  const cidrs = kp.nodePortAddresses.filter((c) => c !== 'primary');
  const wantPrimary = kp.nodePortAddresses.includes('primary');
  if (kp.nodePortAddresses.length === 0 || cidrs.some((c) => c === '0.0.0.0/0')) return { matchAll: true, ips: [] };
  const node = findNode(snapshot, nodeName);
  // GetNodeIPs walks the interfaces: loopback first, then the node's addresses
  const candidates = ['127.0.0.1', ...nodeLocalAddresses(snapshot, nodeName)];
  const ips: string[] = [];
  for (const ip of candidates) {
    if (!isIPv4(ip)) continue;
    if (ip.startsWith('127.') && !kp.localhostNodePorts) continue;
    const inCidr = cidrs.some((c) => {
      const p = parseCIDR(c);
      return !!p && cidrContains(p, ip);
    });
    const primary = wantPrimary && (ip === node?.internalIP || node?.addresses.some((a) => a.type === 'InternalIP' && a.address === ip));
    if ((inCidr || primary) && !ips.includes(ip)) ips.push(ip);
  }
  return { matchAll: false, ips };
}

export function containsIPv4Loopback(kp: KubeProxyConfig): boolean {
  if (kp.nodePortAddresses.length === 0) return true;
  return kp.nodePortAddresses.some((c) => {
    const p = parseCIDR(c);
    return !!p && cidrContains(p, '127.0.0.1');
  });
}

/**
 * iptablesKubeletJumpChains + iptablesJumpChains; each is EnsureRule(Prepend), which leaves an existing rule
 * where it is. The kubelet installs the KUBE-FIREWALL jumps before kube-proxy's first sync, so on real nodes they
 * sit after kube-proxy's jumps: they are listed (prepended) first here.
 */
export const KUBE_PROXY_JUMPS: ReadonlyArray<{ table: string; chain: string; args: string[] }> = [
  { table: 'filter', chain: 'INPUT', args: ['-j', KUBE_FIREWALL] },
  { table: 'filter', chain: 'OUTPUT', args: ['-j', KUBE_FIREWALL] },
  { table: 'filter', chain: 'INPUT', args: ['-m', 'conntrack', '--ctstate', 'NEW', '-m', 'comment', '--comment', 'kubernetes externally-visible service portals', '-j', KUBE_EXTERNAL_SERVICES] },
  { table: 'filter', chain: 'FORWARD', args: ['-m', 'conntrack', '--ctstate', 'NEW', '-m', 'comment', '--comment', 'kubernetes externally-visible service portals', '-j', KUBE_EXTERNAL_SERVICES] },
  { table: 'filter', chain: 'INPUT', args: ['-m', 'comment', '--comment', 'kubernetes health check service ports', '-j', KUBE_NODEPORTS] },
  { table: 'filter', chain: 'FORWARD', args: ['-m', 'conntrack', '--ctstate', 'NEW', '-m', 'comment', '--comment', 'kubernetes service portals', '-j', KUBE_SERVICES] },
  { table: 'filter', chain: 'OUTPUT', args: ['-m', 'conntrack', '--ctstate', 'NEW', '-m', 'comment', '--comment', 'kubernetes service portals', '-j', KUBE_SERVICES] },
  { table: 'filter', chain: 'FORWARD', args: ['-m', 'comment', '--comment', 'kubernetes forwarding rules', '-j', KUBE_FORWARD] },
  { table: 'filter', chain: 'INPUT', args: ['-m', 'conntrack', '--ctstate', 'NEW', '-m', 'comment', '--comment', 'kubernetes load balancer firewall', '-j', KUBE_PROXY_FIREWALL] },
  { table: 'filter', chain: 'OUTPUT', args: ['-m', 'conntrack', '--ctstate', 'NEW', '-m', 'comment', '--comment', 'kubernetes load balancer firewall', '-j', KUBE_PROXY_FIREWALL] },
  { table: 'filter', chain: 'FORWARD', args: ['-m', 'conntrack', '--ctstate', 'NEW', '-m', 'comment', '--comment', 'kubernetes load balancer firewall', '-j', KUBE_PROXY_FIREWALL] },
  { table: 'nat', chain: 'OUTPUT', args: ['-m', 'comment', '--comment', 'kubernetes service portals', '-j', KUBE_SERVICES] },
  { table: 'nat', chain: 'PREROUTING', args: ['-m', 'comment', '--comment', 'kubernetes service portals', '-j', KUBE_SERVICES] },
  { table: 'nat', chain: 'POSTROUTING', args: ['-m', 'comment', '--comment', 'kubernetes postrouting rules', '-j', KUBE_POSTROUTING] },
];

/** Everything both rendering passes need about one service port on one node. */
interface PortPlan {
  info: ServicePortInfo;
  cluster: ResolvedEndpoint[];
  local: ResolvedEndpoint[];
  allReachable: ResolvedEndpoint[];
  hasAny: boolean;
  hash: string;
  internalChain: string;
  hasInternal: boolean;
  externalPolicyChain: string;
  hasExternal: boolean;
  usesExternalChain: boolean;
  usesFW: boolean;
  lbIPs: string[];
  extIPs: string[];
}

/**
 * The per-node kube-proxy rendering, split in two passes so traces can materialize per-service chains on demand:
 * `dispatch` writes the fixed chains and every rule in KUBE-SERVICES / KUBE-NODEPORTS / the filter chains;
 * `serviceChains(i)` writes port i's KUBE-SVC/SVL/EXT/FW/SEP chains. Running both for every port, in port order,
 * is exactly renderKubeProxy.
 */
export interface KubeProxyPlan {
  ports: PortPlan[];
  /** portProtoHash -> index in ports */
  byHash: Map<string, number>;
  dispatch(rs: Ruleset): void;
  serviceChains(rs: Ruleset, index: number): void;
}

export function planKubeProxy(snapshot: Snapshot, nodeName: string, opts: KubeProxyRenderOptions = {}): KubeProxyPlan {
  const kp = snapshot.profile.kubeProxy;
  const detector = detectLocal(kp, snapshot, nodeName);
  const infos: ServicePortInfo[] = [];
  for (const svc of snapshot.services) for (const p of svc.ports) {
    const info = servicePortInfo(svc, p);
    if (info) infos.push(info);
  }
  infos.sort((a, b) => (a.name + a.protocol < b.name + b.protocol ? -1 : 1));
  const slicesByService = new Map<string, EndpointSlice[]>();
  for (const s of snapshot.endpointSlices) {
    const k = `${s.namespace}/${s.serviceName}`;
    const list = slicesByService.get(k);
    if (list) list.push(s);
    else slicesByService.set(k, [s]);
  }
  const resolved = infos.map((info) => endpointsFor(snapshot, info.svc, info.port, nodeName, slicesByService.get(`${info.svc.namespace}/${info.svc.name}`) ?? []));
  const totalEndpoints = resolved.reduce((n, e) => n + e.length, 0);
  const largeCluster = totalEndpoints > LARGE_CLUSTER_ENDPOINTS_THRESHOLD;
  const epComment = (text: string): string[] => (largeCluster ? [] : ['-m', 'comment', '--comment', text]);
  const localAddrs = findNode(snapshot, nodeName) ? nodeLocalAddresses(snapshot, nodeName) : [];
  const mark = hexMark(1 << kp.masqueradeBit);
  const markMask = `${mark}/${mark}`;

  const ports: PortPlan[] = infos.map((info, i) => {
    const { cluster, local, allReachable, hasAny } = categorizeEndpoints(resolved[i], info);
    const hash = portProtoHash(info.name, info.protocol);
    let internalChain = `KUBE-SVC-${hash}`;
    let hasInternal = hasAny;
    if (info.internalPolicyLocal) {
      internalChain = `KUBE-SVL-${hash}`;
      if (local.length === 0) hasInternal = false;
    }
    let externalPolicyChain = `KUBE-SVC-${hash}`;
    let hasExternal = hasAny;
    if (info.externalPolicyLocal) {
      externalPolicyChain = `KUBE-SVL-${hash}`;
      if (local.length === 0) hasExternal = false;
    }
    const lbIPs = info.svc.loadBalancerIPs.filter(isIPv4);
    return {
      info,
      cluster,
      local,
      allReachable,
      hasAny,
      hash,
      internalChain,
      hasInternal,
      externalPolicyChain,
      hasExternal,
      usesExternalChain: hasAny && info.externallyAccessible,
      usesFW: hasAny && lbIPs.length > 0 && info.svc.loadBalancerSourceRanges.length > 0,
      lbIPs,
      extIPs: info.svc.externalIPs.filter(isIPv4),
    };
  });
  const byHash = new Map<string, number>();
  ports.forEach((p, i) => byHash.set(p.hash, i));

  const dispatch = (rs: Ruleset) => {
    const filter = ensureTable(rs, 'filter');
    const nat = ensureTable(rs, 'nat');
    for (const c of [KUBE_SERVICES, KUBE_EXTERNAL_SERVICES, KUBE_FORWARD, KUBE_NODEPORTS, KUBE_PROXY_FIREWALL, KUBE_FIREWALL]) ensureChain(filter, c);
    for (const c of [KUBE_SERVICES, KUBE_NODEPORTS, KUBE_POSTROUTING, KUBE_MARK_MASQ]) ensureChain(nat, c);
    for (const j of KUBE_PROXY_JUMPS) prependRule(j.table === 'nat' ? nat : filter, j.chain, j.args);
    // nat fixed rules (proxier.go: KUBE-POSTROUTING, KUBE-MARK-MASQ)
    appendRule(nat, KUBE_POSTROUTING, ['-m', 'mark', '!', '--mark', markMask, '-j', 'RETURN']);
    appendRule(nat, KUBE_POSTROUTING, ['-j', 'MARK', '--xor-mark', mark]);
    appendRule(nat, KUBE_POSTROUTING, ['-m', 'comment', '--comment', 'kubernetes service traffic requiring SNAT', '-j', 'MASQUERADE', ...(snapshot.profile.iptablesHasRandomFully ? ['--random-fully'] : [])]);
    appendRule(nat, KUBE_MARK_MASQ, ['-j', 'MARK', '--or-mark', mark]);

    const localhostNfacct = kp.localhostNodePorts && snapshot.profile.iptablesHasNfacct === true;
    for (const p of ports) writeDispatch(nat, filter, p, localhostNfacct);

    // the tail-call to KUBE-NODEPORTS must stay the last KUBE-SERVICES rule
    const npComment = ['-m', 'comment', '--comment', 'kubernetes service nodeports; NOTE: this must be the last rule in this chain'];
    const dests = nodePortDestinations(snapshot, nodeName);
    if (dests.matchAll) {
      appendRule(nat, KUBE_SERVICES, [...npComment, '-m', 'addrtype', '--dst-type', 'LOCAL', ...(kp.localhostNodePorts ? [] : ['!', '-d', '127.0.0.0/8']), '-j', KUBE_NODEPORTS]);
    } else {
      for (const ip of dests.ips) appendRule(nat, KUBE_SERVICES, [...npComment, '-d', ip, '-j', KUBE_NODEPORTS]);
    }

    if (kp.localhostNodePorts && containsIPv4Loopback(kp)) {
      appendRule(filter, KUBE_FIREWALL, ['-m', 'comment', '--comment', 'block incoming localnet connections', '-d', '127.0.0.0/8', '!', '-s', '127.0.0.0/8', '-m', 'conntrack', '!', '--ctstate', 'RELATED,ESTABLISHED,DNAT', '-j', 'DROP']);
    }
    if (!opts.conntrackTCPLiberal) appendRule(filter, KUBE_FORWARD, ['-m', 'conntrack', '--ctstate', 'INVALID', '-j', 'DROP']);
    appendRule(filter, KUBE_FORWARD, ['-m', 'comment', '--comment', 'kubernetes forwarding rules', '-m', 'mark', '--mark', markMask, '-j', 'ACCEPT']);
    appendRule(filter, KUBE_FORWARD, ['-m', 'comment', '--comment', 'kubernetes forwarding conntrack rule', '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'ACCEPT']);
  };

  const serviceChains = (rs: Ruleset, index: number) => writeServiceChains(ensureTable(rs, 'nat'), ports[index], detector, kp, epComment, localAddrs);

  return { ports, byHash, dispatch, serviceChains };
}

/**
 * kube-proxy's rules on `nodeName`, including the jump rules it prepends to the built-in chains.
 * `into` lets renderNode add portmap's rules to the same tables afterwards.
 */
export function renderKubeProxy(snapshot: Snapshot, nodeName: string, opts: KubeProxyRenderOptions = {}, into?: Ruleset): Ruleset {
  const rs = into ?? emptyRuleset();
  const plan = planKubeProxy(snapshot, nodeName, opts);
  plan.dispatch(rs);
  for (let i = 0; i < plan.ports.length; i++) plan.serviceChains(rs, i);
  return rs;
}

/** Rules that capture a service port's traffic: KUBE-SERVICES / KUBE-NODEPORTS (nat) and the filter REJECT/DROP/ACCEPT rules. */
function writeDispatch(nat: Table, filter: Table, plan: PortPlan, localhostNfacct: boolean): void {
  const { info, hasAny, hasInternal, hasExternal, usesFW, lbIPs, extIPs, hash } = plan;
  const { svc, port, name: S, protocol: P } = info;
  const extChain = `KUBE-EXT-${hash}`;
  const fwChain = `KUBE-FW-${hash}`;
  const lbChain = usesFW ? fwChain : extChain;
  let internalFilterTarget = '';
  let internalFilterComment = '';
  let externalFilterTarget = '';
  let externalFilterComment = '';
  if (!hasAny) {
    internalFilterTarget = externalFilterTarget = 'REJECT';
    internalFilterComment = externalFilterComment = `${S} has no endpoints`;
  } else {
    if (!hasInternal) {
      internalFilterTarget = 'DROP';
      internalFilterComment = `${S} has no local endpoints`;
    }
    if (!hasExternal) {
      externalFilterTarget = 'DROP';
      externalFilterComment = `${S} has no local endpoints`;
    }
  }
  const dport = String(port.port);
  const proto = ['-m', P, '-p', P];

  // cluster IP
  if (hasInternal) {
    appendRule(nat, KUBE_SERVICES, ['-m', 'comment', '--comment', `${S} cluster IP`, ...proto, '-d', info.clusterIP, '--dport', dport, '-j', plan.internalChain]);
  } else {
    appendRule(filter, KUBE_SERVICES, ['-m', 'comment', '--comment', internalFilterComment, ...proto, '-d', info.clusterIP, '--dport', dport, '-j', internalFilterTarget]);
  }
  // external IPs
  for (const ip of extIPs) {
    if (hasAny) appendRule(nat, KUBE_SERVICES, ['-m', 'comment', '--comment', `${S} external IP`, ...proto, '-d', ip, '--dport', dport, '-j', extChain]);
    if (!hasExternal) appendRule(filter, KUBE_EXTERNAL_SERVICES, ['-m', 'comment', '--comment', externalFilterComment, ...proto, '-d', ip, '--dport', dport, '-j', externalFilterTarget]);
  }
  // load-balancer ingress IPs
  for (const ip of lbIPs) {
    if (hasAny) appendRule(nat, KUBE_SERVICES, ['-m', 'comment', '--comment', `${S} loadbalancer IP`, ...proto, '-d', ip, '--dport', dport, '-j', lbChain]);
    if (usesFW) appendRule(filter, KUBE_PROXY_FIREWALL, ['-m', 'comment', '--comment', `${S} traffic not accepted by ${fwChain}`, ...proto, '-d', ip, '--dport', dport, '-j', 'DROP']);
  }
  if (!hasExternal) {
    for (const ip of lbIPs) appendRule(filter, KUBE_EXTERNAL_SERVICES, ['-m', 'comment', '--comment', externalFilterComment, ...proto, '-d', ip, '--dport', dport, '-j', externalFilterTarget]);
  }
  // node port
  if (port.nodePort !== 0) {
    // the localhost copy counts accepted localhost NodePort packets (proxier.go, LocalhostNodePortAcceptedNFAcctCounter)
    if (hasAny && localhostNfacct) appendRule(nat, KUBE_NODEPORTS, ['-m', 'comment', '--comment', S, ...proto, '-d', '127.0.0.0/8', '--dport', String(port.nodePort), '-m', 'nfacct', '--nfacct-name', LOCALHOST_NODEPORT_NFACCT_COUNTER, '-j', extChain]);
    if (hasAny) appendRule(nat, KUBE_NODEPORTS, ['-m', 'comment', '--comment', S, ...proto, '--dport', String(port.nodePort), '-j', extChain]);
    if (!hasExternal) {
      appendRule(filter, KUBE_EXTERNAL_SERVICES, ['-m', 'comment', '--comment', externalFilterComment, '-m', 'addrtype', '--dst-type', 'LOCAL', ...proto, '--dport', String(port.nodePort), '-j', externalFilterTarget]);
    }
  }
  // health check node port: kube-proxy itself listens there
  if (svc.healthCheckNodePort !== 0 && info.externalPolicyLocal && svc.type === 'LoadBalancer') {
    appendRule(filter, KUBE_NODEPORTS, ['-m', 'comment', '--comment', `${S} health check node port`, '-m', 'tcp', '-p', 'tcp', '--dport', String(svc.healthCheckNodePort), '-j', 'ACCEPT']);
  }
}

/** A service port's own nat chains: KUBE-SVC / KUBE-SVL / KUBE-EXT / KUBE-FW and its KUBE-SEP chains. */
function writeServiceChains(
  nat: Table,
  plan: PortPlan,
  detector: DetectLocal | undefined,
  kp: KubeProxyConfig,
  epComment: (text: string) => string[],
  localAddrs: string[],
): void {
  const { info, cluster, local, allReachable, hash, hasInternal, hasExternal, usesExternalChain, usesFW, lbIPs } = plan;
  const { svc, port, name: S, protocol: P } = info;
  const svcChain = `KUBE-SVC-${hash}`;
  const svlChain = `KUBE-SVL-${hash}`;
  const extChain = `KUBE-EXT-${hash}`;
  const fwChain = `KUBE-FW-${hash}`;
  const sepNames = new Map<string, string>();
  const sepOf = (ep: ResolvedEndpoint): string => {
    let n = sepNames.get(ep.key);
    if (!n) {
      n = endpointChainName(S, P, ep.key);
      sepNames.set(ep.key, n);
    }
    return n;
  };
  const usesClusterPolicyChain = cluster.length > 0 && info.usesClusterEndpoints;
  const usesLocalPolicyChain = local.length > 0 && info.usesLocalEndpoints;
  const dport = String(port.port);
  const proto = ['-m', P, '-p', P];

  // internal traffic: masquerade off-cluster sources reaching the cluster IP
  if (hasInternal) {
    const args = ['-m', 'comment', '--comment', `${S} cluster IP`, ...proto, '-d', info.clusterIP, '--dport', dport];
    if (kp.masqueradeAll) appendRule(nat, plan.internalChain, [...args, '-j', KUBE_MARK_MASQ]);
    else if (detector) appendRule(nat, plan.internalChain, [...args, ...detector.ifNotLocal, '-j', KUBE_MARK_MASQ]);
  }

  if (usesExternalChain) {
    ensureChain(nat, extChain);
    if (!info.externalPolicyLocal) {
      appendRule(nat, extChain, ['-m', 'comment', '--comment', `masquerade traffic for ${S} external destinations`, '-j', KUBE_MARK_MASQ]);
    } else {
      if (detector) appendRule(nat, extChain, ['-m', 'comment', '--comment', `pod traffic for ${S} external destinations`, ...detector.ifLocal, '-j', svcChain]);
      appendRule(nat, extChain, ['-m', 'comment', '--comment', `masquerade LOCAL traffic for ${S} external destinations`, '-m', 'addrtype', '--src-type', 'LOCAL', '-j', KUBE_MARK_MASQ]);
      appendRule(nat, extChain, ['-m', 'comment', '--comment', `route LOCAL traffic for ${S} external destinations`, '-m', 'addrtype', '--src-type', 'LOCAL', '-j', svcChain]);
      // iptables-restore rejects a jump to a chain that does not exist; upstream always has SVC here
      ensureChain(nat, svcChain);
    }
    if (hasExternal) appendRule(nat, extChain, ['-j', plan.externalPolicyChain]);
  }

  if (usesFW) {
    ensureChain(nat, fwChain);
    const base = ['-m', 'comment', '--comment', `${S} loadbalancer IP`];
    let allowFromNode = false;
    for (const cidr of svc.loadBalancerSourceRanges) {
      appendRule(nat, fwChain, [...base, '-s', cidr, '-j', extChain]);
      const c = parseCIDR(cidr);
      if (c && localAddrs.some((a) => cidrContains(c, a))) allowFromNode = true;
    }
    if (allowFromNode) for (const ip of lbIPs) appendRule(nat, fwChain, [...base, '-s', ip, '-j', extChain]);
    appendRule(nat, fwChain, ['-m', 'comment', '--comment', `other traffic to ${S} will be dropped by KUBE-PROXY-FIREWALL`]);
  }

  const writeEndpoints = (chain: string, list: ResolvedEndpoint[]) => {
    ensureChain(nat, chain);
    if (svc.sessionAffinity === 'ClientIP') {
      for (const ep of list) {
        const sep = sepOf(ep);
        appendRule(nat, chain, [...epComment(`${S} -> ${ep.key}`), '-m', 'recent', '--name', sep, '--rcheck', '--seconds', String(svc.sessionAffinityTimeoutSeconds), '--reap', '-j', sep]);
      }
    }
    list.forEach((ep, i) => {
      const sep = sepOf(ep);
      const stat = i < list.length - 1 ? ['-m', 'statistic', '--mode', 'random', '--probability', probability(list.length - i)] : [];
      appendRule(nat, chain, [...epComment(`${S} -> ${ep.key}`), ...stat, '-j', sep]);
    });
  };
  if (usesClusterPolicyChain) writeEndpoints(svcChain, cluster);
  if (usesLocalPolicyChain) writeEndpoints(svlChain, local);

  for (const ep of allReachable) {
    const sep = sepOf(ep);
    ensureChain(nat, sep);
    const c = epComment(S);
    appendRule(nat, sep, [...c, '-s', ep.ip, '-j', KUBE_MARK_MASQ]);
    const affinity = svc.sessionAffinity === 'ClientIP' ? ['-m', 'recent', '--name', sep, '--set'] : [];
    appendRule(nat, sep, [...c, ...affinity, ...proto, '-j', 'DNAT', '--to-destination', ep.key]);
  }
}
