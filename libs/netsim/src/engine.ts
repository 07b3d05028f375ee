import { parseDocuments, podFromObject, workloadFromObject, type ParsedObject, type TextInput } from './adapter';
import { isParsedObject } from './adapter/parse';
import { checkInputs, checkManifests, type CheckOptions } from './checks';
import { portClaims } from './claims';
import { iptablesDrift, renderNode, toIptablesSave, type DriftResult } from './iptables';
import { nftListRuleset } from './nftables';
import { QueryError } from './model/errors';
import type { CheckReport, PlacementResult, PortClaim, ScheduleResult, TraceRequest, TraceResult, TraceSource } from './model/results';
import type { Pod, Protocol, Snapshot, Workload } from './model/types';
import { buildSchedulingState, placeSubmission, placeWorkload, schedulePod, withoutOwnPods, type SchedulingState } from './scheduling';
import { traceWith, networkStateOf } from './trace';

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

/** `node-b:81`, `10.96.0.10:53/udp`, `192.168.1.10:30080/TCP` → host, port, protocol (default TCP). */
export function parseTraceTarget(text: string): { host: string; port: number; protocol: Protocol } {
  const m = /^\s*(\[[^\]]+\]|[^:/\s]+):(\d{1,5})(?:\/(tcp|udp|sctp))?\s*$/i.exec(text);
  if (!m) throw new QueryError(`"${text}" is not HOST:PORT[/PROTO] (e.g. node-b:81/TCP)`, 'to');
  const port = Number(m[2]);
  if (port < 1 || port > 65535) throw new QueryError(`port ${port} is out of range 1-65535`, 'to');
  return { host: (m[1] as string).replace(/^\[|\]$/g, ''), port, protocol: (m[3] ?? 'TCP').toUpperCase() as Protocol };
}

/** `external`, `external:203.0.113.9`, `node:NAME`, `localhost:NAME`, `pod:NS/NAME`, `ip:IP@NODE`. */
export function parseTraceSource(text: string | undefined): TraceSource {
  const t = (text ?? 'external').trim();
  const [kind, rest] = t.includes(':') ? [t.slice(0, t.indexOf(':')), t.slice(t.indexOf(':') + 1)] : [t, ''];
  switch (kind) {
    case 'external':
      if (rest && !IPV4.test(rest)) throw new QueryError(`external source "${rest}" is not an IPv4 address`, 'from');
      return rest ? { kind: 'external', ip: rest } : { kind: 'external' };
    case 'node':
    case 'localhost':
      if (!rest) throw new QueryError(`${kind} needs a node name: ${kind}:NAME`, 'from');
      return { kind, node: rest };
    case 'pod': {
      const m = /^([^/\s]+)\/([^/\s]+)$/.exec(rest);
      if (!m) throw new QueryError(`pod source "${rest}" is not NAMESPACE/NAME`, 'from');
      return { kind: 'pod', namespace: m[1] as string, name: m[2] as string };
    }
    case 'ip': {
      const m = /^([^@\s]+)@(\S+)$/.exec(rest);
      if (!m || !IPV4.test(m[1] as string)) throw new QueryError(`ip source "${rest}" is not IP@NODE`, 'from');
      return { kind: 'ip', ip: m[1] as string, node: m[2] as string };
    }
    default:
      throw new QueryError(`unknown source "${t}": use external[:IP], node:NAME, localhost:NAME, pod:NS/NAME or ip:IP@NODE`, 'from');
  }
}

/**
 * One snapshot's questions. Snapshots are immutable, so the scheduling state and the per-node rulesets are built
 * once, on first use, and shared by every later question (the service keeps engines in an LRU per snapshot).
 */
export class ClusterEngine {
  private sched?: SchedulingState;
  private readonly nodeNames: Set<string>;

  constructor(readonly snapshot: Snapshot) {
    this.nodeNames = new Set(snapshot.nodes.map((n) => n.name));
  }

  get scheduling(): SchedulingState {
    this.sched ??= buildSchedulingState(this.snapshot);
    return this.sched;
  }

  private requireNode(name: string, field = 'node'): void {
    if (!this.nodeNames.has(name)) throw new QueryError(`node "${name}" is not in this snapshot (nodes: ${[...this.nodeNames].slice(0, 10).join(', ')}${this.nodeNames.size > 10 ? ', ...' : ''})`, field);
  }

  schedulePod(pod: Pod): ScheduleResult {
    return schedulePod(this.scheduling, pod);
  }

  /** Where the replicas go; a workload the snapshot already runs is re-applied, its own pods replaced. */
  /** A submission's workloads placed in file order, each seeing the pods the earlier ones placed. */
  placeSubmission(workloads: Workload[]): PlacementResult[] {
    return placeSubmission(this.snapshot, workloads);
  }

