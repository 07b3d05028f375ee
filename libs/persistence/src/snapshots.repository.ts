import type { TenantContext } from '@portolan/contracts';
import type { Prisma } from './generated/prisma/client';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import { isUuid, type Database } from './database';
import { notifyStatement } from './events';
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

/** COPY text format: tab-separated columns, backslash-N for null, backslash escapes for backslash, tab, newline and CR. */
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
const copyField = (v: string | null | undefined): string => (v === null || v === undefined ? '\\N' : v.replace(/[\\\t\n\r]/g, (ch) => COPY_ESCAPES[ch] as string));
const copyJson = (v: unknown): string => (v === null || v === undefined ? '\\N' : copyField(JSON.stringify(v)));

/** One object as a COPY text line (no newline): kind, namespace, name, node_name, host_network, phase, ip, labels, raw. */
export function copyRow(o: ObjectRow): string {
  const hostNetwork = o.hostNetwork === null || o.hostNetwork === undefined ? '\\N' : o.hostNetwork ? 't' : 'f';
  return `${copyField(o.kind)}\t${copyField(o.namespace)}\t${copyField(o.name)}\t${copyField(o.nodeName)}\t${hostNetwork}\t${copyField(o.phase)}\t${copyField(o.ip)}\t${copyJson(o.labels)}\t${copyJson(o.raw)}`;
}

/** The objects as COPY text, a thousand rows per chunk, made as the stream asks for them. */
function* copyText(objects: ObjectRow[]): Generator<string> {
  const rows: string[] = [];
  for (const o of objects) {
    rows.push(`${copyRow(o)}\n`);
    if (rows.length === 1000) yield rows.splice(0).join('');
  }
  if (rows.length) yield rows.join('');
}

/** What a ready snapshot records besides its objects. */
export interface SnapshotMeta {
  counts: Prisma.InputJsonValue;
  warnings: Prisma.InputJsonValue;
}

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
   *
   * The rows stream in by COPY, Postgres' bulk path. COPY FROM refuses tables under row-level security, so they land
   * in a transaction-scoped temp table first and one INSERT ... SELECT moves them, under RLS's WITH CHECK like any
   * insert. `meta` may be a function: it then runs while Postgres does that INSERT's index and foreign-key work (the
   * caller's validation, on this process's core while the database uses the other), and if it throws, the
   * transaction rolls back and nothing is stored. At COMMIT every listening process hears `snapshot-ready`.
   */
  async complete(ctx: TenantContext, snapshotId: string, objects: ObjectRow[], meta: SnapshotMeta | (() => SnapshotMeta)): Promise<void> {
    await this.db.withTenantConnection(ctx, async (c) => {
      await c.query(
        `CREATE TEMP TABLE import_objects (kind text, namespace text, name text, node_name text, host_network boolean, phase text, ip text, labels jsonb, raw jsonb) ON COMMIT DROP`,
      );
      await pipeline(Readable.from(copyText(objects)), c.query(copyFrom('COPY import_objects FROM STDIN')));
      const inserting = c.query(
        `INSERT INTO snapshot_objects (tenant_id, snapshot_id, kind, namespace, name, node_name, host_network, phase, ip, labels, raw)
         SELECT $1::uuid, $2::uuid, kind, namespace, name, node_name, host_network, phase, ip, labels, raw FROM import_objects`,
        [ctx.tenantId, snapshotId],
      );
      let m: SnapshotMeta;
      try {
        m = typeof meta === 'function' ? meta() : meta;
      } finally {
        await inserting; // also when meta() threw: the ROLLBACK waits for it, and its own failure must not go unheard
      }
      const { rows } = await c.query<{ cluster_id: string }>(
        `UPDATE snapshots SET status = 'ready', ready_at = now(), counts = $3::jsonb, warnings = $4::jsonb WHERE tenant_id = $1 AND id = $2 RETURNING cluster_id`,
        [ctx.tenantId, snapshotId, JSON.stringify(m.counts), JSON.stringify(m.warnings)],
      );
      await c.query('DELETE FROM snapshot_uploads WHERE tenant_id = $1 AND snapshot_id = $2', [ctx.tenantId, snapshotId]);
      const clusterId = rows[0]?.cluster_id;
      if (clusterId) await c.query(notifyStatement({ type: 'snapshot-ready', tenantId: ctx.tenantId, clusterId, snapshotId }));
    });
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
