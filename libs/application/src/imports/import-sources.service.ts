import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@portolan/config';
import { asTenantId, canWrite, systemContext, type ScheduledImportJob, type TenantContext } from '@portolan/contracts';
import { ClustersRepository, SnapshotsRepository, type ClusterRow, type SnapshotRow } from '@portolan/persistence';
import { parseInput } from '../cluster-profile';
import { AppError } from '../errors';
import { SecretBox } from '../secret-box';
import { SnapshotsService } from '../snapshots.service';
import { parseCron } from './cron';
import { IMPORT_SCHEDULER, type ImportScheduler } from './import-scheduler';
import { readStoredSource, SetImportSourceInput, type ImportRunView, type ImportSourceView, type StoredImportSource } from './import-source';
import { fetchClusterSnapshot, IMPORT_RESOURCES, versionProfileDocument, inClusterSource, KubeFetchError, type KubeSource } from './kube-fetcher';
import { OutboundGuard } from './outbound-guard';

/** A run still pending after this long was interrupted (worker killed mid-fetch); the next tick fails it and runs. */
const STALE_RUN_MS = 15 * 60_000;

export type ScheduledRunOutcome = 'ready' | 'failed' | 'skipped';

@Injectable()
export class ImportSourcesService {
  private readonly log = new Logger(ImportSourcesService.name);
  private readonly box: SecretBox;
  private readonly guard: OutboundGuard;

  constructor(
    private readonly clusters: ClustersRepository,
    private readonly snapshotRows: SnapshotsRepository,
    private readonly snapshots: SnapshotsService,
    @Inject(IMPORT_SCHEDULER) private readonly scheduler: ImportScheduler,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.box = new SecretBox(config.secrets.key);
    this.guard = new OutboundGuard(config.imports);
  }

  /** Stores (or replaces) the source with its credential sealed, then upserts the cluster's Job Scheduler. */
  async set(ctx: TenantContext, clusterId: string, input: unknown): Promise<ImportSourceView> {
    if (!canWrite(ctx)) throw AppError.forbidden('setting an import source needs a writer or admin key');
    const cluster = await this.cluster(ctx, clusterId);
    const i = parseInput(SetImportSourceInput, input, 'import source');
    const cron = parseCron(i.schedule, { minIntervalSeconds: this.config.imports.minIntervalSeconds });
    if ('error' in cron) throw AppError.invalid(`schedule: ${cron.error}`, [{ field: 'schedule', message: cron.error }]);
    const inCluster = this.config.imports.inCluster;
    if (i.inCluster) {
      if (!inCluster.tenants.includes('*') && !inCluster.tenants.includes(ctx.tenantId)) {
        throw AppError.forbidden("in-cluster imports read Portolan's own cluster as its service account: the operator enables them per tenant (IMPORT_IN_CLUSTER_TENANTS)");
      }
      if (!inCluster.server) throw AppError.invalid('inCluster: the worker does not run in a Kubernetes pod (KUBERNETES_SERVICE_HOST is unset)', [{ field: 'inCluster', message: 'not running in a cluster' }]);
    }
    const apiServer = i.inCluster ? (inCluster.server as string) : (i.apiServer as string);
    // An IP-literal server in a denied range can be refused now; a hostname only when the worker connects.
    const refused = this.guard.refusalForUrl(apiServer);
    if (refused) throw AppError.invalid(`apiServer: ${refused.message}`, [{ field: 'apiServer', message: refused.message }]);
    const stored: StoredImportSource = {
      version: 1,
      apiServer: apiServer.replace(/\/+$/, ''),
      auth: i.inCluster ? 'inCluster' : i.token !== undefined ? 'token' : 'kubeconfig',
      sealedCredential: i.inCluster ? '' : this.box.seal((i.token ?? i.kubeconfig) as string),
      ...(i.caData !== undefined ? { caData: i.caData } : {}),
      insecureSkipTLSVerify: i.insecureSkipTLSVerify === true,
      schedule: cron.pattern,
      resources: i.resources ? IMPORT_RESOURCES.filter((r) => i.resources?.includes(r)) : [...IMPORT_RESOURCES],
      updatedAt: new Date().toISOString(),
      updatedBy: ctx.actorId,
    };
    await this.clusters.setImportSource(ctx, cluster.id, stored as never);
    try {
      await this.scheduler.upsert(cluster.id, stored.schedule, { tenantId: ctx.tenantId, clusterId: cluster.id });
    } catch (e) {
      // A stored source that never runs would lie to the user: put the previous one back.
      await this.clusters.setImportSource(ctx, cluster.id, (cluster.importSource ?? null) as never);
      this.log.error({ clusterId: cluster.id, tenantId: ctx.tenantId, error: (e as Error).message }, 'could not schedule the import');
      throw new AppError('UNAVAILABLE', 'the job queue is unavailable; the import source was not changed, try again');
    }
    this.log.log({ clusterId: cluster.id, tenantId: ctx.tenantId, actorId: ctx.actorId, apiServer: stored.apiServer, schedule: stored.schedule }, 'import source set');
    return this.view(ctx, cluster.id, stored);
  }

