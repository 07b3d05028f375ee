/**
 * Node, Service, EndpointSlice, Endpoints, NetworkPolicy and Namespace conversion (with API defaulting).
 */
import type {
  Endpoint,
  EndpointPort,
  EndpointSlice,
  Namespace,
  NetworkPolicy,
  Node,
  NodeAddress,
  Protocol,
  Service,
  ServicePort,
  ServiceType,
  Taint,
  TaintEffect,
  TrafficPolicy,
} from '../model/types';
import { PROTOCOLS } from '../model/types';
import { canonicalIPv6Text, familyOf, type AddressFamilyName } from '../util/ip';
import { Reader } from './fields';
import { readLabelSelector } from './pod';

const TAINT_EFFECTS: readonly TaintEffect[] = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

export function readNode(r: Reader, o: Record<string, unknown>): Node {
  const meta = r.obj(o['metadata'], ['metadata']);
  const spec = r.obj(o['spec'], ['spec']) ?? {};
  const status = r.obj(o['status'], ['status']) ?? {};
  const addresses: NodeAddress[] = [];
  r.arr(status['addresses'], ['status', 'addresses']).forEach((a, i) => {
    const ao = r.obj(a, ['status', 'addresses', i]);
    if (!ao) return;
    addresses.push({ type: r.str(ao['type'], ['status', 'addresses', i, 'type']), address: canonicalIPv6Text(r.str(ao['address'], ['status', 'addresses', i, 'address'])) });
  });
  const taints: Taint[] = [];
  r.arr(spec['taints'], ['spec', 'taints']).forEach((t, i) => {
    const tp = ['spec', 'taints', i];
    const to = r.obj(t, tp);
    if (!to) return;
    taints.push({
      key: r.str(to['key'], [...tp, 'key']),
      value: r.str(to['value'], [...tp, 'value']),
      effect: r.oneOf<TaintEffect>(to['effect'], [...tp, 'effect'], TAINT_EFFECTS, 'NoSchedule'),
    });
  });
  let podCIDRs = r.strArr(spec['podCIDRs'], ['spec', 'podCIDRs']);
  const podCIDR = r.str(spec['podCIDR'], ['spec', 'podCIDR']);
  if (!podCIDRs.length && podCIDR) podCIDRs = [podCIDR];
  let ready: boolean | undefined;
  r.arr(status['conditions'], ['status', 'conditions']).forEach((c, i) => {
    const co = r.obj(c, ['status', 'conditions', i]);
    if (co && co['type'] === 'Ready') ready = co['status'] === 'True';
  });
  const internal = addresses.find((a) => a.type === 'InternalIP') ?? addresses.find((a) => a.type === 'ExternalIP');
  const node: Node = {
    name: r.str(meta?.['name'], ['metadata', 'name']),
    labels: r.strMap(meta?.['labels'], ['metadata', 'labels']),
    annotations: r.strMap(meta?.['annotations'], ['metadata', 'annotations']),
    addresses,
    podCIDRs,
    unschedulable: r.bool(spec['unschedulable'], ['spec', 'unschedulable']),
    taints,
    allocatable: r.resourceList(status['allocatable'], ['status', 'allocatable']),
    capacity: r.resourceList(status['capacity'], ['status', 'capacity']),
  };
  if (internal) node.internalIP = internal.address;
  const internalIPs = addresses.filter((a) => a.type === 'InternalIP').map((a) => a.address);
  if (internalIPs.length) node.internalIPs = internalIPs;
  if (ready !== undefined) node.ready = ready;
  return node;
}

