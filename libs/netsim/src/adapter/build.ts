/**
 * Parsed objects -> Snapshot. Unknown kinds are kept and reported, never fatal; wrong field types are fatal
 * (InputError) because every later answer would be built on a guess.
 */
import type {
  ClusterProfile,
  ProfileSource,
  Endpoint,
  EndpointPort,
  EndpointSlice,
  Node,
  ObjectRef,
  Pod,
  Service,
  Snapshot,
  KubeProxyConfig,
} from '../model/types';
import { InputError, sourceDiag, type Diagnostic } from './diagnostics';
import { isRecord, Reader } from './fields';
import { readNodeHostState } from './hoststate';
import { readEndpointSlice, readEndpoints, readNamespace, readNetworkPolicy, readNode, readService } from './objects';
import { fromObjects, isParsedObject, parseDocumentsWithNotes, type ParsedObject, type TextInput } from './parse';
import { podFromParsed, WORKLOAD_KINDS, workloadFromParsed } from './pod';
import { DATAPLANE_KINDS, detectDataplane, readKubeProxyConfigMap, type DataplaneEvidence } from './dataplane';
import { defaultProfile, readClusterProfile, readKubeProxy } from './profile';
import { matchesMap } from './selectors';
import { readServiceCIDR } from './service-cidr';
import { readCSINode, readPersistentVolume, readPersistentVolumeClaim, readPodDisruptionBudget, readPriorityClass, readStorageClass } from './storage';

export const PORTOLAN_API = 'portolan.dev/v1alpha1';

export interface BuildOptions {
  /**
   * A default profile (the service's cluster record): the snapshot's own ClusterProfile and KubeProxyConfiguration
   * documents are applied over it, so a file gets the same answer from the CLI and from the service.
   */
  defaults?: Partial<ClusterProfile>;
  /** Applied last, over the snapshot's own documents (what-if keeps the base snapshot's resolved profile). */
  profile?: Partial<ClusterProfile>;
}

export interface BuildResult {
  snapshot: Snapshot;
  diagnostics: Diagnostic[];
}

function isTerminal(p: Pod): boolean {
  return p.phase === 'Succeeded' || p.phase === 'Failed';
}

function key(ns: string | undefined, name: string): string {
  return `${ns ?? ''}/${name}`;
}