  /** Removes the source and its scheduler; idempotent for a cluster without one. */
  async clear(ctx: TenantContext, clusterId: string): Promise<void> {
    if (!canWrite(ctx)) throw AppError.forbidden('clearing an import source needs a writer or admin key');
    const cluster = await this.cluster(ctx, clusterId);
    await this.clusters.setImportSource(ctx, cluster.id, null);
    try {
      await this.scheduler.remove(cluster.id);
    } catch (e) {
      // The source is gone, so a leftover tick finds nothing and skips; the scheduler is removed on the next clear.
      this.log.warn({ clusterId: cluster.id, error: (e as Error).message }, 'could not remove the import scheduler');
    }
    this.log.log({ clusterId: cluster.id, tenantId: ctx.tenantId, actorId: ctx.actorId }, 'import source cleared');
  }

  /** The source without its credential, plus the last run's outcome; NOT_FOUND when the cluster has none. */
  async describe(ctx: TenantContext, clusterId: string): Promise<ImportSourceView> {
    const v = await this.describeOrNull(ctx, clusterId);
    if (!v) throw new AppError('NOT_FOUND', `cluster ${JSON.stringify(clusterId)} has no import source`);
    return v;
  }

  /** Cluster.importSource over GraphQL: null when the cluster has no source. */
  async describeOrNull(ctx: TenantContext, clusterId: string): Promise<ImportSourceView | null> {
    const cluster = await this.cluster(ctx, clusterId);
    const stored = readStoredSource(cluster.importSource);
    return stored ? this.view(ctx, cluster.id, stored) : null;
  }

  /** Enqueues one run now, besides the schedule. */
  async runNow(ctx: TenantContext, clusterId: string): Promise<void> {
    if (!canWrite(ctx)) throw AppError.forbidden('running an import needs a writer or admin key');
    const cluster = await this.cluster(ctx, clusterId);
    if (!readStoredSource(cluster.importSource)) throw new AppError('CONFLICT', `cluster ${JSON.stringify(clusterId)} has no import source: set one first`);
    try {
      await this.scheduler.runNow({ tenantId: ctx.tenantId, clusterId: cluster.id });
    } catch {
      throw new AppError('UNAVAILABLE', 'the job queue is unavailable; try again');
    }
  }