  placeWorkload(workload: Workload): PlacementResult {
    const rest = withoutOwnPods(this.snapshot, workload);
    return placeWorkload(rest ? buildSchedulingState(rest) : this.scheduling, workload);
  }

  /**
   * A Pod, or a workload (Deployment, ReplicaSet, StatefulSet, DaemonSet, Job), given as a Kubernetes object or as
   * parsed text (then input errors keep their line numbers).
   */
  scheduleObject(obj: unknown): { kind: 'pod'; result: ScheduleResult } | { kind: 'workload'; result: PlacementResult } {
    const kind = ((isParsedObject(obj) ? obj.obj : obj) as { kind?: unknown } | null)?.kind;
    if (kind === 'Pod') return { kind: 'pod', result: this.schedulePod(podFromObject(obj)) };
    if (kind === 'Deployment' || kind === 'ReplicaSet' || kind === 'StatefulSet' || kind === 'DaemonSet' || kind === 'Job') {
      return { kind: 'workload', result: this.placeWorkload(workloadFromObject(obj)) };
    }
    throw new QueryError(`expected a Pod, Deployment, ReplicaSet, StatefulSet, DaemonSet or Job, got ${JSON.stringify(kind ?? null)}`, 'kind');
  }

  iptablesSave(node: string): string {
    this.requireNode(node);
    // What kube-proxy and portmap would hold, even when the node also has an uploaded dump (traces walk the dump).
    return toIptablesSave(renderNode(this.snapshot, node));
  }

  /** `nft list ruleset` of the nftables tables kube-proxy (nftables mode) would hold on the node. */
  nftRuleset(node: string): string {
    this.requireNode(node);
    return nftListRuleset(this.snapshot, node);
  }

  /** A node's real iptables-save against what kube-proxy and portmap would write for this snapshot. */
  drift(node: string, dump: string): DriftResult {
    this.requireNode(node);
    return iptablesDrift(node, renderNode(this.snapshot, node), dump);
  }

  trace(req: TraceRequest): TraceResult {
    if (req.at) this.requireNode(req.at, 'at');
    const f = req.from;
    if (f.kind === 'node' || f.kind === 'localhost' || f.kind === 'ip') this.requireNode(f.node, 'from');
    if (f.kind === 'pod' && !this.snapshot.pods.some((p) => p.namespace === f.namespace && p.name === f.name)) {
      throw new QueryError(`pod ${f.namespace}/${f.name} is not in this snapshot`, 'from');
    }
    if (!IPV4.test(req.toHost) && !req.toHost.includes(':') && req.toHost !== 'localhost') this.requireNode(req.toHost, 'to');
    const result = traceWith(networkStateOf(this.snapshot), req);
    const dp = this.snapshot.profile.dataplane;
    if (!dp) return result;
    result.dataplane = dp;
    // an answer over a dataplane Portolan does not simulate must not read as the whole truth
    if (dp.modelled) return result;
    const message = `dataplane ${dp.kind} (${dp.detail}) is not modelled: this trace walks only the node's iptables rules (portmap's hostPorts, host sockets); the Service, NodePort and ClusterIP handling of ${dp.kind} is missing from it`;
    result.notes.unshift(message);
    result.complete = false;
    result.incomplete = [{ code: 'dataplane-not-modelled', node: req.at ?? req.toHost, message }, ...(result.incomplete ?? [])];
    return result;
  }

  /** `node-b:81/TCP` and `pod:demo/client-0` as users type them. */
  traceText(to: string, from?: string, at?: string): TraceResult {
    const t = parseTraceTarget(to);
    return this.trace({ toHost: t.host, port: t.port, protocol: t.protocol, from: parseTraceSource(from), ...(at ? { at } : {}) });
  }

  claims(node: string, port?: number): PortClaim[] {
    this.requireNode(node);
    return portClaims(this.snapshot, node, port);
  }

  check(manifests: TextInput[] | ParsedObject[], opts: CheckOptions = {}): CheckReport {
    const objects = manifests.length && 'text' in (manifests[0] as object) ? parseDocuments(manifests as TextInput[]) : (manifests as ParsedObject[]);
    return checkManifests(objects, this.snapshot, opts);
  }

  /** A submission's files, each parsed on its own (a malformed file is input-error findings), checked as a whole. */
  checkInputs(inputs: readonly TextInput[], opts: CheckOptions = {}): { report: CheckReport; parsed: ParsedObject[] } {
    return checkInputs(inputs, this.snapshot, opts);
  }
}
