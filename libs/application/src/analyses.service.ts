import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@portolan/config';
import { asTenantId, canWrite, systemContext, type AnalyzeJob, type TenantContext } from '@portolan/contracts';
import {
  buildSnapshot,
  ClusterEngine,
  countsOf,
  InputError,
  toSarif,
  verdictOf as engineVerdictOf,
  type CheckCounts,
  type Exemption,
  workloadFromObject,
  type Finding,
  type ParsedObject,
  type PlacementResult,
  type TextInput,
  type Workload,
} from '@portolan/netsim';
import { AnalysesRepository, AuthRepository, ClustersRepository, DatabaseEvents, ExemptionsRepository, isUniqueViolation, isUuid, type AnalysisRow } from '@portolan/persistence';
import { profileOf } from './cluster-profile';
import { ClustersService } from './clusters.service';
import { EngineService } from './engine.service';
import { engineExemption } from './exemptions.service';
import { AppError } from './errors';
import { truncateText, unexpectedErrorRow } from './job-errors';
import { isTransient } from './transient';
import { JOB_QUEUE, type JobQueue } from './queue.module';
import { checkCredentialHeaders, inputsOf, parseDeliveryId, parseEvent, parseFileName, parseWebhookBody, sha256Hex, verifySignature, WEBHOOK_SIGNATURE_HELP, type CommitInfo, type ManifestSource } from './webhook-input';

/** Reported as the SARIF tool version. */
export const PORTOLAN_VERSION = '0.1.0';

export type Verdict = 'pass' | 'warn' | 'fail';

/** One submitted workload placed on the snapshot's nodes (lists capped at PLACEMENT_LIST_CAP, counts exact). */
export interface WorkloadPlacement {
  workload: string;
  replicas: number;
  counts: { placed: number; pending: number; crashing: number };
  placed: PlacementResult['placed'];
  pending: PlacementResult['pending'];
  crashing: PlacementResult['crashing'];
  truncated: boolean;
}

/** What a finished analysis stores in `result`. */
export interface AnalysisResult {
  verdict: Verdict;
  findings: Finding[];
  counts: CheckCounts;
  placements: WorkloadPlacement[];
  /** the snapshot the manifests were checked against; null when the cluster had none ready */
  snapshotId: string | null;
  note?: string;
}

/** What an analysis stores in `meta`: how its manifests arrived. */
export interface AnalysisMeta {
  source?: ManifestSource;
  deliveryId?: string;
  event?: string;
  commit?: CommitInfo;
}

export interface SubmittedAnalysis {
  analysis: AnalysisRow;
  /** the delivery id was seen before with the same body: this is the analysis it created */
  duplicate: boolean;
}

export interface WebhookDelivery {
  deliveryId: string | undefined;
  /** GitHub's X-GitHub-Delivery, accepted when X-Portolan-Delivery is absent */
  githubDeliveryId?: string;
  event?: string;
  fileName?: string;
  body: Uint8Array;
}

/** The webhook's credential headers as received. */
export interface WebhookCredentials {
  signature: string | undefined;
  timestamp: string | undefined;
  deliveryId: string | undefined;
  githubDeliveryId?: string;
}

/** Verified against when the cluster does not exist, so that case costs the same HMAC as a wrong signature. */
const UNKNOWN_CLUSTER_SECRET = randomBytes(32).toString('hex');

export const PLACEMENT_LIST_CAP = 100;
export const MAX_WAIT_SECONDS = 30;
/** `?wait` re-reads the row this often when no event arrives (the events connection may be down) */
export const FALLBACK_POLL_MS = 1000;
const NO_SNAPSHOT_NOTE =
  'the cluster has no ready snapshot: the manifests were checked alone (API-server validation, selectors and ports among the submitted objects); no workload placement was possible';

const WORKLOAD_KINDS = new Set(['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job']);

export function verdictOf(findings: Finding[]): Verdict {
  return engineVerdictOf(findings);
}