  /**
   * The worker's half: fetch from the API server, then the same parse/build/store path as an upload. A failed fetch
   * leaves a FAILED snapshot (source schedule) naming the server and the status or cause; the ready snapshots stay.
   */
  async runScheduled(job: ScheduledImportJob): Promise<ScheduledRunOutcome> {
    const ctx = systemContext(asTenantId(job.tenantId), 'scheduled-import');
    const cluster = await this.clusters.get(ctx, job.clusterId);
    const source = cluster && readStoredSource(cluster.importSource);
    if (!cluster || !source) {
      this.log.log({ clusterId: job.clusterId, tenantId: job.tenantId }, 'scheduled import skipped: no source any more');
      return 'skipped';
    }
    const last = await this.snapshotRows.latestBySource(ctx, cluster.id, 'schedule');
    if (last?.status === 'pending') {
      if (Date.now() - last.createdAt.getTime() < STALE_RUN_MS) {
        this.log.log({ clusterId: cluster.id, snapshotId: last.id }, 'scheduled import skipped: the previous run is still going');
        return 'skipped';
      }
      await this.snapshotRows.fail(ctx, last.id, { message: 'interrupted: the run produced no outcome (worker stopped?)' });
    }
    const snap = await this.snapshots.createFetching(ctx, cluster.id, 'schedule');
    let documents: Array<{ name: string; text: string }>;
    try {
      const { version, lists } = await fetchClusterSnapshot(this.open(source), { timeoutMs: this.config.snapshots.importTimeoutMs, guard: this.guard, resources: source.resources });
      documents = lists.map((l) => ({ name: l.url, text: JSON.stringify(l.list) }));
      // the API server's own release picks the scheduler's texts (the snapshot's profile wins over the cluster's)
      const profile = versionProfileDocument(cluster.name, version);
      if (profile) documents.push({ name: `${source.apiServer.replace(/\/+$/, '')}/version`, text: JSON.stringify(profile) });
    } catch (e) {
      const error =
        e instanceof KubeFetchError
          ? { message: e.message, apiServer: e.apiServer, resource: e.resource, httpStatus: e.status, attempts: e.attempts }
          : { message: `import from ${source.apiServer} failed: ${(e as Error).message}`, apiServer: source.apiServer };
      await this.snapshots.failFetch(ctx, snap, cluster, error);
      this.log.warn({ clusterId: cluster.id, tenantId: ctx.tenantId, snapshotId: snap.id, error: error.message }, 'scheduled import failed');
      return 'failed';
    }
    try {
      return await this.snapshots.storeDocuments(ctx, snap, cluster, documents);
    } catch (e) {
      // Never leave a run pending (the next tick would wait for it): record the failure, then let BullMQ see it.
      await this.snapshots.failFetch(ctx, snap, cluster, { message: `storing the import from ${source.apiServer} failed: ${(e as Error).message}` }).catch(() => undefined);
      throw e;
    }
  }

  private open(s: StoredImportSource): KubeSource {
    if (s.auth === 'inCluster') return inClusterSource(this.config.imports.inCluster);
    const secret = this.box.open(s.sealedCredential);
    return {
      apiServer: s.apiServer,
      ...(s.auth === 'token' ? { token: secret } : { kubeconfig: secret }),
      ...(s.caData ? { caData: s.caData } : {}),
      insecureSkipTLSVerify: s.insecureSkipTLSVerify,
    };
  }

  private async cluster(ctx: TenantContext, id: string): Promise<ClusterRow> {
    const c = await this.clusters.get(ctx, id);
    if (!c) throw AppError.notFound('cluster', id);
    return c;
  }

  private async view(ctx: TenantContext, clusterId: string, s: StoredImportSource): Promise<ImportSourceView> {
    const [last, next] = await Promise.all([
      this.snapshotRows.latestBySource(ctx, clusterId, 'schedule'),
      this.scheduler.nextRunAt(clusterId).catch(() => null),
    ]);
    return {
      clusterId,
      apiServer: s.apiServer,
      auth: s.auth,
      schedule: s.schedule,
      resources: s.resources,
      insecureSkipTLSVerify: s.insecureSkipTLSVerify,
      hasCaData: Boolean(s.caData),
      updatedAt: new Date(s.updatedAt),
      lastRun: last ? runView(last) : null,
      nextRunAt: next,
    };
  }
}

function runView(s: SnapshotRow): ImportRunView {
  const err = s.error as { message?: unknown } | null;
  return {
    snapshotId: s.id,
    status: s.status,
    startedAt: s.createdAt,
    finishedAt: s.readyAt,
    error: s.status === 'failed' && typeof err?.message === 'string' ? err.message : null,
  };
}
