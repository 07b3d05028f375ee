import { Injectable } from '@nestjs/common';
import type { TenantContext } from '@portolan/contracts';
import {
  ClusterEngine,
  diffEngines,
  whatIfEngine,
  type SnapshotDiff,
  InputError,
  inspectSnapshot,
  parseDocuments,
  QueryError,
  type CheckReport,
  type DriftResult,
  type InspectReport,
  type ParsedObject,
  type PlacementResult,
  type PortClaim,
  type ScheduleResult,
  type TraceResult,
} from '@portolan/netsim';
import { SnapshotsRepository } from '@portolan/persistence';
import { LRUCache } from 'lru-cache';
import { diagnosticsToDetails } from './snapshots.service';
import { EngineService } from './engine.service';
import { AppError } from './errors';

export type Scheduled = { kind: 'pod'; result: ScheduleResult } | { kind: 'workload'; result: PlacementResult };

/** Every answer names the snapshot it came from: "latest" moves as imports land. */
export interface Answer<T> {
  snapshotId: string;
  result: T;
}

/** Engine input problems are the caller's: a 400 naming the document, line and field, or the query field. */
export function asAppError(e: unknown): never {
  if (e instanceof InputError) throw AppError.invalid(e.message, diagnosticsToDetails(e.diagnostics.filter((d) => d.severity === 'error')));
  if (e instanceof QueryError) throw AppError.invalid(e.message, [{ field: e.field, message: e.message }]);
  throw e;
}

function guard<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    return asAppError(e);
  }
}

/**
 * Parsed question inputs by exact text, as Apollo keeps parsed queries: portals and CI ask the same pod again and
 * again, and the `yaml` library spends ~150 µs on even an eight-line Pod, more than the engine's answer. Only small
 * texts, only successful parses; callers get their own copy of the object, so nothing they do reaches the cache.
 */
const parsedInputs = new LRUCache<string, ParsedObject>({ max: 1024, maxSize: 16 * 1024 * 1024, sizeCalculation: (_v, text) => text.length * 2 + 1 });
const MEMO_MAX_TEXT = 64 * 1024;

/** Which per-node verdicts of a schedulePod answer to return: on a 5,000-node cluster the whole list is ~1 MB. */
export interface VerdictSelection {
  feasible?: boolean | null;
  /** only these nodes, in the answer's order */
  names?: readonly string[] | null;
  /** at most this many, after the other filters */
  first?: number | null;
}

/** The verdicts a selection keeps, in the scheduler's node order; `total` counts them before `first` cuts. */
export function selectVerdicts<V extends { node: string; feasible: boolean }>(nodes: readonly V[], sel: VerdictSelection = {}): { nodes: V[]; total: number } {
  if (sel.first !== undefined && sel.first !== null && (!Number.isInteger(sel.first) || sel.first < 0)) {
    throw AppError.invalid(`first must be a whole number >= 0, got ${sel.first}`, [{ field: 'first', message: 'not a whole number >= 0' }]);
  }
  const names = sel.names ? new Set(sel.names) : undefined;
  const kept = nodes.filter((v) => (sel.feasible === undefined || sel.feasible === null || v.feasible === sel.feasible) && (!names || names.has(v.node)));
  return { nodes: sel.first === undefined || sel.first === null ? kept : kept.slice(0, sel.first), total: kept.length };
}

/** One object given as YAML or JSON text (a Pod or a workload), or already as an object. */
export function singleObject(input: string | object, what: string): ParsedObject | object {
  if (typeof input !== 'string') return input;
  const key = `${what}\0${input}`;
  let parsed = parsedInputs.get(key);
  if (!parsed) {
    const objects = guard(() => parseDocuments([{ name: what, text: input }]));
    if (objects.length !== 1) throw AppError.invalid(`${what} must hold exactly one object, it holds ${objects.length}`, [{ field: what, message: 'expected one object' }]);
    parsed = objects[0] as ParsedObject;
    if (input.length <= MEMO_MAX_TEXT) parsedInputs.set(key, parsed);
    else return parsed;
  }
  return { ...parsed, obj: structuredClone(parsed.obj) };
}

/**
 * The questions users ask of a cluster: where a pod can run, where its replicas go, what path a packet takes,
 * who claims a port, and how two states differ. Every answer comes from the engine of one immutable snapshot.
 */
