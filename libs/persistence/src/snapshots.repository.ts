import type { TenantContext } from '@portolan/contracts';
import type { Prisma } from './generated/prisma/client';
import { isUuid, type Database } from './database';
import { pageOf, type Page, type PageRequest } from './paging';

export type SnapshotSourceName = 'upload' | 'webhook' | 'schedule' | 'demo';

export interface SnapshotRow {
  id: string;
  tenantId: string;
  clusterId: string;
  source: SnapshotSourceName;
  status: 'pending' | 'ready' | 'failed';
  contentHash: string | null;
  counts: unknown;
  error: unknown;
  warnings: unknown;
  createdAt: Date;
  readyAt: Date | null;
}

/** A snapshot object with the columns queries filter on; `raw` is the object as uploaded. */
export interface ObjectRow {
  kind: string;
  namespace: string;
  name: string;
  nodeName?: string | null;
  hostNetwork?: boolean | null;
  phase?: string | null;
  ip?: string | null;
  labels?: Prisma.InputJsonValue | null;
  raw: Prisma.InputJsonValue;
}

export interface StoredObject {
  kind: string;
  namespace: string;
  name: string;
  nodeName: string | null;
  hostNetwork: boolean | null;
  phase: string | null;
  ip: string | null;
  labels: unknown;
  raw: unknown;
}

export interface ObjectFilter {
  kinds?: string[];
  namespace?: string;
  nodeName?: string;
  nameContains?: string;
  hostNetwork?: boolean;
}

const INSERT_CHUNK = 5000;

export class SnapshotsRepository {
  constructor(private readonly db: Database) {}

  get(ctx: TenantContext, id: string): Promise<SnapshotRow | null> {
    if (!isUuid(id)) return Promise.resolve(null);
    return this.db.withTenant(ctx, (tx) => tx.snapshot.findFirst({ where: { tenantId: ctx.tenantId, id } })) as Promise<SnapshotRow | null>;
  }

  getMany(ctx: TenantContext, ids: readonly string[]): Promise<SnapshotRow[]> {
    const valid = ids.filter(isUuid);
    if (!valid.length) return Promise.resolve([]);
    return this.db.withTenant(ctx, (tx) => tx.snapshot.findMany({ where: { tenantId: ctx.tenantId, id: { in: valid } } })) as Promise<SnapshotRow[]>;
  }

  list(ctx: TenantContext, clusterId: string, page: PageRequest): Promise<Page<SnapshotRow>> {
    if (!isUuid(clusterId)) return Promise.resolve({ items: [], hasNextPage: false, endCursor: null, totalCount: 0 });
    // Newest first; the cursor is the creation time plus id so equal timestamps still page deterministically.
    const [afterTime, afterId] = page.after ? page.after.split('|') : [];
    return this.db.withTenant(ctx, async (tx) => {
      const where: Prisma.SnapshotWhereInput = { tenantId: ctx.tenantId, clusterId };
      const paged: Prisma.SnapshotWhereInput =
        afterTime && afterId && isUuid(afterId)
          ? { ...where, OR: [{ createdAt: { lt: new Date(afterTime) } }, { createdAt: new Date(afterTime), id: { lt: afterId } }] }
          : where;
      const rows = await tx.snapshot.findMany({ where: paged, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: page.first + 1 });
      const total = await tx.snapshot.count({ where });
      return pageOf(rows as SnapshotRow[], page.first, total, (r) => `${r.createdAt.toISOString()}|${r.id}`);
    });
  }

