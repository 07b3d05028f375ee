/**
 * Pod and workload conversion with API-server defaulting (pkg/apis/core/v1/defaults.go).
 */
import type {
  Container,
  PodAffinityTerm,
  TopologySpreadConstraint,
  ContainerPort,
  LabelSelector,
  LabelSelectorRequirement,
  NodeSelectorRequirement,
  NodeSelectorTerm,
  ObjectRef,
  Pod,
  PodPhase,
  Protocol,
  SelectorOperator,
  TaintEffect,
  Toleration,
  Workload,
  WorkloadKind,
} from '../model/types';
import { PROTOCOLS } from '../model/types';
import { canonicalIPv6Text } from '../util/ip';
import { InputError, type Diagnostic } from './diagnostics';
import { isRecord, Reader, type Located } from './fields';
import { fromObjects, isParsedObject, type FieldPath, type ParsedObject } from './parse';
import { readPodVolumes } from './storage';
import { unmodelledPodFields } from './unmodelled';

export const SANDBOX_ID_ANNOTATION = 'portolan.dev/sandbox-id';

/** Built-in PriorityClasses (pkg/apis/scheduling: SystemCriticalPriority = 2e9). Others resolve to 0 here. */
const SYSTEM_PRIORITY: Record<string, number> = {
  'system-cluster-critical': 2000000000,
  'system-node-critical': 2000001000,
};

const TAINT_EFFECTS: readonly TaintEffect[] = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];
const NODE_OPS: readonly SelectorOperator[] = ['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt'];
const LABEL_OPS: readonly LabelSelectorRequirement['operator'][] = ['In', 'NotIn', 'Exists', 'DoesNotExist'];
const PHASES: readonly PodPhase[] = ['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'];

export interface PodConversionOptions {
  /**
   * Apply SetDefaults_Pod's hostNetwork port defaulting (hostPort = containerPort where 0). True for Pod objects;
   * false for pod templates, which since 1.28 (gate DefaultHostNetworkHostPortsInPodTemplates removed in 1.31)
   * are stored without it.
   */
  isPod: boolean;
}

function readPorts(r: Reader, list: unknown[], path: FieldPath): ContainerPort[] {
  const out: ContainerPort[] = [];
  for (let i = 0; i < list.length; i++) {
    const p = list[i];
    const pp = [...path, i];
    const o = r.obj(p, pp);
    if (!o) continue;
    const port: ContainerPort = {
      containerPort: r.kInt(o, pp, 'containerPort'),
      hostPort: r.kInt(o, pp, 'hostPort'),
      // hostIP is never defaulted by the API server; HostPortInfo.sanitize maps '' to 0.0.0.0 later
      hostIP: r.kStr(o, pp, 'hostIP'),
      // SetDefaults_ContainerPort: Protocol = TCP
      protocol: r.kOneOf<Protocol>(o, pp, 'protocol', PROTOCOLS, 'TCP'),
    };
    const name = r.kOptStr(o, pp, 'name');
    if (name !== undefined) port.name = name;
    out.push(port);
  }
  return out;
}

function readContainers(r: Reader, list: unknown[], path: FieldPath, init: boolean): Container[] {
  const out: Container[] = [];
  for (let i = 0; i < list.length; i++) {
    const cp = [...path, i];
    const o = r.obj(list[i], cp);
    if (!o) continue;
    const res = r.kObj(o, cp, 'resources');
    let requests: Record<string, number> = {};
    if (res) {
      const rp = [...cp, 'resources'];
      const limits = r.kResourceList(res, rp, 'limits');
      requests = r.kResourceList(res, rp, 'requests');
      // SetDefaults_ResourceRequirements-style: a limit without a request becomes the request
      for (const k in limits) if (!(k in requests)) requests[k] = limits[k];
    }
    const ports = r.kArr(o, cp, 'ports');
    const container: Container = {
      name: r.kStr(o, cp, 'name'),
      ports: ports.length ? readPorts(r, ports, [...cp, 'ports']) : [],
      requests,
    };
    const image = r.kOptStr(o, cp, 'image');
    if (image !== undefined) container.image = image;
    const restart = r.kOptStr(o, cp, 'restartPolicy');
    if (init && restart === 'Always') container.restartPolicy = 'Always';
    // command and args feed the listen addresses a known image binds (scheduling/images.ts)
    const argv = [...r.kArr(o, cp, 'command'), ...r.kArr(o, cp, 'args')].filter((a): a is string => typeof a === 'string');
    if (argv.length) container.args = argv;
    const fieldEnv: Record<string, string> = {};
    for (const e of r.kArr(o, cp, 'env')) {
      const ev = e as { name?: unknown; valueFrom?: { fieldRef?: { fieldPath?: unknown } } } | null;
      const fp = ev?.valueFrom?.fieldRef?.fieldPath;
      if (typeof ev?.name === 'string' && typeof fp === 'string') fieldEnv[ev.name] = fp;
    }
    if (Object.keys(fieldEnv).length) container.fieldEnv = fieldEnv;
    out.push(container);
  }
  return out;
}