function placementsOf(engine: ClusterEngine, parsed: ParsedObject[]): WorkloadPlacement[] {
  const workloads: Workload[] = [];
  for (const po of parsed) {
    if (!WORKLOAD_KINDS.has(String(po.obj['kind']))) continue;
    try {
      workloads.push(workloadFromObject(po));
    } catch (e) {
      if (e instanceof InputError) continue; // already an input-error finding of the check
      throw e;
    }
  }
  const cap = <T>(xs: T[]): T[] => xs.slice(0, PLACEMENT_LIST_CAP);
  // the whole submission, in file order, as the check placed it
  return engine.placeSubmission(workloads).map((r) => ({
    workload: r.workload,
    replicas: r.replicas,
    counts: { placed: r.placed.length, pending: r.pending.length, crashing: r.crashing.length },
    placed: cap(r.placed),
    pending: cap(r.pending),
    crashing: cap(r.crashing),
    truncated: Math.max(r.placed.length, r.pending.length, r.crashing.length) > PLACEMENT_LIST_CAP,
  }));
}

/** Checks a submission with an engine (a snapshot's, or an empty one carrying the cluster's profile): the engine builds the report. */
export function analyzeInputs(inputs: TextInput[], engine: ClusterEngine, snapshotId: string | null, opts: { commit?: CommitInfo; exemptions?: Exemption[] } = {}): { result: AnalysisResult; sarif: Record<string, unknown> } {
  const { report, parsed } = engine.checkInputs(inputs, { exemptions: opts.exemptions ?? [] });
  const { verdict, findings } = report;
  const result: AnalysisResult = {
    verdict,
    findings,
    counts: report.counts ?? countsOf(findings),
    placements: snapshotId ? placementsOf(engine, parsed) : [],
    snapshotId,
    ...(snapshotId ? {} : { note: NO_SNAPSHOT_NOTE }),
  };
  return { result, sarif: toSarif(report, { toolVersion: PORTOLAN_VERSION, ...(opts.commit ? { commit: opts.commit } : {}) }) };
}

/**
 * Manifest analyses: CI deliveries (HMAC-signed webhook) and API submissions become rows, a worker checks them
 * against the cluster's latest ready snapshot, and the row holds the verdict, findings, placements and SARIF.
 */