export function buildSnapshot(objects: Array<ParsedObject | unknown>, opts: BuildOptions = {}): BuildResult {
  const parsed: ParsedObject[] = [];
  const raw: unknown[] = [];
  for (const o of objects) (isParsedObject(o) ? parsed : raw).push(o as never);
  // no spread: a 150k-object push(...) overflows the call stack
  if (raw.length) for (const po of fromObjects(raw)) parsed.push(po);

  const diags: Diagnostic[] = [];
  const snap: Snapshot = {
    profile: defaultProfile(),
    nodes: [],
    pods: [],
    workloads: [],
    services: [],
    endpointSlices: [],
    networkPolicies: [],
    namespaces: [],
    hostStates: [],
    unknown: [],
  };
  const profileParts: Array<Partial<ClusterProfile>> = [];
  const evidence: DataplaneEvidence = { explicitKubeProxy: false, kubeProxyConfigMap: false, kubeProxyDaemonSet: false, ciliumDaemonSet: false };
  let configMapKubeProxy: KubeProxyConfig | undefined;
  const replicaSetOwners = new Map<string, ObjectRef>();
  const seen = new Map<string, ParsedObject>();
  const storage = () => (snap.storage ??= { persistentVolumes: [], persistentVolumeClaims: [], storageClasses: [], csiNodes: [], priorityClasses: [], podDisruptionBudgets: [] });

  for (const po of parsed) {
    const o = po.obj;
    const kind = String(o['kind']);
    const apiVersion = typeof o['apiVersion'] === 'string' ? o['apiVersion'] : '';
    const r = new Reader(po, diags);
    const meta = o['metadata'];
    const name = typeof (meta as Record<string, unknown> | undefined)?.['name'] === 'string' ? String((meta as Record<string, unknown>)['name']) : '';
    const ns = typeof (meta as Record<string, unknown> | undefined)?.['namespace'] === 'string' ? String((meta as Record<string, unknown>)['namespace']) : '';
    const id = `${apiVersion.split('/')[0]}|${kind}|${ns}|${name}`;
    if (name && seen.has(id)) {
      const prev = seen.get(id)?.source;
      diags.push(sourceDiag(po.source, 'warning', `duplicate ${kind} ${ns ? `${ns}/` : ''}${name} (also at ${prev?.file ?? '?'}${prev?.line ? `:${prev.line}` : ''}); both are kept`));
    }
    seen.set(id, po);

    if (apiVersion === PORTOLAN_API || kind === 'ClusterProfile' || kind === 'NodeHostState') {
      if (kind === 'ClusterProfile') {
        const part = readClusterProfile(r, o);
        if (part.kubeProxy) evidence.explicitKubeProxy = true;
        const declared = isRecord(o['spec']) ? o['spec']['dataplane'] : undefined;
        if (declared !== undefined) evidence.declared = r.oneOf(declared, ['spec', 'dataplane'], DATAPLANE_KINDS, 'kube-proxy-iptables');
        profileParts.push(part);
        continue;
      }
      if (kind === 'NodeHostState') {
        const hs = readNodeHostState(r, o);
        hs.source = po.source;
        snap.hostStates.push(hs);
        continue;
      }
    }
    // every modelled object is found by name (nodeName, selectors, slices): a nameless one cannot be placed
    const NAMED = ['Node', 'Service', 'ServiceCIDR', 'EndpointSlice', 'Endpoints', 'NetworkPolicy', 'Namespace', 'PersistentVolume', 'PersistentVolumeClaim', 'StorageClass', 'CSINode', 'PriorityClass', 'PodDisruptionBudget', ...WORKLOAD_KINDS];
    if (NAMED.includes(kind) && !name && (meta === undefined || meta === null || typeof meta === 'object')) r.error(['metadata', 'name'], 'required field is missing');
    if (kind === 'Pod' && !name && typeof (meta as Record<string, unknown> | undefined)?.['generateName'] !== 'string' && (meta === undefined || meta === null || typeof meta === 'object'))
      r.error(['metadata', 'name'], 'name or generateName is required');
    switch (kind) {
      case 'Node': {
        const n = readNode(r, o);
        n.source = po.source;
        snap.nodes.push(n);
        continue;
      }
      case 'Pod':
        snap.pods.push(podFromParsed(po, diags));
        continue;
      case 'Service': {
        const s = readService(r, o);
        s.source = po.source;
        snap.services.push(s);
        continue;
      }
      case 'EndpointSlice':
        snap.endpointSlices.push(readEndpointSlice(r, o));
        continue;
      case 'Endpoints':
        for (const s of readEndpoints(r, o)) snap.endpointSlices.push(s);
        continue;
      case 'NetworkPolicy': {
        const np = readNetworkPolicy(r, o);
        np.source = po.source;
        snap.networkPolicies.push(np);
        continue;
      }
      case 'Namespace':
        snap.namespaces.push(readNamespace(r, o));
        continue;
      case 'PersistentVolume': {
        const pv = readPersistentVolume(r, o);
        pv.source = po.source;
        storage().persistentVolumes.push(pv);
        continue;
      }
      case 'PersistentVolumeClaim': {
        const pvc = readPersistentVolumeClaim(r, o);
        pvc.source = po.source;
        storage().persistentVolumeClaims.push(pvc);
        continue;
      }
      case 'ServiceCIDR':
        for (const c of readServiceCIDR(r, o)) if (!(snap.serviceCIDRs ??= []).includes(c)) snap.serviceCIDRs.push(c);
        continue;
      case 'StorageClass':
        storage().storageClasses.push(readStorageClass(r, o));
        continue;
      case 'CSINode':
        storage().csiNodes.push(readCSINode(r, o));
        continue;
      case 'PriorityClass':
        storage().priorityClasses.push(readPriorityClass(r, o));
        continue;
      case 'PodDisruptionBudget':
        storage().podDisruptionBudgets.push(readPodDisruptionBudget(r, o));
        continue;
      case 'KubeProxyConfiguration':
        evidence.explicitKubeProxy = true;
        profileParts.push({ kubeProxy: readKubeProxy(r, o, []) });
        continue;
      case 'ConfigMap':
        // the two ConfigMaps that say which dataplane runs; every other ConfigMap stays unmodelled
        if (ns === 'kube-system' && name === 'kube-proxy') {
          evidence.kubeProxyConfigMap = true;
          configMapKubeProxy = readKubeProxyConfigMap(r, o);
          continue;
        }
        if (ns === 'kube-system' && name === 'cilium-config') {
          const kpr = isRecord(o['data']) ? o['data']['kube-proxy-replacement'] : undefined;
          evidence.ciliumKpr = typeof kpr === 'string' ? kpr.trim().toLowerCase() : '';
          continue;
        }
        break;
    }
    if ((WORKLOAD_KINDS as readonly string[]).includes(kind)) {
      const w = workloadFromParsed(po, diags);
      if (w) {
        snap.workloads.push(w);
        const owner = w.owner;
        if (w.kind === 'ReplicaSet' && owner) replicaSetOwners.set(key(w.namespace, w.name), owner);
      }
      continue;
    }
    snap.unknown.push({ apiVersion, kind, namespace: ns || undefined, name: name || undefined, source: po.source });
  }
  // one info per unmodelled kind (a full dump can hold thousands of Events or ConfigMaps)
  const byKind = new Map<string, Snapshot['unknown']>();
  for (const u of snap.unknown) {
    const k = `${u.apiVersion} ${u.kind}`;
    const list = byKind.get(k);
    if (list) list.push(u);
    else byKind.set(k, [u]);
  }
  for (const list of byKind.values()) {
    const u = list[0];
    const what = `${u.apiVersion ? `${u.apiVersion} ` : ''}${u.kind}`;
    const first = u.name ? ` ${u.namespace ? `${u.namespace}/` : ''}${u.name}` : '';
    const msg = list.length === 1 ? `${what}${first} is not modelled by Portolan; kept as-is and ignored` : `${list.length} ${what} objects (first:${first || ' unnamed'}) are not modelled by Portolan; kept as-is and ignored`;
    diags.push(sourceDiag(u.source, 'info', msg));
  }

  if (diags.some((d) => d.severity === 'error')) throw new InputError(diags);

  for (const w of snap.workloads) {
    if (w.kind !== 'DaemonSet' || w.namespace !== 'kube-system') continue;
    if (w.name === 'kube-proxy') evidence.kubeProxyDaemonSet = true;
    if (w.name === 'cilium') evidence.ciliumDaemonSet = true;
  }
  // kubeadm's ConfigMap is kube-proxy's configuration only when no document said otherwise
  if (configMapKubeProxy && !evidence.explicitKubeProxy) profileParts.unshift({ kubeProxy: configMapKubeProxy });
  let profile = snap.profile;
  const sources: Partial<Record<keyof ClusterProfile, ProfileSource>> = {};
  for (const k of Object.keys(profile) as Array<keyof ClusterProfile>) sources[k] = 'built-in';
  const parts: Array<[Partial<ClusterProfile>, ProfileSource]> = [[opts.defaults ?? {}, 'defaults'], ...profileParts.map((p): [Partial<ClusterProfile>, ProfileSource] => [p, 'snapshot']), [opts.profile ?? {}, 'override']];
  for (const [part, source] of parts) {
    profile = mergeProfile(profile, part);
    for (const [k, v] of Object.entries(part)) if (v !== undefined) sources[k as keyof ClusterProfile] = source;
  }
  snap.profileSources = sources;
  profile.dataplane = detectDataplane(profile, evidence);
  snap.profile = profile;

  resolveWorkloads(snap, replicaSetOwners);
  fillHostNetworkPodIPs(snap, diags);
  deriveEndpointSlices(snap, diags);
  return { snapshot: snap, diagnostics: diags };
}

