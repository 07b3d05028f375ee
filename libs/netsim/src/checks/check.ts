/**
 * Manifest checks: what the API server would reject, and what would go wrong after it accepts (Pending
 * replicas, bind failures, shadowed or stolen ports, selectors that match nothing), for submitted manifests
 * alone or against a snapshot.
 *
 * A submission is applied as a whole, as `kubectl apply -f` of all its files would be: objects are evaluated
 * against the snapshot plus the other submitted objects (Nodes, Services, NetworkPolicies), and workloads and
 * Pods are placed in file order, each seeing the pods placed before it (two submitted workloads that need the
 * same host port on the same nodes conflict). A bare Pod without nodeName is bound to its first feasible node.
 */
import type { CheckReport, Exemption, Finding, RuntimePrediction, Severity } from '../model/results';
import type { NetworkPolicy, Pod, Service, Snapshot, Workload } from '../model/types';
import { buildSnapshot } from '../adapter/build';
import { allocateClusterIPs } from '../adapter/cluster-ip';
import { InputError } from '../adapter/diagnostics';
import { fromObjects, isParsedObject, type FieldPath, type ParsedObject } from '../adapter/parse';
import { podFromTemplate } from '../adapter/pod';
import { defaultProfile } from '../adapter/profile';
import { formatLabels, matchesLabelSelector, matchesMap } from '../adapter/selectors';
import { getHostPorts } from '../scheduling/hostports';
import { placeWorkloadBound, withoutOwnPods } from '../scheduling/placement';
import { schedulePod } from '../scheduling/schedule';
import { buildSchedulingState, portKey, type SchedulingState } from '../scheduling/state';
import { ERR_REASON_NODE_PORTS } from '../scheduling/plugins/node-ports';
import type { RuleId } from './rules';
import { applyExemptions, countsOf, IGNORE_ANNOTATION, parseIgnoreAnnotation, verdictOf, type IgnoreEntry } from './suppress';
import { allocatedNodePorts, qualifiedKind, renderInvalid, validateParsed, type FieldError } from './validate';

/** Kinds without a namespace (NamespaceLifecycle does not apply), among those a submission carries. */
const CLUSTER_SCOPED = new Set(['Namespace', 'Node', 'NodeHostState', 'ClusterProfile', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'PersistentVolume', 'StorageClass', 'PriorityClass', 'IngressClass', 'RuntimeClass', 'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding', 'APIService', 'CSIDriver', 'CSINode', 'VolumeAttachment', 'List']);
/** created by the apiserver itself, present even when a snapshot omits them */
const ALWAYS_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

const NETPOL_DOC = 'https://kubernetes.io/docs/concepts/services-networking/network-policies/#networkpolicy-and-hostnetwork-pods';

function emptySnapshot(): Snapshot {
  return { profile: defaultProfile(), nodes: [], pods: [], workloads: [], services: [], endpointSlices: [], networkPolicies: [], namespaces: [], hostStates: [], unknown: [] };
}