function readTolerations(r: Reader, v: unknown, path: FieldPath): Toleration[] {
  const out: Toleration[] = [];
  r.arr(v, path).forEach((t, i) => {
    const tp = [...path, i];
    const o = r.obj(t, tp);
    if (!o) return;
    const effect = o['effect'] === undefined || o['effect'] === null || o['effect'] === '' ? '' : r.oneOf<TaintEffect>(o['effect'], [...tp, 'effect'], TAINT_EFFECTS, 'NoSchedule');
    out.push({
      key: r.str(o['key'], [...tp, 'key']),
      operator: r.oneOf<'Exists' | 'Equal'>(o['operator'], [...tp, 'operator'], ['Exists', 'Equal'], 'Equal'),
      value: r.str(o['value'], [...tp, 'value']),
      effect,
    });
  });
  return out;
}

export function readNodeReqs(r: Reader, v: unknown, path: FieldPath): NodeSelectorRequirement[] {
  const out: NodeSelectorRequirement[] = [];
  r.arr(v, path).forEach((e, i) => {
    const ep = [...path, i];
    const o = r.obj(e, ep);
    if (!o) return;
    out.push({
      key: r.str(o['key'], [...ep, 'key']),
      operator: r.oneOf<SelectorOperator>(o['operator'], [...ep, 'operator'], NODE_OPS, 'In'),
      values: r.strArr(o['values'], [...ep, 'values']),
    });
  });
  return out;
}

/**
 * matchLabelKeys / mismatchLabelKeys: the API server merges them into the term's selector at admission, as
 * `key in (value)` / `key notin (value)` with the pod's own label value (a key the pod lacks adds nothing).
 */
function mergeLabelKeys(sel: LabelSelector | null, labels: Record<string, string>, match: string[], mismatch: string[]): LabelSelector | null {
  if (!sel || (!match.length && !mismatch.length)) return sel;
  const extra: LabelSelectorRequirement[] = [];
  for (const k of match) if (k in labels) extra.push({ key: k, operator: 'In', values: [labels[k] as string] });
  for (const k of mismatch) if (k in labels) extra.push({ key: k, operator: 'NotIn', values: [labels[k] as string] });
  return { matchLabels: sel.matchLabels, matchExpressions: [...sel.matchExpressions, ...extra] };
}

function readPodAffinityTerm(r: Reader, v: unknown, path: FieldPath, podLabels: Record<string, string>): PodAffinityTerm {
  const o = r.obj(v, path) ?? {};
  const selector = readLabelSelector(r, o['labelSelector'], [...path, 'labelSelector']) ?? null;
  const nsSel = o['namespaceSelector'] === undefined || o['namespaceSelector'] === null ? null : (readLabelSelector(r, o['namespaceSelector'], [...path, 'namespaceSelector']) ?? null);
  const topologyKey = r.str(o['topologyKey'], [...path, 'topologyKey']);
  if (!topologyKey) r.error([...path, 'topologyKey'], 'a required pod (anti-)affinity term needs a topologyKey');
  return {
    selector: mergeLabelKeys(selector, podLabels, r.strArr(o['matchLabelKeys'], [...path, 'matchLabelKeys']), r.strArr(o['mismatchLabelKeys'], [...path, 'mismatchLabelKeys'])),
    namespaces: r.strArr(o['namespaces'], [...path, 'namespaces']),
    namespaceSelector: nsSel,
    topologyKey,
  };
}