export function readService(r: Reader, o: Record<string, unknown>): Service {
  const meta = r.obj(o['metadata'], ['metadata']);
  const spec = r.obj(o['spec'], ['spec']) ?? {};
  const status = r.obj(o['status'], ['status']);
  const type = r.oneOf<ServiceType>(spec['type'], ['spec', 'type'], ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'], 'ClusterIP');
  const ports: ServicePort[] = [];
  r.arr(spec['ports'], ['spec', 'ports']).forEach((p, i) => {
    const pp = ['spec', 'ports', i];
    const po = r.obj(p, pp);
    if (!po) return;
    const port = r.int(po['port'], [...pp, 'port']);
    ports.push({
      name: r.str(po['name'], [...pp, 'name']),
      protocol: r.oneOf<Protocol>(po['protocol'], [...pp, 'protocol'], PROTOCOLS, 'TCP'),
      port,
      // SetDefaults_Service: targetPort defaults to port
      targetPort: r.intOrString(po['targetPort'], [...pp, 'targetPort']) ?? port,
      nodePort: r.int(po['nodePort'], [...pp, 'nodePort']),
    });
  });
  const external = type === 'NodePort' || type === 'LoadBalancer';
  const clusterIP = r.str(spec['clusterIP'], ['spec', 'clusterIP']);
  let clusterIPs = r.strArr(spec['clusterIPs'], ['spec', 'clusterIPs']).map(canonicalIPv6Text);
  if (!clusterIPs.length && clusterIP) clusterIPs = [canonicalIPv6Text(clusterIP)];
  const loadBalancerIPs: string[] = [];
  const lb = r.obj(status?.['loadBalancer'], ['status', 'loadBalancer']);
  r.arr(lb?.['ingress'], ['status', 'loadBalancer', 'ingress']).forEach((g, i) => {
    const ip = r.str(Reader.get(g, 'ip'), ['status', 'loadBalancer', 'ingress', i, 'ip']);
    if (ip) loadBalancerIPs.push(canonicalIPv6Text(ip));
  });
  const sac = r.obj(spec['sessionAffinityConfig'], ['spec', 'sessionAffinityConfig']);
  const cip = r.obj(sac?.['clientIP'], ['spec', 'sessionAffinityConfig', 'clientIP']);
  const svc: Service = {
    namespace: r.str(meta?.['namespace'], ['metadata', 'namespace'], 'default') || 'default',
    name: r.str(meta?.['name'], ['metadata', 'name']),
    type,
    clusterIP: canonicalIPv6Text(clusterIP),
    clusterIPs,
    ports,
    // SetDefaults_Service: Cluster for NodePort/LoadBalancer; internalTrafficPolicy Cluster
    externalTrafficPolicy: r.oneOf<TrafficPolicy>(spec['externalTrafficPolicy'], ['spec', 'externalTrafficPolicy'], ['Cluster', 'Local'], 'Cluster'),
    internalTrafficPolicy: r.oneOf<TrafficPolicy>(spec['internalTrafficPolicy'], ['spec', 'internalTrafficPolicy'], ['Cluster', 'Local'], 'Cluster'),
    externalIPs: r.strArr(spec['externalIPs'], ['spec', 'externalIPs']).map(canonicalIPv6Text),
    loadBalancerIPs,
    loadBalancerSourceRanges: r.strArr(spec['loadBalancerSourceRanges'], ['spec', 'loadBalancerSourceRanges']),
    healthCheckNodePort: r.int(spec['healthCheckNodePort'], ['spec', 'healthCheckNodePort']),
    sessionAffinity: r.oneOf<'None' | 'ClientIP'>(spec['sessionAffinity'], ['spec', 'sessionAffinity'], ['None', 'ClientIP'], 'None'),
    sessionAffinityTimeoutSeconds: r.optInt(cip?.['timeoutSeconds'], ['spec', 'sessionAffinityConfig', 'clientIP', 'timeoutSeconds']) ?? 10800,
  };
  if (!external) svc.externalTrafficPolicy = 'Cluster';
  if (type !== 'ExternalName') readIPFamilies(r, spec, svc);
  if (spec['selector'] !== undefined && spec['selector'] !== null) svc.selector = r.strMap(spec['selector'], ['spec', 'selector']);
  return svc;
}

const IP_FAMILIES: readonly AddressFamilyName[] = ['IPv4', 'IPv6'];
const IP_FAMILY_POLICIES = ['SingleStack', 'PreferDualStack', 'RequireDualStack'] as const;

/**
 * spec.ipFamilies / spec.ipFamilyPolicy as the API server stores them: families given win; otherwise they follow
 * the clusterIPs' families in order; a policy left out is RequireDualStack when two families or two clusterIPs are
 * given (the registry's defaulting), else SingleStack. A headless Service without families keeps none: which
 * families it gets depends on the cluster's service CIDRs, which a snapshot does not hold.
 */
function readIPFamilies(r: Reader, spec: Record<string, unknown>, svc: Service): void {
  const given: AddressFamilyName[] = [];
  r.arr(spec['ipFamilies'], ['spec', 'ipFamilies']).forEach((v, i) => {
    if (v === undefined || v === null || v === '') return;
    const f = r.oneOf<AddressFamilyName>(v, ['spec', 'ipFamilies', i], IP_FAMILIES, 'IPv4');
    if (!given.includes(f)) given.push(f);
  });
  const fromIPs = svc.clusterIPs.map(familyOf).filter((f): f is AddressFamilyName => !!f);
  const families = given.length ? given : [...new Set(fromIPs)];
  if (families.length) svc.ipFamilies = families;
  const v = spec['ipFamilyPolicy'];
  svc.ipFamilyPolicy = v === undefined || v === null || v === ''
    ? (families.length === 2 || svc.clusterIPs.length === 2 ? 'RequireDualStack' : 'SingleStack')
    : r.oneOf(v, ['spec', 'ipFamilyPolicy'], IP_FAMILY_POLICIES, 'SingleStack');
}

function readEndpointPorts(r: Reader, v: unknown, path: Array<string | number>): EndpointPort[] {
  const out: EndpointPort[] = [];
  r.arr(v, path).forEach((p, i) => {
    const po = r.obj(p, [...path, i]);
    if (!po) return;
    out.push({
      name: r.str(po['name'], [...path, i, 'name']),
      port: r.int(po['port'], [...path, i, 'port']),
      protocol: r.oneOf<Protocol>(po['protocol'], [...path, i, 'protocol'], PROTOCOLS, 'TCP'),
    });
  });
  return out;
}

export function readEndpointSlice(r: Reader, o: Record<string, unknown>): EndpointSlice {
  const meta = r.obj(o['metadata'], ['metadata']);
  const labels = r.strMap(meta?.['labels'], ['metadata', 'labels']);
  const endpoints: Endpoint[] = [];
  r.arr(o['endpoints'], ['endpoints']).forEach((e, i) => {
    const ep = ['endpoints', i];
    const eo = r.obj(e, ep);
    if (!eo) return;
    const cond = r.obj(eo['conditions'], [...ep, 'conditions']) ?? {};
    // discovery/v1 EndpointConditions: nil ready is "ready", nil serving mirrors ready, nil terminating is false
    const ready = cond['ready'] === undefined || cond['ready'] === null ? true : r.bool(cond['ready'], [...ep, 'conditions', 'ready']);
    const serving = cond['serving'] === undefined || cond['serving'] === null ? ready : r.bool(cond['serving'], [...ep, 'conditions', 'serving']);
    const endpoint: Endpoint = {
      addresses: r.strArr(eo['addresses'], [...ep, 'addresses']).map(canonicalIPv6Text),
      ready,
      serving,
      terminating: r.bool(cond['terminating'], [...ep, 'conditions', 'terminating']),
    };
    const nodeName = r.optStr(eo['nodeName'], [...ep, 'nodeName']);
    if (nodeName) endpoint.nodeName = nodeName;
    const tr = r.obj(eo['targetRef'], [...ep, 'targetRef']);
    if (tr) endpoint.targetRef = { kind: r.str(tr['kind'], [...ep, 'targetRef', 'kind']), namespace: r.optStr(tr['namespace'], [...ep, 'targetRef', 'namespace']), name: r.str(tr['name'], [...ep, 'targetRef', 'name']) };
    endpoints.push(endpoint);
  });
  return {
    namespace: r.str(meta?.['namespace'], ['metadata', 'namespace'], 'default') || 'default',
    name: r.str(meta?.['name'], ['metadata', 'name']),
    serviceName: labels['kubernetes.io/service-name'] ?? '',
    addressType: r.oneOf<'IPv4' | 'IPv6' | 'FQDN'>(o['addressType'], ['addressType'], ['IPv4', 'IPv6', 'FQDN'], 'IPv4'),
    ports: readEndpointPorts(r, o['ports'], ['ports']),
    endpoints,
    derived: false,
  };
}

/** core/v1 Endpoints -> one EndpointSlice per subset and address family (what the mirroring controller does). */
export function readEndpoints(r: Reader, o: Record<string, unknown>): EndpointSlice[] {
  const meta = r.obj(o['metadata'], ['metadata']);
  const namespace = r.str(meta?.['namespace'], ['metadata', 'namespace'], 'default') || 'default';
  const name = r.str(meta?.['name'], ['metadata', 'name']);
  const out: EndpointSlice[] = [];
  r.arr(o['subsets'], ['subsets']).forEach((s, si) => {
    const sp = ['subsets', si];
    const so = r.obj(s, sp);
    if (!so) return;
    const ports = readEndpointPorts(r, so['ports'], [...sp, 'ports']);
    const byFamily: Record<'IPv4' | 'IPv6', Endpoint[]> = { IPv4: [], IPv6: [] };
    for (const [field, ready] of [['addresses', true], ['notReadyAddresses', false]] as const) {
      r.arr(so[field], [...sp, field]).forEach((a, ai) => {
        const ap = [...sp, field, ai];
        const ao = r.obj(a, ap);
        if (!ao) return;
        const ip = r.str(ao['ip'], [...ap, 'ip']);
        if (!ip) return;
        const e: Endpoint = { addresses: [ip], ready, serving: ready, terminating: false };
        const nodeName = r.optStr(ao['nodeName'], [...ap, 'nodeName']);
        if (nodeName) e.nodeName = nodeName;
        const tr = r.obj(ao['targetRef'], [...ap, 'targetRef']);
        if (tr) e.targetRef = { kind: String(tr['kind'] ?? ''), namespace: typeof tr['namespace'] === 'string' ? tr['namespace'] : undefined, name: String(tr['name'] ?? '') };
        byFamily[ip.includes(':') ? 'IPv6' : 'IPv4'].push(e);
      });
    }
    for (const fam of ['IPv4', 'IPv6'] as const) {
      if (!byFamily[fam].length && !(fam === 'IPv4' && !byFamily.IPv6.length)) continue;
      out.push({ namespace, name: `${name}-${si}${fam === 'IPv6' ? '-v6' : ''}`, serviceName: name, addressType: fam, ports, endpoints: byFamily[fam], derived: false });
    }
  });
  if (!out.length) out.push({ namespace, name: `${name}-0`, serviceName: name, addressType: 'IPv4', ports: [], endpoints: [], derived: false });
  return out;
}

export function readNetworkPolicy(r: Reader, o: Record<string, unknown>): NetworkPolicy {
  const meta = r.obj(o['metadata'], ['metadata']);
  const spec = r.obj(o['spec'], ['spec']) ?? {};
  let policyTypes = r.strArr(spec['policyTypes'], ['spec', 'policyTypes']);
  if (!policyTypes.length) {
    // SetDefaults_NetworkPolicy: Ingress always, Egress when egress rules exist
    policyTypes = ['Ingress'];
    if (Array.isArray(spec['egress']) && spec['egress'].length) policyTypes.push('Egress');
  }
  return {
    namespace: r.str(meta?.['namespace'], ['metadata', 'namespace'], 'default') || 'default',
    name: r.str(meta?.['name'], ['metadata', 'name']),
    podSelector: readLabelSelector(r, spec['podSelector'], ['spec', 'podSelector']) ?? { matchLabels: {}, matchExpressions: [] },
    policyTypes,
  };
}

export function readNamespace(r: Reader, o: Record<string, unknown>): Namespace {
  const meta = r.obj(o['metadata'], ['metadata']);
  return { name: r.str(meta?.['name'], ['metadata', 'name']), labels: r.strMap(meta?.['labels'], ['metadata', 'labels']) };
}
