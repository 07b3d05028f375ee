/**
 * The `ip kube-proxy` table kube-proxy's nftables proxier (pkg/proxy/nftables/proxier.go setupNFTables +
 * syncProxyRules, as upstream's proxier_test.go expects it, ~1.35) holds on one node, after a full sync on a fresh node. Objects are created in the
 * proxier's transaction order, which is the order the kernel lists them; service ports are taken in name order
 * (upstream iterates a Go map, so a real node's per-service chain order is arbitrary).
 */
import type { KubeProxyConfig, Snapshot } from '../model/types';
import { categorizeEndpoints, endpointsFor, servicePortInfo, type ResolvedEndpoint, type ServicePortInfo } from '../iptables/kubeproxy';
import { findNode, nodeLocalAddresses, nodePodCIDR } from '../iptables/context';
import { cidrContains, isLoopback, parseCIDR, parseIP } from '../util/ip';
import { addNftRule, addNftSet, emptyTable, ensureNftChain, nftMark, type NftBaseChain, type NftElement, type NftFamily, type NftSet, type NftTable } from './model';
import { NFT_PREFIX, servicePortChainNameBase, servicePortEndpointChainNameBase } from './names';

export const KUBE_PROXY_TABLE = 'kube-proxy';

/**
 * proxier.go nftablesBaseChains (the layout of upstream's proxier_test.go baseRules, ~1.35+): the firewall check
 * runs before DNAT (dstnat - 10) on the original destination; the endpoint and ClusterIP checks run at filter
 * priority, after DNAT, so a DNATed connection no longer matches a ClusterIP there.
 */
export const KUBE_PROXY_BASE_CHAINS: ReadonlyArray<{ name: string } & Omit<NftBaseChain, 'policy'>> = [
  { name: 'filter-prerouting-pre-dnat', type: 'filter', hook: 'prerouting', priority: -110 },
  { name: 'filter-output-pre-dnat', type: 'filter', hook: 'output', priority: -110 },
  { name: 'filter-input', type: 'filter', hook: 'input', priority: 0 },
  { name: 'filter-forward', type: 'filter', hook: 'forward', priority: 0 },
  { name: 'filter-output', type: 'filter', hook: 'output', priority: 0 },
  { name: 'nat-prerouting', type: 'nat', hook: 'prerouting', priority: -100 },
  { name: 'nat-output', type: 'nat', hook: 'output', priority: -100 },
  { name: 'nat-postrouting', type: 'nat', hook: 'postrouting', priority: 100 },
];

/** proxier.go nftablesJumpChains; the rule order within each base chain is baseRules'. */
const JUMP_CHAINS: ReadonlyArray<{ dst: string; src: string; extra: string }> = [
  { dst: 'nodeport-endpoints-check', src: 'filter-input', extra: 'ct state new ' },
  { dst: 'service-endpoints-check', src: 'filter-input', extra: 'ct state new ' },
  { dst: 'service-endpoints-check', src: 'filter-forward', extra: 'ct state new ' },
  { dst: 'service-endpoints-check', src: 'filter-output', extra: 'ct state new ' },
  { dst: 'firewall-check', src: 'filter-prerouting-pre-dnat', extra: 'ct state new ' },
  { dst: 'firewall-check', src: 'filter-output-pre-dnat', extra: 'ct state new ' },
  { dst: 'services', src: 'nat-output', extra: '' },
  { dst: 'services', src: 'nat-prerouting', extra: '' },
  { dst: 'masquerading', src: 'nat-postrouting', extra: '' },
  { dst: 'cluster-ips-check', src: 'filter-forward', extra: 'ct state new ' },
  { dst: 'cluster-ips-check', src: 'filter-output', extra: 'ct state new ' },
];

/** What differs between the `ip` and `ip6` tables (proxier.go ipX / ipvX_addr / noLocalhost). */
export interface NftFamilyTerms {
  family: NftFamily;
  ipX: 'ip' | 'ip6';
  addrType: 'ipv4_addr' | 'ipv6_addr';
  noLocalhost: string;
  matchAllCIDR: string;
}