function readSpreadConstraint(r: Reader, v: unknown, path: FieldPath, podLabels: Record<string, string>): TopologySpreadConstraint {
  const o = r.obj(v, path) ?? {};
  const maxSkew = r.optInt(o['maxSkew'], [...path, 'maxSkew']) ?? 0;
  if (maxSkew < 1) r.error([...path, 'maxSkew'], 'must be greater than zero');
  const topologyKey = r.str(o['topologyKey'], [...path, 'topologyKey']);
  if (!topologyKey) r.error([...path, 'topologyKey'], 'is required');
  const minDomains = r.optInt(o['minDomains'], [...path, 'minDomains']);
  const selector = readLabelSelector(r, o['labelSelector'], [...path, 'labelSelector']) ?? null;
  return {
    maxSkew,
    topologyKey,
    whenUnsatisfiable: r.oneOf(o['whenUnsatisfiable'], [...path, 'whenUnsatisfiable'], ['DoNotSchedule', 'ScheduleAnyway'] as const, 'DoNotSchedule'),
    selector: mergeLabelKeys(selector, podLabels, r.strArr(o['matchLabelKeys'], [...path, 'matchLabelKeys']), []),
    ...(minDomains !== undefined ? { minDomains } : {}),
    nodeAffinityPolicy: r.oneOf(o['nodeAffinityPolicy'], [...path, 'nodeAffinityPolicy'], ['Honor', 'Ignore'] as const, 'Honor'),
    nodeTaintsPolicy: r.oneOf(o['nodeTaintsPolicy'], [...path, 'nodeTaintsPolicy'], ['Honor', 'Ignore'] as const, 'Ignore'),
  };
}

export function readLabelSelector(r: Reader, v: unknown, path: FieldPath): LabelSelector | undefined {
  const o = r.obj(v, path);
  if (!o) return undefined;
  const matchExpressions: LabelSelectorRequirement[] = [];
  r.arr(o['matchExpressions'], [...path, 'matchExpressions']).forEach((e, i) => {
    const ep = [...path, 'matchExpressions', i];
    const eo = r.obj(e, ep);
    if (!eo) return;
    matchExpressions.push({
      key: r.str(eo['key'], [...ep, 'key']),
      operator: r.oneOf(eo['operator'], [...ep, 'operator'], LABEL_OPS, 'In'),
      values: r.strArr(eo['values'], [...ep, 'values']),
    });
  });
  return { matchLabels: r.strMap(o['matchLabels'], [...path, 'matchLabels']), matchExpressions };
}

function controllerOwner(r: Reader, meta: Record<string, unknown> | undefined, namespace: string): ObjectRef | undefined {
  const refs = r.arr(meta?.['ownerReferences'], ['metadata', 'ownerReferences']);
  let first: ObjectRef | undefined;
  for (let i = 0; i < refs.length; i++) {
    const o = r.obj(refs[i], ['metadata', 'ownerReferences', i]);
    if (!o) continue;
    const ref: ObjectRef = {
      kind: r.str(o['kind'], ['metadata', 'ownerReferences', i, 'kind']),
      namespace,
      name: r.str(o['name'], ['metadata', 'ownerReferences', i, 'name']),
    };
    if (r.bool(o['controller'], ['metadata', 'ownerReferences', i, 'controller'])) return ref;
    first ??= ref;
  }
  return undefined;
}

/**
 * Read a PodSpec (+ metadata, + status) into a Pod. `prefix` is where the pod spec's parent sits
 * ([] for a Pod, ['spec','template'] for workloads).
 */