function mergeProfile(base: ClusterProfile, part: Partial<ClusterProfile>): ClusterProfile {
  const out: ClusterProfile = { ...base };
  for (const [k, v] of Object.entries(part)) {
    if (v === undefined) continue;
    // cni is replaced whole: a conflist without portmap must drop the default portmap
    if (k === 'kubeProxy' || k === 'nodePortRange') (out as unknown as Record<string, unknown>)[k] = { ...(base as unknown as Record<string, Record<string, unknown>>)[k], ...(v as Record<string, unknown>) };
    else (out as unknown as Record<string, unknown>)[k] = v;
  }
  return out;
}

/** ReplicaSet -> Deployment, by the RS object's ownerReference or by `<deployment>-<pod-template-hash>` naming. */
function resolveWorkloads(snap: Snapshot, rsOwners: Map<string, ObjectRef>): void {
  for (const p of snap.pods) {
    if (!p.owner || p.owner.kind !== 'ReplicaSet') continue;
    const viaObject = rsOwners.get(key(p.namespace, p.owner.name));
    if (viaObject && viaObject.kind === 'Deployment') {
      p.workload = { kind: 'Deployment', namespace: p.namespace, name: viaObject.name };
      continue;
    }
    const hash = p.labels['pod-template-hash'];
    if (hash && p.owner.name.endsWith(`-${hash}`)) {
      const dep = p.owner.name.slice(0, -(hash.length + 1));
      // the naming convention alone is strong enough: the Deployment controller names its ReplicaSets this way
      if (dep) p.workload = { kind: 'Deployment', namespace: p.namespace, name: dep };
    }
  }
}