@Injectable()
export class ExposureService {
  constructor(
    private readonly engines: EngineService,
    private readonly snapshots: SnapshotsRepository,
  ) {}

  private async answer<T>(ctx: TenantContext, clusterId: string, snapshotId: string | null | undefined, fn: (e: ClusterEngine) => T): Promise<Answer<T>> {
    const { snapshot, engine } = await this.engines.load(ctx, clusterId, snapshotId);
    return { snapshotId: snapshot.id, result: guard(() => fn(engine)) };
  }

  private async engine(ctx: TenantContext, clusterId: string, snapshotId?: string | null): Promise<ClusterEngine> {
    return (await this.engines.load(ctx, clusterId, snapshotId)).engine;
  }

  schedule(ctx: TenantContext, clusterId: string, snapshotId: string | null | undefined, input: string | object): Promise<Answer<Scheduled>> {
    const o = singleObject(input, 'pod');
    return this.answer(ctx, clusterId, snapshotId, (e) => e.scheduleObject(o));
  }

  trafficPath(ctx: TenantContext, clusterId: string, snapshotId: string | null | undefined, to: string, from?: string | null, at?: string | null): Promise<Answer<TraceResult>> {
    return this.answer(ctx, clusterId, snapshotId, (e) => e.traceText(to, from ?? undefined, at ?? undefined));
  }

  nodeIptables(ctx: TenantContext, clusterId: string, snapshotId: string | null | undefined, node: string): Promise<Answer<string>> {
    return this.answer(ctx, clusterId, snapshotId, (e) => e.iptablesSave(node));
  }

  drift(ctx: TenantContext, clusterId: string, snapshotId: string | null | undefined, node: string, dump: string): Promise<Answer<DriftResult>> {
    return this.answer(ctx, clusterId, snapshotId, (e) => e.drift(node, dump));
  }

  portClaims(ctx: TenantContext, clusterId: string, snapshotId: string | null | undefined, node: string, port?: number | null): Promise<Answer<PortClaim[]>> {
    if (port != null && (!Number.isInteger(port) || port < 1 || port > 65535)) throw AppError.invalid(`port must be 1-65535, got ${port}`, [{ field: 'port', message: 'out of range' }]);
    return this.answer(ctx, clusterId, snapshotId, (e) => e.claims(node, port ?? undefined));
  }

  /** What the engine read from the snapshot (profile, dataplane) and every guess it made; import diagnostics are the row's. */
  inspect(ctx: TenantContext, clusterId: string, snapshotId: string): Promise<Answer<InspectReport>> {
    return this.answer(ctx, clusterId, snapshotId, (e) => inspectSnapshot(e.snapshot, []));
  }

  check(ctx: TenantContext, clusterId: string, snapshotId: string | null | undefined, manifests: string): Promise<Answer<CheckReport>> {
    return this.answer(ctx, clusterId, snapshotId, (e) => e.check([{ name: 'manifests', text: manifests }]));
  }

  /** Which claims changed owner or path, and which workloads lost or gained feasible nodes, between two snapshots. */
  async diff(ctx: TenantContext, clusterId: string, fromSnapshotId: string, toSnapshotId: string, nodes?: string[] | null): Promise<SnapshotDiff> {
    const [a, b] = await Promise.all([this.engine(ctx, clusterId, fromSnapshotId), this.engine(ctx, clusterId, toSnapshotId)]);
    return guard(() => diffEngines(a, b, { nodes: nodes ?? undefined }));
  }

  /** The same diff between a snapshot and that snapshot plus submitted manifests. */
  async whatIf(ctx: TenantContext, clusterId: string, snapshotId: string | null | undefined, manifests: string, nodes?: string[] | null): Promise<SnapshotDiff> {
    const { snapshot, engine: base } = await this.engines.load(ctx, clusterId, snapshotId);
    const objects = guard(() => parseDocuments([{ name: 'manifests', text: manifests }]));
    const raw = (await this.snapshots.loadObjects(ctx, snapshot.id)).map((r) => r.raw);
    return guard(() => diffEngines(base, whatIfEngine(base, raw, objects), { nodes: nodes ?? undefined }));
  }
}