@Injectable()
export class AnalysesService implements OnModuleDestroy {
  private readonly log = new Logger(AnalysesService.name);
  /** `?wait` requests of this process by analysis id, woken by the worker's `analysis-finished` event */
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly analyses: AnalysesRepository,
    private readonly clusterRows: ClustersRepository,
    private readonly clusters: ClustersService,
    private readonly auth: AuthRepository,
    private readonly engines: EngineService,
    @Inject(JOB_QUEUE) private readonly queue: JobQueue,
    events: DatabaseEvents,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly exemptions: ExemptionsRepository,
  ) {
    this.unsubscribe = events.subscribe((e) => {
      if (e.type === 'analysis-finished') for (const wake of this.waiters.get(e.analysisId) ?? []) wake();
      else if (e.type === 'resync') for (const set of this.waiters.values()) for (const wake of set) wake();
    });
  }

  onModuleDestroy(): void {
    this.unsubscribe();
  }

  /**
   * The webhook's credential: a v1 signature over the timestamp, the delivery id and the body under the cluster's
   * secret, the timestamp within the tolerance window. Answers the tenant the cluster belongs to. An unknown or
   * malformed cluster id answers exactly as a wrong signature does (UNAUTHENTICATED, same message, an HMAC computed
   * either way), so the unauthenticated caller cannot learn which cluster ids exist. Nothing is stored on failure.
   */
  async authenticateWebhook(clusterId: string, body: Uint8Array, h: WebhookCredentials, nowSeconds = Math.floor(Date.now() / 1000)): Promise<TenantContext> {
    const deliveryId = parseDeliveryId(h.deliveryId, h.githubDeliveryId);
    const timestamp = checkCredentialHeaders(h.signature, h.timestamp, nowSeconds, this.config.webhooks.toleranceSeconds);
    const target = isUuid(clusterId) ? await this.auth.webhookTarget(clusterId) : null;
    const secret = target ? this.clusters.openSecret(target.encryptedSecret) : UNKNOWN_CLUSTER_SECRET;
    if (!verifySignature(secret, timestamp, deliveryId, body, h.signature) || !target) {
      throw new AppError('UNAUTHENTICATED', `X-Portolan-Signature does not verify for this cluster: ${WEBHOOK_SIGNATURE_HELP}, signing the exact bytes sent`);
    }
    return { tenantId: asTenantId(target.tenantId), actorId: `webhook:${clusterId}`, role: 'writer' };
  }

  /**
   * A signed CI delivery (ctx from authenticateWebhook). The delivery id makes it idempotent: the same id with the
   * same body answers the analysis it created; with another body, CONFLICT.
   */
  async submitFromWebhook(ctx: TenantContext, clusterId: string, d: WebhookDelivery): Promise<SubmittedAnalysis> {
    const deliveryId = parseDeliveryId(d.deliveryId, d.githubDeliveryId);
    const event = parseEvent(d.event);
    const text = new TextDecoder('utf-8', { fatal: false }).decode(d.body);
    const body = parseWebhookBody(text, parseFileName(d.fileName));
    const meta: AnalysisMeta = { source: body.source, deliveryId, ...(event ? { event } : {}), ...(body.commit ? { commit: body.commit } : {}) };
    const input = { clusterId, deliveryId, bodyHash: sha256Hex(d.body), manifests: text, meta: meta as never };
    let r: Awaited<ReturnType<AnalysesRepository['createForDelivery']>>;
    try {
      r = await this.analyses.createForDelivery(ctx, input);
    } catch (e) {
      // Two concurrent first deliveries: the unique (cluster, delivery) constraint lets one win; the other reads it.
      if (!isUniqueViolation(e)) throw e;
      r = await this.analyses.createForDelivery(ctx, input);
    }
    if (!r.bodyMatches) {
      throw new AppError('CONFLICT', `delivery ${JSON.stringify(deliveryId)} was already received with a different body (analysis ${r.analysis.id}): use a new delivery id for new content`, [
        { field: 'X-Portolan-Delivery', message: 'reused with a different body' },
      ]);
    }
    if (r.created) await this.enqueue(ctx, r.analysis);
    else if (r.analysis.status === 'pending') {
      // A repeat of a delivery whose enqueue may have been lost (API stopped in between): the job id dedupes.
      await this.queue.analyze({ tenantId: ctx.tenantId, analysisId: r.analysis.id }).catch((e) => this.log.warn({ analysisId: r.analysis.id, error: (e as Error).message }, 're-enqueue failed'));
    }
    return { analysis: r.analysis, duplicate: !r.created };
  }

  /** The authenticated API path (writer or admin): the same analysis from manifest text. */
  async submitManifests(ctx: TenantContext, clusterId: string, text: string, name?: string): Promise<SubmittedAnalysis> {
    if (!canWrite(ctx)) throw AppError.forbidden('submitting manifests needs a writer or admin key');
    if (!(await this.clusterRows.get(ctx, clusterId))) throw AppError.notFound('cluster', clusterId);
    const body = parseWebhookBody(text, parseFileName(name));
    const meta: AnalysisMeta = { source: body.source, ...(body.commit ? { commit: body.commit } : {}) };
    const analysis = await this.analyses.create(ctx, { clusterId, source: 'api', manifests: text, meta: meta as never });
    await this.enqueue(ctx, analysis);
    return { analysis, duplicate: false };
  }

  /** The cluster's newest `first` (1-50) analyses; the caller has already resolved the cluster for this tenant. */
  list(ctx: TenantContext, clusterId: string, first = 20): Promise<AnalysisRow[]> {
    if (!Number.isInteger(first) || first < 1 || first > 50) throw AppError.invalid(`first must be a whole number 1-50, got ${first}`, [{ field: 'first', message: 'not a whole number 1-50' }]);
    return this.analyses.listForCluster(ctx, clusterId, first);
  }

  async get(ctx: TenantContext, id: string): Promise<AnalysisRow> {
    const a = await this.analyses.get(ctx, id);
    if (!a) throw AppError.notFound('analysis', id);
    return a;
  }

  /**
   * Waits until the worker is done with the analysis, `seconds` pass, or `signal` aborts (the client went away), and
   * answers the row as it then is. The worker's `analysis-finished` event wakes the wait; a re-read every
   * FALLBACK_POLL_MS covers an events connection that is down. `current` is the row as the caller just read it.
   */
  async waitFor(ctx: TenantContext, id: string, seconds: number, signal?: AbortSignal, current?: AnalysisRow): Promise<AnalysisRow> {
    const until = Date.now() + Math.min(Math.max(seconds, 0), MAX_WAIT_SECONDS) * 1000;
    let woken = false;
    let wake: () => void = () => undefined;
    const onEvent = () => {
      woken = true;
      wake();
    };
    // listening before the first read: an event between that read and the wait is not lost
    let set = this.waiters.get(id);
    if (!set) this.waiters.set(id, (set = new Set()));
    set.add(onEvent);
    try {
      let a = current ?? (await this.get(ctx, id));
      for (;;) {
        const left = until - Date.now();
        if (a.status === 'done' || a.status === 'failed' || left <= 0 || signal?.aborted) return a;
        if (!woken) {
          await new Promise<void>((resolve) => {
            wake = resolve;
            const t = setTimeout(resolve, Math.min(FALLBACK_POLL_MS, left));
            signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
          });
        }
        woken = false;
        a = await this.get(ctx, id);
      }
    } finally {
      set.delete(onEvent);
      if (set.size === 0) this.waiters.delete(id);
    }
  }

  /**
   * The worker's half. Malformed manifests finish as verdict fail with input-error findings; an unexpected error
   * fails the row with its message, except a transient one before the last attempt, which is thrown for a retry.
   */
  async run(job: AnalyzeJob, attempt: { final: boolean } = { final: true }): Promise<'done' | 'failed' | 'skipped'> {
    const ctx = systemContext(asTenantId(job.tenantId), 'analyze');
    const a = await this.analyses.claim(ctx, job.analysisId);
    if (!a) return 'skipped';
    const started = Date.now();
    try {
      const { result, sarif } = await this.analyze(ctx, a);
      await this.analyses.finish(ctx, a.id, { snapshotId: result.snapshotId, verdict: result.verdict, result: result as never, sarif: sarif as never });
      this.log.log({ analysisId: a.id, tenantId: ctx.tenantId, verdict: result.verdict, findings: result.findings.length, ms: Date.now() - started }, 'analysis done');
      return 'done';
    } catch (e) {
      const transient = isTransient(e);
      if (transient && !attempt.final) throw e;
      this.log.error({ analysisId: a.id, tenantId: ctx.tenantId, err: e }, 'analysis failed');
      await this.analyses.failed(ctx, a.id, { ...unexpectedErrorRow(e, 'analysis', a.id), transient });
      return 'failed';
    }
  }

  private async analyze(ctx: TenantContext, a: AnalysisRow): Promise<{ result: AnalysisResult; sarif: Record<string, unknown> }> {
    const meta = (a.meta ?? {}) as AnalysisMeta;
    const inputs = inputsOf(a.manifests, meta.source);
    let engine: ClusterEngine;
    let snapshotId: string | null = null;
    try {
      const loaded = await this.engines.load(ctx, a.clusterId);
      engine = loaded.engine;
      snapshotId = loaded.snapshot.id;
    } catch (e) {
      if (!(e instanceof AppError && e.code === 'SNAPSHOT_NOT_READY')) throw e;
      const cluster = await this.clusterRows.get(ctx, a.clusterId);
      if (!cluster) throw AppError.notFound('cluster', a.clusterId);
      // No snapshot: the manifests alone, under the cluster's profile (NodePort range, versions).
      engine = new ClusterEngine(buildSnapshot([], { profile: profileOf(cluster) }).snapshot);
    }
    // the cluster's exemptions as they stand when the analysis runs (an expired one covers nothing)
    const exemptions = (await this.exemptions.list(ctx, a.clusterId, new Date())).map(engineExemption);
    return analyzeInputs(inputs, engine, snapshotId, { ...(meta.commit ? { commit: meta.commit } : {}), exemptions });
  }

  private async enqueue(ctx: TenantContext, a: AnalysisRow): Promise<void> {
    try {
      await this.queue.analyze({ tenantId: ctx.tenantId, analysisId: a.id });
    } catch (e) {
      // An analysis no worker will ever see must not stay "pending" forever.
      await this.analyses.failed(ctx, a.id, { message: truncateText(`could not enqueue the analysis: ${(e as Error).message}`) });
      throw new AppError('UNAVAILABLE', 'the job queue is unavailable; the analysis was marked failed, try again with a new delivery id');
    }
  }
}