/** generateAPIPodStatus: a hostNetwork pod without a runtime IP reports the node's host IPs. */
function fillHostNetworkPodIPs(snap: Snapshot, diags: Diagnostic[]): void {
  const nodes = new Map<string, Node>(snap.nodes.map((n) => [n.name, n]));
  // one warning per missing node, not per pod: a partial dump can leave thousands of pods without their node
  const missing = new Map<string, Pod[]>();
  for (const p of snap.pods) {
    if (!p.nodeName) continue;
    const n = nodes.get(p.nodeName);
    if (!n) {
      const list = missing.get(p.nodeName);
      if (list) list.push(p);
      else missing.set(p.nodeName, [p]);
      continue;
    }
    if (p.hostNetwork && !p.podIPs.length && !isTerminal(p) && p.phase === 'Running') {
      const ips = n.addresses.filter((a) => a.type === 'InternalIP').map((a) => a.address);
      p.podIPs = ips.length ? ips : n.internalIP ? [n.internalIP] : [];
    }
  }
  if (!snap.nodes.length) return;
  for (const [node, pods] of missing) {
    const first = pods[0];
    const who = pods.length === 1 ? `Pod ${first.namespace}/${first.name} is` : `${pods.length} pods (first: ${first.namespace}/${first.name}) are`;
    diags.push(sourceDiag(first.source, 'warning', `${who} bound to node ${node}, which is not in the snapshot: the scheduler view ignores them`));
  }
}

function resolveTargetPort(pod: Pod, target: number | string, protocol: string): number | undefined {
  if (typeof target === 'number') return target;
  // podutil.FindPort: named port looked up in the pod's containers, protocol must match
  for (const c of pod.containers) for (const p of c.ports) if (p.name === target && p.protocol === protocol) return p.containerPort;
  return undefined;
}