function readPod(r: Reader, root: Record<string, unknown>, prefix: FieldPath, opts: PodConversionOptions, defaultNs: string): Pod {
  const at = (...p: FieldPath): FieldPath => [...prefix, ...p];
  const metaPath = at('metadata');
  const specPath = at('spec');
  const statusPath = at('status');
  const meta = r.kObj(root, prefix, 'metadata');
  const spec = r.kObj(root, prefix, 'spec') ?? {};
  const status = opts.isPod ? r.kObj(root, prefix, 'status') : undefined;
  const namespace = r.kStr(meta, metaPath, 'namespace', defaultNs) || defaultNs;
  const hostNetwork = r.kBool(spec, specPath, 'hostNetwork');
  const containers = readContainers(r, r.kArr(spec, specPath, 'containers'), at('spec', 'containers'), false);
  const initList = r.kArr(spec, specPath, 'initContainers');
  const initContainers = initList.length ? readContainers(r, initList, at('spec', 'initContainers'), true) : [];
  if (opts.isPod && hostNetwork) {
    // defaultHostNetworkPorts (SetDefaults_Pod): containers and initContainers alike
    for (const c of [...containers, ...initContainers]) for (const p of c.ports) if (p.hostPort === 0) p.hostPort = p.containerPort;
  }

  let requiredNodeAffinity: NodeSelectorTerm[] | undefined;
  const affinity = r.kObj(spec, specPath, 'affinity');
  if (affinity) {
    const na = r.obj(affinity['nodeAffinity'], at('spec', 'affinity', 'nodeAffinity'));
    const reqPath = at('spec', 'affinity', 'nodeAffinity', 'requiredDuringSchedulingIgnoredDuringExecution');
    const req = r.obj(na?.['requiredDuringSchedulingIgnoredDuringExecution'], reqPath);
    if (req) {
      const terms: NodeSelectorTerm[] = [];
      r.arr(req['nodeSelectorTerms'], [...reqPath, 'nodeSelectorTerms']).forEach((t, i) => {
        const tp = [...reqPath, 'nodeSelectorTerms', i];
        const to = r.obj(t, tp) ?? {};
        terms.push({
          matchExpressions: readNodeReqs(r, to['matchExpressions'], [...tp, 'matchExpressions']),
          matchFields: readNodeReqs(r, to['matchFields'], [...tp, 'matchFields']),
        });
      });
      requiredNodeAffinity = terms;
    }
  }

  const podLabels = r.kStrMap(meta, metaPath, 'labels');
  let requiredPodAffinity: PodAffinityTerm[] | undefined;
  let requiredPodAntiAffinity: PodAffinityTerm[] | undefined;
  if (affinity) {
    for (const [field, set] of [['podAffinity', (t: PodAffinityTerm[]) => (requiredPodAffinity = t)], ['podAntiAffinity', (t: PodAffinityTerm[]) => (requiredPodAntiAffinity = t)]] as const) {
      const pa = r.obj(affinity[field], at('spec', 'affinity', field));
      const reqPath = at('spec', 'affinity', field, 'requiredDuringSchedulingIgnoredDuringExecution');
      const req = r.arr(pa?.['requiredDuringSchedulingIgnoredDuringExecution'], reqPath);
      if (req.length) set(req.map((t, i) => readPodAffinityTerm(r, t, [...reqPath, i], podLabels)));
    }
  }
  const spreadPath = at('spec', 'topologySpreadConstraints');
  const spread = r.kArr(spec, specPath, 'topologySpreadConstraints');
  const topologySpreadConstraints = spread.length ? spread.map((c, i) => readSpreadConstraint(r, c, [...spreadPath, i], podLabels)) : undefined;

  const priorityClassName = r.kStr(spec, specPath, 'priorityClassName');
  const specPriority = r.kOptInt(spec, specPath, 'priority');
  const priority = specPriority ?? SYSTEM_PRIORITY[priorityClassName] ?? 0;

  const podIPs: string[] = [];
  let ready: boolean | undefined;
  if (status) {
    const ips = r.kArr(status, statusPath, 'podIPs');
    for (let i = 0; i < ips.length; i++) {
      const ip = r.str(Reader.get(ips[i], 'ip'), at('status', 'podIPs', i, 'ip'));
      if (ip) podIPs.push(canonicalIPv6Text(ip));
    }
    const single = canonicalIPv6Text(r.kStr(status, statusPath, 'podIP'));
    if (single && !podIPs.includes(single)) podIPs.unshift(single);
    const conds = r.kArr(status, statusPath, 'conditions');
    for (let i = 0; i < conds.length; i++) {
      const co = r.obj(conds[i], at('status', 'conditions', i));
      if (co && co['type'] === 'Ready') ready = co['status'] === 'True';
    }
  }

  const annotations = r.kStrMap(meta, metaPath, 'annotations');
  const tolerations = r.kArr(spec, specPath, 'tolerations');
  const pod: Pod = {
    namespace,
    name: r.kStr(meta, metaPath, 'name') || r.kStr(meta, metaPath, 'generateName'),
    labels: podLabels,
    annotations,
    nodeName: r.kStr(spec, specPath, 'nodeName'),
    hostNetwork,
    // SetDefaults_PodSpec
    dnsPolicy: r.kStr(spec, specPath, 'dnsPolicy') || 'ClusterFirst',
    containers,
    initContainers,
    nodeSelector: r.kStrMap(spec, specPath, 'nodeSelector'),
    tolerations: tolerations.length ? readTolerations(r, tolerations, at('spec', 'tolerations')) : [],
    priority,
    schedulerName: r.kStr(spec, specPath, 'schedulerName') || 'default-scheduler',
    phase: status ? r.kOneOf<PodPhase>(status, statusPath, 'phase', PHASES, 'Pending') : 'Pending',
    podIPs,
    terminating: meta?.['deletionTimestamp'] !== undefined && meta?.['deletionTimestamp'] !== null,
  };
  if (requiredNodeAffinity) pod.requiredNodeAffinity = requiredNodeAffinity;
  if (requiredPodAffinity) pod.requiredPodAffinity = requiredPodAffinity;
  if (requiredPodAntiAffinity) pod.requiredPodAntiAffinity = requiredPodAntiAffinity;
  if (topologySpreadConstraints) pod.topologySpreadConstraints = topologySpreadConstraints;
  if (priorityClassName) pod.priorityClassName = priorityClassName;
  if (specPriority !== undefined) pod.priorityFromSpec = true;
  const preemptionPolicy = r.kOptStr(spec, specPath, 'preemptionPolicy');
  if (preemptionPolicy === 'Never' || preemptionPolicy === 'PreemptLowerPriority') pod.preemptionPolicy = preemptionPolicy;
  const unmodelled = unmodelledPodFields(spec, prefix.length ? `${prefix.join('.')}.spec` : 'spec');
  if (unmodelled.length) pod.unmodelled = unmodelled;
  const gates = r.kArr(spec, specPath, 'schedulingGates');
  if (gates.length) pod.schedulingGates = gates.map((g, i) => r.str(Reader.get(g, 'name'), at('spec', 'schedulingGates', i, 'name')));
  const volumes = r.kArr(spec, specPath, 'volumes');
  if (volumes.length) {
    const vols = readPodVolumes(r, volumes, at('spec', 'volumes'), pod.name);
    if (vols.length) pod.volumes = vols;
  }
  if (ready !== undefined) pod.ready = ready;
  const uid = r.kOptStr(meta, metaPath, 'uid');
  if (uid) pod.uid = uid;
  if (annotations[SANDBOX_ID_ANNOTATION]) pod.sandboxId = annotations[SANDBOX_ID_ANNOTATION];
  if (opts.isPod && meta && meta['ownerReferences'] !== undefined) {
    const owner = controllerOwner(r, meta, namespace);
    if (owner) {
      pod.owner = owner;
      pod.workload = owner;
    }
  }
  return pod;
}