/** "spec.containers[0].ports[1].hostPort" -> ['spec','containers',0,'ports',1,'hostPort'] */
export function parseFieldPath(field: string): FieldPath {
  const out: FieldPath = [];
  for (const part of field.split('.')) {
    const m = /^([^[]*)((?:\[[0-9]+\])*)$/.exec(part);
    if (!m) {
      out.push(part);
      continue;
    }
    if (m[1]) out.push(m[1]);
    for (const idx of m[2].matchAll(/\[([0-9]+)\]/g)) out.push(Number(idx[1]));
  }
  return out;
}

interface Subject {
  po: ParsedObject;
  kind: string;
  namespace: string;
  name: string;
  ref: string;
  pod?: Pod;
  workload?: Workload;
  service?: Service;
  rejected: boolean;
}

class Collector {
  readonly findings: Finding[] = [];
  add(s: Pick<Subject, 'ref' | 'po'>, rule: RuleId, severity: Severity, message: string, fix: string, path?: FieldPath): void {
    const line = path ? (s.po.lineOf(path) ?? s.po.source.line) : s.po.source.line;
    const f: Finding = { rule, severity, object: s.ref, message, fix };
    if (s.po.source.file !== undefined || line !== undefined) {
      f.source = {};
      if (s.po.source.file !== undefined) f.source.file = s.po.source.file;
      if (line !== undefined) f.source.line = line;
    }
    this.findings.push(f);
  }
}

function ruleFor(err: FieldError): RuleId {
  const d = err.detail;
  if (d.includes('must match `containerPort` when `hostNetwork` is true')) return 'hostnetwork-hostport-mismatch';
  if (d.startsWith('Duplicate value') && err.field.endsWith('.hostPort')) return 'hostport-duplicate';
  if (d.startsWith('Duplicate value') && err.field.endsWith('.nodePort')) return 'nodeport-duplicate';
  if (d.includes('provided port is not in the valid range')) return 'nodeport-out-of-range';
  if (d.includes('provided port is already allocated')) return 'nodeport-allocated';
  if (d.includes("may not be used when `type` is 'ClusterIP'")) return 'nodeport-on-clusterip';
  if (d.includes('must be between 1 and 65535')) return 'port-out-of-range';
  return 'api-rejected';
}

function fixFor(rule: string, err: FieldError, s: Subject, holders: Map<number, string>, snapshot: Snapshot): string {
  const num = Number(/: (-?[0-9]+):/.exec(err.detail)?.[1] ?? NaN);
  const range = snapshot.profile.nodePortRange;
  switch (rule) {
    case 'hostnetwork-hostport-mismatch':
      return 'With hostNetwork the process binds the node port directly, so a port cannot be remapped: set hostPort equal to containerPort, or drop hostPort (it is defaulted from containerPort).';
    case 'hostport-duplicate':
      return 'Give each entry a distinct protocol/hostIP/hostPort, or remove the duplicate.';
    case 'nodeport-out-of-range':
      return `Use a nodePort within ${range.base}-${range.base + range.size - 1}, or omit nodePort to let the apiserver allocate one.`;
    case 'nodeport-allocated':
      return `nodePort ${num} is held by Service ${holders.get(num) ?? 'another Service'}; pick a free port or omit nodePort to auto-allocate.`;
    case 'nodeport-duplicate':
      return 'Each (protocol, nodePort) may appear once per Service; ports that share the same port number may share a nodePort across protocols.';
    case 'nodeport-on-clusterip':
      return 'Set spec.type to NodePort (or LoadBalancer), or remove nodePort.';
    case 'port-out-of-range':
      return 'Use a port number between 1 and 65535.';
    default:
      return `Fix ${err.field} in ${s.ref}.`;
  }
}

function mergeSnapshots(base: Snapshot, sub: Snapshot): Snapshot {
  const key = (ns: string, name: string): string => `${ns}/${name}`;
  const subPods = new Set(sub.pods.map((p) => key(p.namespace, p.name)));
  const subSvcs = new Set(sub.services.map((s) => key(s.namespace, s.name)));
  const subNodes = new Set(sub.nodes.map((n) => n.name));
  const hasProfile = sub.profile !== undefined && JSON.stringify(sub.profile) !== JSON.stringify(defaultProfile());
  return {
    profile: hasProfile ? sub.profile : base.profile,
    nodes: [...base.nodes.filter((n) => !subNodes.has(n.name)), ...sub.nodes],
    pods: base.pods.filter((p) => !subPods.has(key(p.namespace, p.name))),
    workloads: [...base.workloads, ...sub.workloads],
    services: [...base.services.filter((s) => !subSvcs.has(key(s.namespace, s.name))), ...sub.services],
    endpointSlices: base.endpointSlices,
    networkPolicies: [...base.networkPolicies, ...sub.networkPolicies],
    namespaces: [...base.namespaces, ...sub.namespaces],
    hostStates: [...base.hostStates, ...sub.hostStates],
    unknown: base.unknown,
  };
}

function podLabelSets(snapshot: Snapshot, namespace: string): Array<{ labels: Record<string, string>; who: string }> {
  const out: Array<{ labels: Record<string, string>; who: string }> = [];
  for (const p of snapshot.pods) if (p.namespace === namespace && p.phase !== 'Succeeded' && p.phase !== 'Failed') out.push({ labels: p.labels, who: `Pod ${p.namespace}/${p.name}` });
  for (const w of snapshot.workloads) if (w.namespace === namespace) out.push({ labels: w.template.labels, who: `${w.kind} ${w.namespace}/${w.name}` });
  return out;
}

function checkSelector(c: Collector, s: Subject, svc: Service, all: Snapshot, submittedPods: Pod[]): void {
  if (!svc.selector || Object.keys(svc.selector).length === 0 || svc.type === 'ExternalName') return;
  const sets = [...podLabelSets(all, svc.namespace), ...submittedPods.filter((p) => p.namespace === svc.namespace).map((p) => ({ labels: p.labels, who: `Pod ${p.namespace}/${p.name}` }))];
  if (sets.some((x) => matchesMap(svc.selector ?? {}, x.labels))) return;
  const wanted = Object.entries(svc.selector);
  // a label with the selector's value under another key is the classic typo (seed 003: name: nginx vs app: nginx)
  let suggestion = '';
  for (const x of sets) {
    const alt: Record<string, string> = {};
    let ok = true;
    for (const [k, v] of wanted) {
      if (x.labels[k] === v) alt[k] = v;
      else {
        const other = Object.keys(x.labels).find((lk) => x.labels[lk] === v);
        if (other) alt[other] = v;
        else ok = false;
      }
    }
    if (ok) {
      suggestion = ` Did you mean selector ${formatLabels(alt)} (${x.who})?`;
      break;
    }
  }
  const existing = [...new Map(sets.map((x) => [formatLabels(x.labels), x.who])).entries()].filter(([l]) => l).slice(0, 5);
  const fix = existing.length
    ? `Pods in namespace ${svc.namespace} carry: ${existing.map(([l, who]) => `${l} (${who})`).join('; ')}.${suggestion}`
    : `No pod or workload template in namespace ${svc.namespace} is known; create the workload or fix the selector.`;
  c.add(s, 'service-selector-matches-nothing', 'warning', `Service ${svc.namespace}/${svc.name} selector ${formatLabels(svc.selector)} matches no pod: it gets no endpoints and kube-proxy rejects its traffic.`, fix, ['spec', 'selector']);
}

function podSpecPath(s: Subject): FieldPath {
  return s.workload ? ['spec', 'template', 'spec'] : ['spec'];
}

const SERVICE_DNS = /\b[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)?\.svc(\.cluster\.local)?\b/g;

/** In-cluster DNS names ("x.ns.svc", "x.ns.svc.cluster.local") in the containers' command, args and env values. */
function clusterServiceNames(spec: unknown): string[] {
  const out = new Set<string>();
  const containers = (spec as Record<string, unknown> | undefined)?.['containers'];
  if (!Array.isArray(containers)) return [];
  const scan = (v: unknown): void => {
    if (typeof v === 'string') for (const m of v.matchAll(SERVICE_DNS)) out.add(m[0]);
  };
  for (const c of containers) {
    const o = c as Record<string, unknown> | null;
    for (const k of ['command', 'args']) if (Array.isArray(o?.[k])) (o[k] as unknown[]).forEach(scan);
    if (Array.isArray(o?.['env'])) for (const e of o['env'] as Array<Record<string, unknown> | null>) scan(e?.['value']);
  }
  return [...out];
}

function checkHostNetwork(c: Collector, s: Subject, pod: Pod, policies: NetworkPolicy[]): void {
  if (!pod.hostNetwork) return;
  const spec = podSpecPath(s);
  const spec0 = s.workload ? ((s.po.obj['spec'] as Record<string, unknown> | undefined)?.['template'] as Record<string, unknown> | undefined)?.['spec'] : s.po.obj['spec'];
  // ClusterFirst under hostNetwork falls back to the node's resolv.conf (kubelet dns.go). That is what node agents
  // (CNI, kube-proxy, exporters, LB speakers) want, so it is a problem only when the pod names cluster Services.
  if (pod.dnsPolicy === 'ClusterFirst') {
    const names = clusterServiceNames(spec0);
    if (names.length) {
      c.add(
        s,
        'hostnetwork-dnspolicy',
        'warning',
        `${s.ref} uses hostNetwork with dnsPolicy ClusterFirst, so it resolves through the node's resolv.conf, yet it names cluster Services (${names.slice(0, 3).join(', ')}): those lookups fail.`,
        'Set dnsPolicy: ClusterFirstWithHostNet.',
        [...spec, 'hostNetwork'],
      );
    }
  }
  const rawContainers = (spec0 as Record<string, unknown> | undefined)?.['containers'];
  const explicit: number[] = [];
  if (Array.isArray(rawContainers))
    for (const rc of rawContainers) {
      const ports = (rc as Record<string, unknown> | null)?.['ports'];
      if (Array.isArray(ports)) for (const p of ports) if (typeof (p as Record<string, unknown> | null)?.['hostPort'] === 'number' && (p as Record<string, number>)['hostPort'] > 0) explicit.push((p as Record<string, number>)['hostPort']);
    }
  if (explicit.length) {
    c.add(
      s,
      'hostnetwork-hostport-noop',
      'info',
      `${s.ref} sets hostPort ${explicit.join(', ')} together with hostNetwork: only hostNetwork takes effect. The process binds the node's port itself; no portmap DNAT rule is created (containerd sets up CNI only for non-hostNetwork pods), and hostPort is scheduler bookkeeping only.`,
      'Drop hostPort (it is defaulted from containerPort on the Pod anyway), or drop hostNetwork if a port mapping was intended.',
      [...spec, 'hostNetwork'],
    );
  }
  const selecting = policies.filter((np) => np.namespace === pod.namespace && matchesLabelSelector(np.podSelector, pod.labels));
  if (selecting.length) {
    c.add(
      s,
      'hostnetwork-networkpolicy',
      'warning',
      `NetworkPolicy ${selecting.map((p) => `${p.namespace}/${p.name}`).join(', ')} selects this hostNetwork pod, but "NetworkPolicy behaviour for hostNetwork pods is undefined" (most plugins treat its traffic as node traffic and ignore the podSelector).`,
      `Do not rely on NetworkPolicy to protect hostNetwork pods; filter on the node (host firewall) or drop hostNetwork. See ${NETPOL_DOC}`,
      [...spec, 'hostNetwork'],
    );
  } else {
    c.add(s, 'hostnetwork-networkpolicy', 'info', `${s.ref} uses hostNetwork: it is outside NetworkPolicy's reach ("NetworkPolicy behaviour for hostNetwork pods is undefined").`, `Protect its ports with a host firewall if needed. See ${NETPOL_DOC}`, [...spec, 'hostNetwork']);
  }
}

function describePorts(pod: Pod): string {
  const ports = getHostPorts(pod).map((p) => `${p.hostIP ? `${p.hostIP}:` : ''}${p.hostPort}/${p.protocol}`);
  return [...new Set(ports)].join(', ');
}

function collisionFindings(c: Collector, s: Subject, byKind: Map<string, { p: RuntimePrediction; nodes: string[] }>): void {
  for (const { p, nodes } of byKind.values()) {
    const where = nodes.length ? ` (nodes: ${nodes.slice(0, 5).join(', ')}${nodes.length > 5 ? `, +${nodes.length - 5}` : ''})` : '';
    if (p.kind === 'hostport-shadowed') c.add(s, 'hostport-shadowed-by-nodeport', 'warning', `${p.message}${where}.`, 'Pick a hostPort outside the NodePort range, or change the Service nodePort.', [...podSpecPath(s), 'containers']);
    else if (p.kind === 'hostport-captures-listener') c.add(s, 'hostport-captures-listener', 'warning', `${p.message}${where}.`, 'Choose another hostPort, move the host process, or constrain the pod away from those nodes.', [...podSpecPath(s), 'containers']);
    else if (p.kind === 'no-portmap') c.add(s, 'hostport-without-portmap', 'warning', `${p.message}.`, 'Add the portmap plugin to the CNI conflist, or expose the pod through a NodePort Service.', [...podSpecPath(s), 'containers']);
  }
}

function aggregate(preds: Array<{ node: string; runtime: RuntimePrediction[] }>): Map<string, { p: RuntimePrediction; nodes: string[] }> {
  const out = new Map<string, { p: RuntimePrediction; nodes: string[] }>();
  for (const { node, runtime } of preds) {
    for (const r of runtime) {
      if (r.kind === 'bind-conflict') continue;
      const k = `${r.kind}|${r.port}|${r.protocol}|${r.holder?.name ?? ''}`;
      const e = out.get(k);
      if (e) e.nodes.push(node);
      else out.set(k, { p: r, nodes: node ? [node] : [] });
    }
  }
  return out;
}

/** Without nodes there is no placement, but NodePorts are cluster-wide: the shadowing still shows. */
function nodelessCollisions(state: SchedulingState, pod: Pod): Array<{ node: string; runtime: RuntimePrediction[] }> {
  const runtime: RuntimePrediction[] = [];
  for (const p of getHostPorts(pod)) {
    const np = state.nodePorts.get(portKey(p.protocol, p.hostPort));
    if (np)
      runtime.push({
        kind: 'hostport-shadowed',
        message: `${pod.hostNetwork ? 'hostNetwork port' : 'hostPort'} ${p.hostPort}/${p.protocol} equals NodePort ${np.service.namespace}/${np.service.name}: the NodePort wins because KUBE-SERVICES is jumped to before ${pod.hostNetwork ? "the packet reaches the pod's socket" : 'CNI-HOSTPORT-DNAT'}`,
        certainty: 'declared',
        port: p.hostPort,
        protocol: p.protocol,
        holder: { kind: 'nodePort', name: `${np.service.namespace}/${np.service.name}` },
      });
  }
  return [{ node: '', runtime }];
}

/** "held by Deployment/ns/a of this submission" when pods placed earlier in the submission use the same host ports */
function heldInSubmission(pod: Pod, bound: Array<{ pod: Pod; by: string }>): string {
  const mine = getHostPorts(pod);
  const by = new Set<string>();
  for (const b of bound) if (getHostPorts(b.pod).some((h) => mine.some((m) => m.hostPort === h.hostPort && m.protocol === h.protocol))) by.add(b.by);
  return by.size ? `; the port is also needed by ${[...by].join(', ')} earlier in this submission` : '';
}

function checkWorkload(c: Collector, s: Subject, w: Workload, state: SchedulingState, earlier: Array<{ pod: Pod; by: string }>): Pod[] {
  const proto = podFromTemplate(w, `${w.name}-0`);
  if (!state.nodes.length) {
    collisionFindings(c, s, aggregate(nodelessCollisions(state, proto)));
    return [];
  }
  const { result: placement, bound } = placeWorkloadBound(state, w);
  const spec = podSpecPath(s);
  for (const p of placement.preempting ?? []) {
    c.add(s, 'unschedulable', 'warning', `${p.pod} fits ${p.node} only by preemption: it would evict ${p.victims.join(', ')}.`, 'Check that evicting those pods is intended.', spec);
  }
  if (placement.pending.length) {
    const msg = placement.pending[0].message + heldInSubmission(proto, earlier);
    const nodesTaking = new Set([...placement.placed, ...placement.crashing].map((p) => p.node)).size;
    const ports = describePorts(proto);
    if (msg.includes(ERR_REASON_NODE_PORTS) && ports && w.kind !== 'DaemonSet') {
      c.add(
        s,
        'hostport-replicas-exceed-nodes',
        'error',
        `${placement.replicas} replicas but only ${nodesTaking} node${nodesTaking === 1 ? '' : 's'} can take hostPort ${ports}; ${placement.pending.length} will stay Pending (${msg})`,
        `Lower replicas to ${nodesTaking}, use a DaemonSet, or expose the pods through a Service instead of a host port.`,
        [...(w.kind === 'Job' ? ['spec', 'parallelism'] : ['spec', 'replicas'])],
      );
    } else {
      c.add(s, 'unschedulable', 'error', `${placement.pending.length} of ${placement.replicas} pods of ${s.ref} stay Pending: ${msg}`, 'Free capacity or relax the constraints the message names (taints, node selector/affinity, ports, resources).', spec);
    }
  }
  if (placement.crashing.length) {
    const first = placement.crashing[0];
    c.add(
      s,
      'runtime-bind-conflict',
      'error',
      `${placement.crashing.length} of ${placement.replicas} pods would crash: ${first.pod} on ${first.node}: ${first.reason} -> CrashLoopBackOff (${first.certainty})`,
      proto.hostNetwork
        ? 'Declare the ports the container binds (containerPort) so the scheduler keeps replicas apart, keep replicas <= nodes, or use a DaemonSet.'
        : 'Free the port on the node or choose another port.',
      [...spec, 'containers'],
    );
  }
  const feasible = schedulePod(state, proto).nodes.filter((v) => v.feasible);
  collisionFindings(c, s, aggregate(feasible.map((v) => ({ node: v.node, runtime: v.runtime }))));
  return bound;
}

/** The node a submitted Pod ends up on, for later objects of the submission to see; undefined when Pending. */
function checkPod(c: Collector, s: Subject, pod: Pod, state: SchedulingState): string | undefined {
  if (!state.nodes.length) {
    collisionFindings(c, s, aggregate(nodelessCollisions(state, pod)));
    return undefined;
  }
  const r = schedulePod(state, pod);
  if (r.kubeletAdmission) {
    if (!r.kubeletAdmission.admit) c.add(s, 'kubelet-rejects', 'error', `${s.ref} names node ${pod.nodeName}: ${r.kubeletAdmission.message ?? r.kubeletAdmission.reason}`, 'Remove spec.nodeName to let the scheduler pick a node, or free what the message names on that node.', ['spec', 'nodeName']);
    else {
      const ns = state.byName.get(pod.nodeName);
      if (ns) {
        const v = schedulePod(state, { ...pod, nodeName: '' }).nodes.find((x) => x.node === pod.nodeName);
        if (v?.feasible) {
          const crash = v.runtime.find((x) => x.kind === 'bind-conflict');
          if (crash) c.add(s, 'runtime-bind-conflict', 'error', `${s.ref} on ${pod.nodeName}: ${crash.message} -> CrashLoopBackOff (${crash.certainty})`, 'Free the port on the node or choose another port.', ['spec', 'containers']);
          collisionFindings(c, s, aggregate([{ node: v.node, runtime: v.runtime }]));
        }
      }
    }
    return r.kubeletAdmission.admit ? pod.nodeName : undefined;
  }
  if (!r.feasibleNodes.length) {
    if (r.preemption) c.add(s, 'unschedulable', 'warning', `${s.ref} fits nowhere as things stand: ${r.message} It would preempt ${r.preemption.victims.join(', ')} on ${r.preemption.nominatedNodeName}.`, 'Check that evicting those pods is intended.', ['spec']);
    else c.add(s, 'unschedulable', 'error', `${s.ref} stays Pending: ${r.message}`, 'Free capacity or relax the constraints the message names.', ['spec']);
    return r.preemption?.nominatedNodeName;
  }
  const feasible = r.nodes.filter((v) => v.feasible);
  const crashing = feasible.filter((v) => v.runtime.some((x) => x.kind === 'bind-conflict'));
  if (crashing.length) {
    const first = crashing[0].runtime.find((x) => x.kind === 'bind-conflict');
    const all = crashing.length === feasible.length;
    c.add(
      s,
      'runtime-bind-conflict',
      all ? 'error' : 'warning',
      `${s.ref} would crash on ${all ? 'every feasible node' : `${crashing.length} of ${feasible.length} feasible nodes (${crashing.map((v) => v.node).slice(0, 5).join(', ')})`}: ${first?.message} -> CrashLoopBackOff (${first?.certainty})`,
      'Declare the ports the container binds so the scheduler can see them, or choose another port.',
      ['spec', 'containers'],
    );
  }
  collisionFindings(c, s, aggregate(feasible.map((v) => ({ node: v.node, runtime: v.runtime }))));
  return r.feasibleNodes[0];
}

function checkServiceVsHostPorts(c: Collector, s: Subject, svc: Service, all: Snapshot): void {
  if (svc.type !== 'NodePort' && svc.type !== 'LoadBalancer') return;
  svc.ports.forEach((sp, i) => {
    if (sp.nodePort <= 0) return;
    const holders = all.pods.filter((p) => p.phase !== 'Succeeded' && p.phase !== 'Failed' && getHostPorts(p).some((hp) => hp.hostPort === sp.nodePort && hp.protocol === sp.protocol));
    if (!holders.length) return;
    c.add(
      s,
      'hostport-shadowed-by-nodeport',
      'warning',
      `nodePort ${sp.nodePort}/${sp.protocol} equals the host port of ${holders.map((p) => `${p.namespace}/${p.name}${p.nodeName ? ` on ${p.nodeName}` : ''}`).slice(0, 5).join(', ')}: the NodePort takes that traffic (KUBE-SERVICES runs before CNI-HOSTPORT-DNAT).`,
      'Pick another nodePort (or omit it), or move the host port out of the NodePort range.',
      ['spec', 'ports', i, 'nodePort'],
    );
  });
}

export interface CheckOptions {
  /** per-cluster exemptions (rule, object selector, reason, expiry) */
  exemptions?: readonly Exemption[];
  /** when exemptions expire against; default: now */
  now?: Date;
}

/** `portolan.dev/ignore` on each submitted object: marks its findings, reports malformed entries. */
function applyAnnotations(c: Collector, subjects: Subject[]): void {
  const byRef = new Map<string, { s: Subject; entries: IgnoreEntry[] }>();
  for (const s of subjects) {
    const ann = (s.po.obj['metadata'] as { annotations?: Record<string, unknown> } | undefined)?.annotations?.[IGNORE_ANNOTATION];
    if (typeof ann !== 'string') continue;
    const { entries, errors } = parseIgnoreAnnotation(ann);
    for (const e of errors) c.add(s, 'ignore-annotation-invalid', 'warning', `${IGNORE_ANNOTATION} on ${s.ref}: ${e}; nothing is suppressed by this entry.`, 'Write one "rule-id: reason" per line (or separated by ";").', ['metadata', 'annotations', IGNORE_ANNOTATION]);
    byRef.set(s.ref, { s, entries });
  }
  for (const f of c.findings) {
    const e = byRef.get(f.object)?.entries.find((x) => x.rule === f.rule);
    if (e) f.suppressed = { kind: 'annotation', reason: e.reason };
  }
}

/** Check submitted manifests, alone or against a snapshot. Never throws on bad input: it becomes findings. */
export function checkManifests(objects: Array<ParsedObject | unknown>, snapshot?: Snapshot, opts: CheckOptions = {}): CheckReport {
  const c = new Collector();
  const parsed: ParsedObject[] = [];
  const raw: unknown[] = [];
  for (const o of objects) (isParsedObject(o) ? parsed : raw).push(o as never);
  try {
    if (raw.length) for (const po of fromObjects(raw)) parsed.push(po);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    for (const d of e.diagnostics) c.findings.push({ rule: 'input-error', severity: 'error', object: `${d.file ?? ''}#${(d.doc ?? 0) + 1}`, message: d.message, fix: 'Fix the manifest so it decodes.' });
  }

  // decode each object on its own so one bad document does not hide the findings of the others
  const good: ParsedObject[] = [];
  for (const po of parsed) {
    try {
      buildSnapshot([po]);
      good.push(po);
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      const meta = po.obj['metadata'] as Record<string, unknown> | undefined;
      const ref = `${String(po.obj['kind'])}/${typeof meta?.['namespace'] === 'string' ? meta['namespace'] : 'default'}/${typeof meta?.['name'] === 'string' ? meta['name'] : ''}`;
      for (const d of e.diagnostics.filter((x) => x.severity === 'error')) {
        c.findings.push({ rule: 'input-error', severity: 'error', object: ref, message: d.field ? `${d.field}: ${d.message}` : d.message, fix: 'Fix the field type; the API server would reject the object while decoding it.', source: { file: d.file, line: d.line } });
      }
    }
  }
  const sub = buildSnapshot(good).snapshot;
  const base = snapshot ?? emptySnapshot();
  // new Services get a ClusterIP as the apiserver would give them, so they take part like the others
  allocateClusterIPs(base, sub.services);
  const all = mergeSnapshots(base, sub);

  // subjects in input order, with their model objects
  const subjects: Subject[] = [];
  let pi = 0;
  let wi = 0;
  let si = 0;
  for (const po of good) {
    const kind = String(po.obj['kind']);
    const meta = po.obj['metadata'] as Record<string, unknown> | undefined;
    const name = typeof meta?.['name'] === 'string' ? meta['name'] : '';
    const namespace = typeof meta?.['namespace'] === 'string' && meta['namespace'] ? meta['namespace'] : 'default';
    const subj: Subject = { po, kind, namespace, name, ref: `${kind}/${namespace}/${name}`, rejected: false };
    if (kind === 'Pod') subj.pod = sub.pods[pi++];
    else if (['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job'].includes(kind)) subj.workload = sub.workloads[wi++];
    else if (kind === 'Service') subj.service = sub.services[si++];
    subjects.push(subj);
  }

  // 0. NamespaceLifecycle: only decidable when the snapshot lists its Namespaces
  if (base.namespaces.length) {
    const known = new Set([...base.namespaces.map((n) => n.name), ...sub.namespaces.map((n) => n.name), ...ALWAYS_NAMESPACES]);
    for (const s of subjects) {
      if (CLUSTER_SCOPED.has(s.kind) || known.has(s.namespace)) continue;
      s.rejected = true;
      c.add(s, 'namespace-not-found', 'error', `Error from server (NotFound): namespaces "${s.namespace}" not found (${s.ref}): the namespace is neither in the snapshot nor in the submission.`, `Add a Namespace ${s.namespace} to the submission, or fix metadata.namespace.`, ['metadata', 'namespace']);
    }
  }

  // 1. API server validation, in submission order (earlier Services hold their node ports)
  const createdServices: Service[] = [];
  for (const s of subjects) {
    const v = validateParsed(s.po, { snapshot: { ...base, profile: all.profile }, services: createdServices });
    if (v && v.errors.length) {
      s.rejected = true;
      const holders = allocatedNodePorts([...base.services, ...createdServices]);
      for (const err of v.errors) {
        const rule = ruleFor(err);
        c.add(s, rule, 'error', renderInvalid(qualifiedKind(v.kind), v.name, [err]), fixFor(rule, err, s, holders, all), parseFieldPath(err.field));
      }
    }
    if (s.service && !s.rejected) createdServices.push(s.service);
  }

  // 2. what happens once accepted
  const accepted = subjects.filter((s) => !s.rejected);
  const acceptedPods = accepted.flatMap((s) => (s.pod ? [s.pod] : []));
  const stateServices = [...base.services.filter((b) => !createdServices.some((x) => x.namespace === b.namespace && x.name === b.name)), ...createdServices];
  const withServices: Snapshot = { ...all, services: stateServices };
  const state = buildSchedulingState(withServices);
  // pods earlier objects of the submission put on nodes; the state is rebuilt only once there are some
  const earlier: Array<{ pod: Pod; by: string }> = [];
  const stateWith = (snap: Snapshot): SchedulingState => buildSchedulingState({ ...snap, pods: [...snap.pods, ...earlier.map((e) => e.pod)] });
  for (const s of accepted) {
    if (s.service) {
      checkSelector(c, s, s.service, all, acceptedPods);
      checkServiceVsHostPorts(c, s, s.service, all);
    }
    const pod = s.pod ?? s.workload?.template;
    if (pod) checkHostNetwork(c, s, pod, all.networkPolicies);
    if (s.workload) {
      const rest = withoutOwnPods(withServices, s.workload);
      const st = rest || earlier.length ? stateWith(rest ?? withServices) : state;
      for (const pod of checkWorkload(c, s, s.workload, st, earlier)) earlier.push({ pod, by: s.ref });
    }
    if (s.pod) {
      const node = checkPod(c, s, s.pod, earlier.length ? stateWith(withServices) : state);
      if (node) earlier.push({ pod: { ...s.pod, nodeName: node, phase: 'Running' }, by: s.ref });
    }
  }
  applyAnnotations(c, subjects);
  applyExemptions(c.findings, opts.exemptions ?? [], opts.now ?? new Date());
  return { verdict: verdictOf(c.findings), findings: c.findings, counts: countsOf(c.findings) };
}