  latestReady(ctx: TenantContext, clusterId: string): Promise<SnapshotRow | null> {
    if (!isUuid(clusterId)) return Promise.resolve(null);
    return this.db.withTenant(ctx, (tx) =>
      tx.snapshot.findFirst({ where: { tenantId: ctx.tenantId, clusterId, status: 'ready' }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] }),
    ) as Promise<SnapshotRow | null>;
  }

  findReadyByHash(ctx: TenantContext, clusterId: string, contentHash: string): Promise<SnapshotRow | null> {
    return this.db.withTenant(ctx, (tx) =>
      tx.snapshot.findFirst({ where: { tenantId: ctx.tenantId, clusterId, contentHash, status: { in: ['ready', 'pending'] } }, orderBy: { createdAt: 'desc' } }),
    ) as Promise<SnapshotRow | null>;
  }

  /** A pending snapshot and its upload, in one transaction: the job never sees a snapshot without its content. */
  createPending(
    ctx: TenantContext,
    input: { clusterId: string; source: SnapshotSourceName; contentHash: string | null; upload?: { parts: Prisma.InputJsonValue; content: Uint8Array } },
  ): Promise<SnapshotRow> {
    return this.db.withTenant(ctx, async (tx) => {
      const s = await tx.snapshot.create({ data: { tenantId: ctx.tenantId, clusterId: input.clusterId, source: input.source, contentHash: input.contentHash } });
      if (input.upload) {
        await tx.snapshotUpload.create({
          data: { snapshotId: s.id, tenantId: ctx.tenantId, parts: input.upload.parts, content: Buffer.from(input.upload.content), size: input.upload.content.byteLength },
        });
      }
      return s as SnapshotRow;
    });
  }

  getUpload(ctx: TenantContext, snapshotId: string): Promise<{ parts: unknown; content: Uint8Array } | null> {
    return this.db.withTenant(ctx, (tx) => tx.snapshotUpload.findFirst({ where: { tenantId: ctx.tenantId, snapshotId }, select: { parts: true, content: true } }));
  }

  /**
   * Stores every object and flips the snapshot to ready in ONE transaction: readers see the whole snapshot or
   * nothing. The upload is dropped in the same transaction once its content lives on as objects.
   */
  complete(ctx: TenantContext, snapshotId: string, objects: ObjectRow[], meta: { counts: Prisma.InputJsonValue; warnings: Prisma.InputJsonValue }): Promise<void> {
    return this.db.withTenant(
      ctx,
      async (tx) => {
        // One statement per chunk: the rows travel as a single JSON parameter that Postgres expands itself, which is
        // many times cheaper than a multi-row INSERT built value by value. RLS's WITH CHECK still sees every row.
        for (let i = 0; i < objects.length; i += INSERT_CHUNK) {
          const chunk = JSON.stringify(
            objects.slice(i, i + INSERT_CHUNK).map((o) => ({
              kind: o.kind,
              namespace: o.namespace,
              name: o.name,
              node_name: o.nodeName ?? null,
              host_network: o.hostNetwork ?? null,
              phase: o.phase ?? null,
              ip: o.ip ?? null,
              labels: o.labels ?? null,
              raw: o.raw,
            })),
          );
          await tx.$executeRaw`
            INSERT INTO snapshot_objects (tenant_id, snapshot_id, kind, namespace, name, node_name, host_network, phase, ip, labels, raw)
            SELECT ${ctx.tenantId}::uuid, ${snapshotId}::uuid, r.kind, r.namespace, r.name, r.node_name, r.host_network, r.phase, r.ip, r.labels, r.raw
            FROM jsonb_to_recordset(${chunk}::jsonb) AS r(kind text, namespace text, name text, node_name text, host_network boolean, phase text, ip text, labels jsonb, raw jsonb)`;
        }
        await tx.snapshot.updateMany({ where: { tenantId: ctx.tenantId, id: snapshotId }, data: { status: 'ready', readyAt: new Date(), counts: meta.counts, warnings: meta.warnings } });
        await tx.snapshotUpload.deleteMany({ where: { tenantId: ctx.tenantId, snapshotId } });
      },
      { timeoutMs: 600_000 },
    );
  }

  async fail(ctx: TenantContext, snapshotId: string, error: Prisma.InputJsonValue): Promise<void> {
    await this.db.withTenant(ctx, async (tx) => {
      await tx.snapshot.updateMany({ where: { tenantId: ctx.tenantId, id: snapshotId }, data: { status: 'failed', error } });
      await tx.snapshotUpload.deleteMany({ where: { tenantId: ctx.tenantId, snapshotId } });
    });
  }

  /**
   * Keeps the newest `keep` READY snapshots of a cluster and, separately, the newest `keepFailed` failed ones;
   * pending ones are never touched. Failed attempts (a scheduled import whose API server is down) therefore never
   * push the last good snapshot out. Returns how many went.
   */
  async applyRetention(ctx: TenantContext, clusterId: string, keep: number, keepFailed = 5): Promise<number> {
    return this.db.withTenant(ctx, async (tx) => {
      const beyond = (status: 'ready' | 'failed', skip: number) =>
        tx.snapshot.findMany({ where: { tenantId: ctx.tenantId, clusterId, status }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], skip, select: { id: true } });
      const old = [...(await beyond('ready', keep)), ...(await beyond('failed', keepFailed))];
      if (!old.length) return 0;
      const r = await tx.snapshot.deleteMany({ where: { tenantId: ctx.tenantId, id: { in: old.map((o) => o.id) } } });
      return r.count;
    });
  }

  /** The newest snapshot of a cluster from one source (any status): a scheduled import's last run. */
  latestBySource(ctx: TenantContext, clusterId: string, source: SnapshotSourceName): Promise<SnapshotRow | null> {
    if (!isUuid(clusterId)) return Promise.resolve(null);
    return this.db.withTenant(ctx, (tx) =>
      tx.snapshot.findFirst({ where: { tenantId: ctx.tenantId, clusterId, source }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }] }),
    ) as Promise<SnapshotRow | null>;
  }

  /** All objects of a snapshot, for building the engine's state (done once per snapshot and cached). */
  loadObjects(ctx: TenantContext, snapshotId: string): Promise<StoredObject[]> {
    return this.db.withTenant(ctx, (tx) => tx.snapshotObject.findMany({ where: { tenantId: ctx.tenantId, snapshotId }, orderBy: { id: 'asc' } }), { timeoutMs: 300_000 });
  }

  listObjects(ctx: TenantContext, snapshotId: string, filter: ObjectFilter, page: PageRequest): Promise<Page<StoredObject & { id: bigint }>> {
    const after = page.after && /^\d+$/.test(page.after) ? BigInt(page.after) : undefined;
    return this.db.withTenant(ctx, async (tx) => {
      const where: Prisma.SnapshotObjectWhereInput = {
        tenantId: ctx.tenantId,
        snapshotId,
        ...(filter.kinds ? { kind: { in: filter.kinds } } : {}),
        ...(filter.namespace !== undefined ? { namespace: filter.namespace } : {}),
        ...(filter.nodeName !== undefined ? { nodeName: filter.nodeName } : {}),
        ...(filter.hostNetwork !== undefined ? { hostNetwork: filter.hostNetwork } : {}),
        ...(filter.nameContains ? { name: { contains: filter.nameContains } } : {}),
      };
      const rows = await tx.snapshotObject.findMany({ where: after ? { ...where, id: { gt: after } } : where, orderBy: { id: 'asc' }, take: page.first + 1 });
      const total = await tx.snapshotObject.count({ where });
      return pageOf(rows, page.first, total, (r) => r.id.toString());
    });
  }
}
