import { gunzipSync } from 'node:zlib';
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { canWrite, systemContext, asTenantId, type ImportSnapshotJob, type TenantContext } from '@portolan/contracts';
import { ClustersRepository, SnapshotsRepository, type ClusterRow, type ObjectFilter, type StoredObject, type Page, type PageRequest, type SnapshotRow, type SnapshotSourceName } from '@portolan/persistence';
import { APP_CONFIG, type AppConfig } from '@portolan/config';
import { profileOf } from './cluster-profile';
import { DOCUMENT_BUILDER, InProcessDocumentBuilder, type DocumentBuilder, type UploadDocument } from './upload-build';
export { diagnosticsToDetails, objectRow } from './object-row';
import { ObjectCursors } from './object-cursor';
import { AppError } from './errors';
import { isTransient } from './transient';
import { memoryLimitRow, truncateText, unexpectedErrorRow } from './job-errors';
import { JOB_QUEUE, type JobQueue } from './queue.module';
import type { CompressedUpload } from './upload-stream';

export interface SubmitResult {
  snapshot: SnapshotRow;
  /** true when identical content was already stored for this cluster: the existing snapshot is answered */
  duplicate: boolean;
}

@Injectable()
export class SnapshotsService {
  private readonly log = new Logger(SnapshotsService.name);

  constructor(
    private readonly snapshots: SnapshotsRepository,
    private readonly clusters: ClustersRepository,
    @Inject(JOB_QUEUE) private readonly queue: JobQueue,
    @Inject(APP_CONFIG) config: AppConfig,
    @Optional() @Inject(DOCUMENT_BUILDER) builder?: DocumentBuilder,
  ) {
    this.builder = builder ?? new InProcessDocumentBuilder();
    this.cursors = new ObjectCursors(config.secrets.key);
  }

  private readonly cursors: ObjectCursors;
  private readonly builder: DocumentBuilder;

  async get(ctx: TenantContext, id: string): Promise<SnapshotRow> {
    const s = await this.snapshots.get(ctx, id);
    if (!s) throw AppError.notFound('snapshot', id);
    return s;
  }

  /** A page of a snapshot's objects of some kinds, filtered on the indexed columns; cursors are opaque (ObjectCursors). */
  async listObjects(ctx: TenantContext, snapshotId: string, filter: ObjectFilter, page: PageRequest): Promise<Page<StoredObject & { cursor: string }>> {
    const snap = await this.get(ctx, snapshotId);
    const after = page.after === undefined ? undefined : this.cursors.open(ctx.tenantId, snap.id, page.after).toString();
    const p = await this.snapshots.listObjects(ctx, snap.id, filter, after === undefined ? { first: page.first } : { first: page.first, after });
    const items = p.items.map(({ id, ...o }) => ({ ...o, cursor: this.cursors.seal(ctx.tenantId, snap.id, id) }));
    return { ...p, items, endCursor: items.length ? (items[items.length - 1] as { cursor: string }).cursor : null };
  }

  getMany(ctx: TenantContext, ids: readonly string[]): Promise<SnapshotRow[]> {
    return this.snapshots.getMany(ctx, ids);
  }

  async list(ctx: TenantContext, clusterId: string, page: PageRequest): Promise<Page<SnapshotRow>> {
    if (!(await this.clusters.get(ctx, clusterId))) throw AppError.notFound('cluster', clusterId);
    return this.snapshots.list(ctx, clusterId, page);
  }

  /**
   * Accepts an upload and answers at once: the snapshot is pending until the worker has parsed and stored it whole.
   * The upload arrives gzip-compressed and hashed (compressUpload); identical content answers the snapshot that
   * already holds it.
   */
  async submitCompressed(ctx: TenantContext, clusterId: string, upload: CompressedUpload, source: SnapshotSourceName = 'upload'): Promise<SubmitResult> {
    if (!canWrite(ctx)) throw AppError.forbidden('uploading a snapshot needs a writer or admin key');
    if (!(await this.clusters.get(ctx, clusterId))) throw AppError.notFound('cluster', clusterId);
    if (upload.size === 0) throw AppError.invalid('the upload is empty');
    const contentHash = upload.contentHash;
    const existing = await this.snapshots.findReadyByHash(ctx, clusterId, contentHash);
    if (existing) return { snapshot: existing, duplicate: true };
    const snapshot = await this.snapshots.createPending(ctx, { clusterId, source, contentHash, upload: { parts: upload.parts, content: upload.content } });
    try {
      await this.queue.importSnapshot({ tenantId: ctx.tenantId, snapshotId: snapshot.id });
    } catch (e) {
      // A snapshot no worker will ever see must not stay "pending" forever.
      await this.snapshots.fail(ctx, snapshot.id, { message: `could not enqueue the import: ${(e as Error).message}` });
      throw new AppError('UNAVAILABLE', 'the job queue is unavailable; the snapshot was marked failed, try again');
    }
    return { snapshot, duplicate: false };
  }