function deriveSlicesFor(svc: Service, pods: Pod[]): EndpointSlice[] {
  const groups = new Map<string, { ports: EndpointPort[]; byFamily: Record<'IPv4' | 'IPv6', Endpoint[]> }>();
  for (const pod of pods) {
    if (isTerminal(pod) || !pod.podIPs.length) continue;
    if (!matchesMap(svc.selector ?? {}, pod.labels)) continue;
    const ports: EndpointPort[] = [];
    for (const sp of svc.ports) {
      const port = resolveTargetPort(pod, sp.targetPort, sp.protocol);
      if (port !== undefined) ports.push({ name: sp.name, port, protocol: sp.protocol });
    }
    const k = JSON.stringify(ports);
    let g = groups.get(k);
    if (!g) {
      g = { ports, byFamily: { IPv4: [], IPv6: [] } };
      groups.set(k, g);
    }
    const ready = pod.terminating ? false : (pod.ready ?? pod.phase === 'Running');
    for (const fam of ['IPv4', 'IPv6'] as const) {
      const ips = pod.podIPs.filter((ip) => (fam === 'IPv6') === ip.includes(':'));
      if (!ips.length) continue;
      const e: Endpoint = {
        addresses: [ips[0]],
        ready,
        serving: pod.ready ?? pod.phase === 'Running',
        terminating: pod.terminating,
        targetRef: { kind: 'Pod', namespace: pod.namespace, name: pod.name },
      };
      if (pod.nodeName) e.nodeName = pod.nodeName;
      g.byFamily[fam].push(e);
    }
  }
  const out: EndpointSlice[] = [];
  for (const g of groups.values()) {
    for (const fam of ['IPv4', 'IPv6'] as const) {
      if (!g.byFamily[fam].length) continue;
      out.push({
        namespace: svc.namespace,
        name: `${svc.name}-derived${out.length ? `-${out.length}` : ''}`,
        serviceName: svc.name,
        addressType: fam,
        ports: g.ports,
        endpoints: g.byFamily[fam],
        derived: true,
      });
    }
  }
  if (!out.length) {
    out.push({ namespace: svc.namespace, name: `${svc.name}-derived`, serviceName: svc.name, addressType: 'IPv4', ports: svc.ports.map((p) => ({ name: p.name, port: typeof p.targetPort === 'number' ? p.targetPort : p.port, protocol: p.protocol })), endpoints: [], derived: true });
  }
  return out;
}

/** Services with a selector and no EndpointSlice/Endpoints in the snapshot get slices derived from their pods. */
function deriveEndpointSlices(snap: Snapshot, diags: Diagnostic[]): void {
  const hasSlice = new Set(snap.endpointSlices.map((s) => key(s.namespace, s.serviceName)));
  const podsByNs = new Map<string, Pod[]>();
  for (const p of snap.pods) {
    const list = podsByNs.get(p.namespace);
    if (list) list.push(p);
    else podsByNs.set(p.namespace, [p]);
  }
  for (const svc of snap.services) {
    if (!svc.selector || svc.type === 'ExternalName' || hasSlice.has(key(svc.namespace, svc.name))) continue;
    const slices = deriveSlicesFor(svc, podsByNs.get(svc.namespace) ?? []);
    for (const s of slices) snap.endpointSlices.push(s);
    if (!slices.some((s) => s.endpoints.length)) {
      diags.push(sourceDiag(svc.source, 'info', `Service ${svc.namespace}/${svc.name} has no EndpointSlice in the snapshot and its selector matches no running pod: derived an empty slice`));
    }
  }
}

export function loadSnapshot(inputs: TextInput[], opts: BuildOptions = {}): BuildResult {
  const parsed = parseDocumentsWithNotes(inputs);
  const built = buildSnapshot(parsed.objects, opts);
  return { snapshot: built.snapshot, diagnostics: [...parsed.notes, ...built.diagnostics] };
}