export function familyTerms(family: NftFamily): NftFamilyTerms {
  return family === 'ip'
    ? { family, ipX: 'ip', addrType: 'ipv4_addr', noLocalhost: 'ip daddr != 127.0.0.0/8', matchAllCIDR: '0.0.0.0/0' }
    : { family, ipX: 'ip6', addrType: 'ipv6_addr', noLocalhost: 'ip6 daddr != ::1', matchAllCIDR: '::/0' };
}

function inFamily(f: NftFamilyTerms, ipOrCidr: string): boolean {
  const ip = parseIP(ipOrCidr.split('/')[0]);
  return !!ip && ip.family === (f.family === 'ip' ? 4 : 6);
}

/**
 * pkg/proxy/util/nodeport_addresses.go for the nftables proxier: an empty list means `primary` (the nftables
 * default, cmd/kube-proxy/app/server_linux.go); `primary` is the node's IP of the family; no CIDR or primary of
 * the family, or the all-zeros CIDR, matches every local address. Loopback addresses never accept NodePorts.
 */
export function nftNodePortAddresses(snapshot: Snapshot, nodeName: string, f: NftFamilyTerms): { matchAll: boolean; ips: string[] } {
  const raw = snapshot.profile.kubeProxy.nodePortAddresses.length > 0 ? snapshot.profile.kubeProxy.nodePortAddresses : ['primary'];
  const cidrs = raw.filter((c) => c !== 'primary' && inFamily(f, c));
  const node = findNode(snapshot, nodeName);
  const primary = raw.includes('primary') ? [node?.internalIP, ...(node?.addresses ?? []).filter((a) => a.type === 'InternalIP').map((a) => a.address)].find((a) => !!a && inFamily(f, a)) : undefined;
  if ((cidrs.length === 0 && !primary) || cidrs.includes(f.matchAllCIDR)) return { matchAll: true, ips: [] };
  const ips: string[] = [];
  for (const ip of nodeLocalAddresses(snapshot, nodeName)) {
    if (!inFamily(f, ip) || isLoopback(ip) || ips.includes(ip)) continue;
    const hit = ip === primary || cidrs.some((c) => {
      const p = parseCIDR(c);
      return !!p && cidrContains(p, ip);
    });
    if (hit) ips.push(ip);
  }
  return { matchAll: false, ips };
}

/** pkg/proxy/util/localdetector.go IfLocalNFT / IfNotLocalNFT. */
function detectLocalNFT(kp: KubeProxyConfig, snapshot: Snapshot, nodeName: string, f: NftFamilyTerms): { ifLocal: string; ifNotLocal: string } | undefined {
  const mode = kp.detectLocalMode || (kp.clusterCIDR ? 'ClusterCIDR' : '');
  let cidr: string | undefined;
  if (mode === 'ClusterCIDR') cidr = kp.clusterCIDR.split(',').map((s) => s.trim()).find((c) => inFamily(f, c));
  else if (mode === 'NodeCIDR') cidr = f.family === 'ip' ? nodePodCIDR(findNode(snapshot, nodeName)) : findNode(snapshot, nodeName)?.podCIDRs.find((c) => inFamily(f, c));
  else if (mode === 'BridgeInterface' && snapshot.profile.cni.bridge) {
    const b = snapshot.profile.cni.bridge;
    return { ifLocal: `iifname "${b}"`, ifNotLocal: `iifname != "${b}"` };
  }
  return cidr ? { ifLocal: `${f.ipX} saddr ${cidr}`, ifNotLocal: `${f.ipX} saddr != ${cidr}` } : undefined;
}