export function asParsed(input: unknown): ParsedObject {
  if (isParsedObject(input)) return input;
  return fromObjects([input])[0];
}

export function finish<T>(diags: Diagnostic[], value: T): T {
  if (diags.some((d) => d.severity === 'error')) throw new InputError(diags);
  return value;
}

export function podFromParsed(po: Located & { obj: Record<string, unknown> }, diags: Diagnostic[]): Pod {
  const r = new Reader(po, diags);
  const pod = readPod(r, po.obj, [], { isPod: true }, 'default');
  pod.source = po.source;
  return pod;
}

/** A single submitted Pod manifest (object or ParsedObject) -> defaulted Pod. Throws InputError on bad types. */
export function podFromObject(obj: unknown): Pod {
  const po = asParsed(obj);
  const diags: Diagnostic[] = [];
  const pod = podFromParsed(po, diags);
  return finish(diags, pod);
}

export const WORKLOAD_KINDS: readonly WorkloadKind[] = ['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job'];

export function workloadFromParsed(po: Located & { obj: Record<string, unknown> }, diags: Diagnostic[]): Workload | undefined {
  const r = new Reader(po, diags);
  const o = po.obj;
  const kind = o['kind'] as WorkloadKind;
  if (!WORKLOAD_KINDS.includes(kind)) return undefined;
  const meta = r.obj(o['metadata'], ['metadata']);
  const spec = r.obj(o['spec'], ['spec']) ?? {};
  const namespace = r.str(meta?.['namespace'], ['metadata', 'namespace'], 'default') || 'default';
  const template = readPod(r, isRecord(spec['template']) ? spec['template'] : {}, ['spec', 'template'], { isPod: false }, namespace);
  if (spec['template'] !== undefined) r.obj(spec['template'], ['spec', 'template']);
  template.namespace = namespace;
  template.name = '';
  template.nodeName = '';
  template.phase = 'Pending';
  if (kind === 'StatefulSet' && Array.isArray(spec['volumeClaimTemplates']) && spec['volumeClaimTemplates'].length) {
    const f = { code: 'VolumeClaimTemplatesNotModelled' as const, field: 'spec.volumeClaimTemplates', description: "each replica's claim from volumeClaimTemplates is not created, so the volume filters do not see it" };
    template.unmodelled = [...(template.unmodelled ?? []), f];
  }
  const selector = readLabelSelector(r, spec['selector'], ['spec', 'selector']) ?? { matchLabels: { ...template.labels }, matchExpressions: [] };
  let replicas: number | undefined;
  if (kind === 'Job') replicas = r.optInt(spec['parallelism'], ['spec', 'parallelism']) ?? 1;
  else if (kind !== 'DaemonSet') replicas = r.optInt(spec['replicas'], ['spec', 'replicas']) ?? 1; // SetDefaults_Deployment etc.
  const w: Workload = {
    kind,
    namespace,
    name: r.str(meta?.['name'], ['metadata', 'name']),
    labels: r.strMap(meta?.['labels'], ['metadata', 'labels']),
    replicas,
    selector,
    template,
    raw: o,
    source: po.source,
  };
  const uid = r.optStr(meta?.['uid'], ['metadata', 'uid']);
  if (uid) w.uid = uid;
  if (kind === 'ReplicaSet') {
    const owner = controllerOwner(r, meta, namespace);
    if (owner) w.owner = owner;
  }
  return w;
}