  /**
   * The worker's half: parse, build (to validate exactly what queries will later build), store whole, prune.
   * Bad content fails the snapshot with the adapter's document/line/field diagnostics and is not retried.
   */
  async runImport(job: ImportSnapshotJob): Promise<'ready' | 'failed' | 'skipped'> {
    const ctx = systemContext(asTenantId(job.tenantId), 'import-snapshot');
    const snap = await this.snapshots.get(ctx, job.snapshotId);
    if (!snap || snap.status !== 'pending') return 'skipped';
    const cluster = await this.clusters.get(ctx, snap.clusterId);
    const upload = await this.snapshots.getUpload(ctx, snap.id);
    if (!cluster || !upload) {
      await this.snapshots.fail(ctx, snap.id, { message: 'the upload is missing' });
      return 'failed';
    }
    const t0 = Date.now();
    const parts = upload.parts as Array<{ name: string; start: number; end: number }>;
    // The API measured the inflated size while streaming; the worker never inflates beyond it (a stored bomb stops
    // at that bound instead of growing to whatever the gzip encodes).
    const all = gunzipSync(upload.content, { maxOutputLength: Math.max(1, ...parts.map((p) => p.end)) });
    const inputs = parts.map((p) => ({ name: p.name, text: all.subarray(p.start, p.end).toString('utf8') }));
    this.log.log({ snapshotId: snap.id, tenantId: ctx.tenantId, bytes: all.byteLength, ms: Date.now() - t0 }, 'snapshot upload read');
    return this.storeDocuments(ctx, snap, cluster, inputs);
  }

  /** A pending snapshot with no upload, for content the worker fetches itself (scheduled imports). */
  createFetching(ctx: TenantContext, clusterId: string, source: SnapshotSourceName): Promise<SnapshotRow> {
    return this.snapshots.createPending(ctx, { clusterId, source, contentHash: null });
  }

  /** Marks a snapshot whose content could not be obtained as failed; failed rows are pruned apart from ready ones. */
  async failFetch(ctx: TenantContext, snap: SnapshotRow, cluster: ClusterRow, error: { message: string } & Record<string, unknown>): Promise<void> {
    await this.snapshots.fail(ctx, snap.id, error as never);
    await this.snapshots.applyRetention(ctx, cluster.id, cluster.retention);
  }

  /**
   * The shared half of every import: parse, build (to validate exactly what queries will later build), store whole,
   * prune. Bad content fails the snapshot with the adapter's document/line/field diagnostics.
   */
  async storeDocuments(ctx: TenantContext, snap: SnapshotRow, cluster: ClusterRow, inputs: UploadDocument[]): Promise<'ready' | 'failed'> {
    const t0 = Date.now();
    let counts: Record<string, number> = {};
    let ms: Record<string, number> = {};
    try {
      const outcome = await this.builder.build(inputs, profileOf(cluster));
      if (!outcome.ok) {
        if (outcome.failure === 'input') {
          await this.snapshots.fail(ctx, snap.id, outcome.row as never);
          await this.snapshots.applyRetention(ctx, cluster.id, cluster.retention);
          this.log.warn({ snapshotId: snap.id, tenantId: ctx.tenantId, error: truncateText(outcome.message, 500) }, 'snapshot import failed: invalid content');
          return 'failed';
        }
        if (outcome.failure === 'memory') {
          await this.snapshots.fail(ctx, snap.id, memoryLimitRow('import', outcome.limitMb) as never);
          await this.snapshots.applyRetention(ctx, cluster.id, cluster.retention);
          this.log.warn({ snapshotId: snap.id, tenantId: ctx.tenantId, limitMb: outcome.limitMb }, 'snapshot import failed: over the per-job memory limit');
          return 'failed';
        }
        // a thread's unexpected error, as the in-process one would have been (a RangeError is a processing limit)
        throw outcome.name === 'RangeError' ? new RangeError(outcome.message) : Object.assign(new Error(outcome.message), { name: outcome.name });
      }
      counts = outcome.counts;
      ms = { ...outcome.ms };
      const s0 = Date.now();
      await this.snapshots.complete(ctx, snap.id, outcome.rows, () => ({ counts, warnings: outcome.warnings as never }));
      ms['store'] = Date.now() - s0;
    } catch (e) {
      // A transient fault (database, queue) is retried by the queue; the last attempt's failure is reconciled by the
      // worker. Anything else would fail the same way again: the row ends now, with a reason and no raw text.
      if (isTransient(e)) throw e;
      this.log.error({ snapshotId: snap.id, tenantId: ctx.tenantId, err: e }, 'snapshot import failed unexpectedly');
      await this.snapshots.fail(ctx, snap.id, unexpectedErrorRow(e, 'import', snap.id) as never);
      await this.snapshots.applyRetention(ctx, cluster.id, cluster.retention);
      return 'failed';
    }
    const pruned = await this.snapshots.applyRetention(ctx, cluster.id, cluster.retention);
    this.log.log({ snapshotId: snap.id, tenantId: ctx.tenantId, source: snap.source, counts, pruned, ms: { ...ms, total: Date.now() - t0 } }, 'snapshot ready');
    return 'ready';
  }

}