/** An anonymous set as nft prints it back: one element bare, several in ascending address order. */
export function anonymousSet(items: string[]): string {
  if (items.length === 1) return items[0];
  const key = (s: string) => parseIP(s.split('/')[0])?.value ?? 0n;
  const sorted = [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  return `{ ${sorted.join(', ')} }`;
}

/**
 * The service CIDRs kube-proxy drops unallocated ClusterIPs of: it learns them from ServiceCIDR objects; without
 * any in the snapshot, the ClusterProfile's serviceCIDR stands in.
 */
function serviceCIDRsOf(snapshot: Snapshot, f: NftFamilyTerms): string[] {
  const all = snapshot.serviceCIDRs ?? (snapshot.profile.serviceCIDR ?? '').split(',').map((s) => s.trim());
  return all.filter((c) => c && inFamily(f, c));
}

/** nftElementStorage.ensureElem: one element per key (a ClusterIP with several ports is one cluster-ips element). */
function putElement(set: NftSet, e: NftElement): void {
  const i = set.elements.findIndex((x) => x.key === e.key);
  if (i < 0) set.elements.push(e);
  else set.elements[i] = e;
}

export interface NftPortPlan {
  info: ServicePortInfo;
  base: string;
  clusterChain: string;
  localChain: string;
  externalChain: string;
  firewallChain: string;
  endpointChain(ep: ResolvedEndpoint): string;
  affinitySet(ep: ResolvedEndpoint): string;
}

export function renderKubeProxyNft(snapshot: Snapshot, nodeName: string, family: NftFamily = 'ip'): NftTable {
  const f = familyTerms(family);
  const kp = snapshot.profile.kubeProxy;
  const t = emptyTable(family, KUBE_PROXY_TABLE, 'rules for kube-proxy');
  const mark = nftMark(1 << kp.masqueradeBit);
  const np = nftNodePortAddresses(snapshot, nodeName, f);
  const detector = detectLocalNFT(kp, snapshot, nodeName, f);
  const node = findNode(snapshot, nodeName);
  const nodeIP = node?.internalIP ?? node?.addresses.find((a) => a.type === 'InternalIP' && inFamily(f, a.address))?.address;

  // setupNFTables
  for (const bc of KUBE_PROXY_BASE_CHAINS) ensureNftChain(t, bc.name, { base: { type: bc.type, hook: bc.hook, priority: bc.priority, policy: 'accept' } });
  for (const j of JUMP_CHAINS) {
    ensureNftChain(t, j.dst);
    addNftRule(t, j.src, `${j.extra}jump ${j.dst}`);
  }
  ensureNftChain(t, 'mark-for-masquerade');
  addNftRule(t, 'mark-for-masquerade', `meta mark set meta mark | ${mark}`);
  addNftRule(t, 'masquerading', `meta mark & ${mark} == 0x00000000 return`);
  addNftRule(t, 'masquerading', `meta mark set meta mark ^ ${mark}`);
  addNftRule(t, 'masquerading', 'masquerade fully-random');
  const clusterIPs = addNftSet(t, { kind: 'set', name: 'cluster-ips', type: f.addrType, comment: 'Active ClusterIPs' });
  addNftRule(t, 'cluster-ips-check', `${f.ipX} daddr @cluster-ips reject`, 'Reject traffic to invalid ports of ClusterIPs');
  const serviceCIDRs = serviceCIDRsOf(snapshot, f);
  if (serviceCIDRs.length > 0) addNftRule(t, 'cluster-ips-check', `${f.ipX} daddr ${anonymousSet(serviceCIDRs)} drop`, 'Drop traffic to unallocated ClusterIPs');
  if (!np.matchAll) {
    const s = addNftSet(t, { kind: 'set', name: 'nodeport-ips', type: f.addrType, comment: 'IPs that accept NodePort traffic' });
    for (const ip of np.ips) putElement(s, { key: ip });
  }
  const triple = `${f.addrType} . inet_proto . inet_service : verdict`;
  const noEndpointServices = addNftSet(t, { kind: 'map', name: 'no-endpoint-services', type: triple, comment: 'vmap to drop or reject packets to services with no endpoints' });
  const noEndpointNodePorts = addNftSet(t, { kind: 'map', name: 'no-endpoint-nodeports', type: 'inet_proto . inet_service : verdict', comment: 'vmap to drop or reject packets to service nodeports with no endpoints' });
  ensureNftChain(t, 'reject-chain', { comment: 'helper for @no-endpoint-services / @no-endpoint-nodeports' });
  addNftRule(t, 'reject-chain', 'reject');
  addNftRule(t, 'service-endpoints-check', `${f.ipX} daddr . meta l4proto . th dport vmap @no-endpoint-services`);
  addNftRule(t, 'nodeport-endpoints-check', `${np.matchAll ? f.noLocalhost : `${f.ipX} daddr @nodeport-ips`} meta l4proto . th dport vmap @no-endpoint-nodeports`);
  const firewallIPs = addNftSet(t, { kind: 'map', name: 'firewall-ips', type: triple, comment: 'destinations that are subject to LoadBalancerSourceRanges' });
  addNftRule(t, 'firewall-check', `${f.ipX} daddr . meta l4proto . th dport vmap @firewall-ips`);
  const serviceIPs = addNftSet(t, { kind: 'map', name: 'service-ips', type: triple, comment: 'ClusterIP, ExternalIP and LoadBalancer IP traffic' });
  const serviceNodePorts = addNftSet(t, { kind: 'map', name: 'service-nodeports', type: 'inet_proto . inet_service : verdict', comment: 'NodePort traffic' });
  addNftRule(t, 'services', `${f.ipX} daddr . meta l4proto . th dport vmap @service-ips`);
  addNftRule(t, 'services', np.matchAll ? `fib daddr type local ${f.noLocalhost} meta l4proto . th dport vmap @service-nodeports` : `${f.ipX} daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports`);

  // syncProxyRules, one service port at a time
  const infos: ServicePortInfo[] = [];
  for (const svc of snapshot.services) for (const p of svc.ports) {
    const info = servicePortInfo(svc, p);
    if (info) infos.push(info);
  }
  infos.sort((a, b) => (a.name + a.protocol < b.name + b.protocol ? -1 : a.name + a.protocol > b.name + b.protocol ? 1 : 0));
  for (const info of infos) {
    const { svc, port, protocol: P, name: S } = info;
    const eps = endpointsFor(snapshot, svc, port, nodeName);
    const { cluster, local, allReachable, hasAny } = categorizeEndpoints(eps, info);
    const plan = nftPortPlan(info);
    for (const ep of allReachable) ensureNftChain(t, plan.endpointChain(ep));
    const usesClusterPolicyChain = cluster.length > 0 && info.usesClusterEndpoints;
    if (usesClusterPolicyChain) ensureNftChain(t, plan.clusterChain);
    const usesLocalPolicyChain = local.length > 0 && info.usesLocalEndpoints;
    if (usesLocalPolicyChain) ensureNftChain(t, plan.localChain);
    const internalChain = info.internalPolicyLocal ? plan.localChain : plan.clusterChain;
    const hasInternal = info.internalPolicyLocal ? hasAny && local.length > 0 : hasAny;
    const externalPolicyChain = info.externalPolicyLocal ? plan.localChain : plan.clusterChain;
    const hasExternal = info.externalPolicyLocal ? hasAny && local.length > 0 : hasAny;
    const usesExternalChain = hasAny && info.externallyAccessible;
    if (usesExternalChain) ensureNftChain(t, plan.externalChain);
    const internalVerdict = !hasAny ? 'goto reject-chain' : 'drop';
    const externalVerdict = internalVerdict;
    const dport = String(port.port);

    putElement(clusterIPs, { key: info.clusterIP });
    if (hasInternal) putElement(serviceIPs, { key: `${info.clusterIP} . ${P} . ${dport}`, value: `goto ${internalChain}` });
    else putElement(noEndpointServices, { key: `${info.clusterIP} . ${P} . ${dport}`, value: internalVerdict, comment: S });
    const extIPs = svc.externalIPs.filter((ip) => inFamily(f, ip));
    for (const ip of extIPs) {
      if (hasAny) putElement(serviceIPs, { key: `${ip} . ${P} . ${dport}`, value: `goto ${plan.externalChain}` });
      if (!hasExternal) putElement(noEndpointServices, { key: `${ip} . ${P} . ${dport}`, value: externalVerdict, comment: S });
    }
    const lbIPs = svc.loadBalancerIPs.filter((ip) => inFamily(f, ip));
    const usesFW = lbIPs.length > 0 && svc.loadBalancerSourceRanges.length > 0;
    if (usesFW) ensureNftChain(t, plan.firewallChain);
    for (const ip of lbIPs) {
      if (hasAny) putElement(serviceIPs, { key: `${ip} . ${P} . ${dport}`, value: `goto ${plan.externalChain}` });
      if (usesFW) putElement(firewallIPs, { key: `${ip} . ${P} . ${dport}`, value: `goto ${plan.firewallChain}` });
    }
    if (!hasExternal) for (const ip of lbIPs) putElement(noEndpointServices, { key: `${ip} . ${P} . ${dport}`, value: externalVerdict, comment: S });
    if (port.nodePort !== 0) {
      if (hasAny) putElement(serviceNodePorts, { key: `${P} . ${port.nodePort}`, value: `goto ${plan.externalChain}` });
      if (!hasExternal) putElement(noEndpointNodePorts, { key: `${P} . ${port.nodePort}`, value: externalVerdict, comment: S });
    }

    if (hasInternal) {
      const match = `${f.ipX} daddr ${info.clusterIP}`;
      if (kp.masqueradeAll) addNftRule(t, internalChain, `${match} jump mark-for-masquerade`);
      else if (detector) addNftRule(t, internalChain, `${match} ${detector.ifNotLocal} jump mark-for-masquerade`);
    }
    if (usesExternalChain) {
      if (!info.externalPolicyLocal) addNftRule(t, plan.externalChain, 'jump mark-for-masquerade');
      else {
        if (detector) addNftRule(t, plan.externalChain, `${detector.ifLocal} goto ${plan.clusterChain}`, 'short-circuit pod traffic');
        addNftRule(t, plan.externalChain, 'fib saddr type local jump mark-for-masquerade', 'masquerade local traffic');
        addNftRule(t, plan.externalChain, `fib saddr type local goto ${plan.clusterChain}`, 'short-circuit local traffic');
      }
      if (hasExternal) addNftRule(t, plan.externalChain, `goto ${externalPolicyChain}`);
    }
    if (usesFW) {
      const sources = [...svc.loadBalancerSourceRanges];
      const allowFromNode = !!nodeIP && sources.some((c) => {
        const p = parseCIDR(c);
        return !!p && cidrContains(p, nodeIP);
      });
      if (allowFromNode) sources.push(...lbIPs);
      addNftRule(t, plan.firewallChain, `${f.ipX} saddr != ${anonymousSet(sources)} drop`);
    }
    const affinity = svc.sessionAffinity === 'ClientIP';
    if (affinity) {
      // the size is nft's default for a set the `update @set` rule below adds to
      for (const ep of allReachable) addNftSet(t, { kind: 'set', name: plan.affinitySet(ep), type: f.addrType, size: 65535, flags: ['dynamic', 'timeout'], timeout: svc.sessionAffinityTimeoutSeconds });
    }
    const writeEndpoints = (chain: string, list: ResolvedEndpoint[]) => {
      if (affinity) for (const ep of list) addNftRule(t, chain, `${f.ipX} saddr @${plan.affinitySet(ep)} goto ${plan.endpointChain(ep)}`);
      addNftRule(t, chain, `numgen random mod ${list.length} vmap { ${list.map((ep, i) => `${i} : goto ${plan.endpointChain(ep)}`).join(', ')} }`);
    };
    if (usesClusterPolicyChain) writeEndpoints(plan.clusterChain, cluster);
    if (usesLocalPolicyChain) writeEndpoints(plan.localChain, local);
    for (const ep of allReachable) {
      const chain = plan.endpointChain(ep);
      addNftRule(t, chain, `${f.ipX} saddr ${ep.ip} jump mark-for-masquerade`);
      if (affinity) addNftRule(t, chain, `update @${plan.affinitySet(ep)} { ${f.ipX} saddr }`);
      addNftRule(t, chain, `meta l4proto ${P} dnat to ${ep.key}`);
    }
  }
  return t;
}

export function nftPortPlan(info: ServicePortInfo): NftPortPlan {
  const { svc, port, protocol } = info;
  const base = servicePortChainNameBase(svc.namespace, svc.name, protocol, port.name);
  const epBase = (ep: ResolvedEndpoint) => servicePortEndpointChainNameBase(svc.namespace, svc.name, protocol, port.name, ep.key);
  return {
    info,
    base,
    clusterChain: NFT_PREFIX.cluster + base,
    localChain: NFT_PREFIX.local + base,
    externalChain: NFT_PREFIX.external + base,
    firewallChain: NFT_PREFIX.firewall + base,
    endpointChain: (ep) => NFT_PREFIX.endpoint + epBase(ep),
    affinitySet: (ep) => NFT_PREFIX.affinity + epBase(ep),
  };
}