/** A single Deployment/ReplicaSet/StatefulSet/DaemonSet/Job manifest -> Workload. Throws InputError on bad types. */
export function workloadFromObject(obj: unknown): Workload {
  const po = asParsed(obj);
  const diags: Diagnostic[] = [];
  const w = workloadFromParsed(po, diags);
  if (!w) throw new InputError([{ severity: 'error', file: po.source.file, doc: po.source.doc, line: po.source.line, field: 'kind', message: `not a workload kind: ${String(po.obj['kind'])}` }]);
  return finish(diags, w);
}

/**
 * The Pod a controller would create from the template, after Pod defaulting: the template itself is not
 * hostPort-defaulted, the created Pod is (SetDefaults_Pod runs on create).
 */
export function podFromTemplate(w: Workload, name: string): Pod {
  const t = w.template;
  const copyC = (c: Container): Container => ({ ...c, ports: c.ports.map((p) => ({ ...p })), requests: { ...c.requests } });
  const containers = t.containers.map(copyC);
  const initContainers = t.initContainers.map(copyC);
  if (t.hostNetwork) for (const c of [...containers, ...initContainers]) for (const p of c.ports) if (p.hostPort === 0) p.hostPort = p.containerPort;
  const ref: ObjectRef = { kind: w.kind, namespace: w.namespace, name: w.name };
  return {
    ...t,
    name,
    namespace: w.namespace,
    labels: { ...t.labels },
    annotations: { ...t.annotations },
    containers,
    initContainers,
    tolerations: [...t.tolerations],
    owner: ref,
    workload: ref,
    nodeName: '',
    phase: 'Pending',
    podIPs: [],
    terminating: false,
  };
}
