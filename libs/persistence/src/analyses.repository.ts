import type { TenantContext } from '@portolan/contracts';
import type { Prisma } from './generated/prisma/client';
import { isUuid, type Database } from './database';

export interface AnalysisRow {
  id: string;
  tenantId: string;
  clusterId: string;
  snapshotId: string | null;
  source: string;
  status: 'pending' | 'running' | 'done' | 'failed';
  manifests: string;
  meta: unknown;
  verdict: string | null;
  result: unknown;
  sarif: unknown;
  error: unknown;
  createdAt: Date;
  finishedAt: Date | null;
}

/** An analyses row as raw SQL returns it (status cast to text). */
interface RawAnalysis {
  id: string;
  tenant_id: string;
  cluster_id: string;
  snapshot_id: string | null;
  source: string;
  status: string;
  manifests: string;
  meta: unknown;
  verdict: string | null;
  result: unknown;
  sarif: unknown;
  error: unknown;
  created_at: Date;
  finished_at: Date | null;
}

const fromRaw = (r: RawAnalysis): AnalysisRow => ({
  id: r.id,
  tenantId: r.tenant_id,
  clusterId: r.cluster_id,
  snapshotId: r.snapshot_id,
  source: r.source,
  status: r.status as AnalysisRow['status'],
  manifests: r.manifests,
  meta: r.meta,
  verdict: r.verdict,
  result: r.result,
  sarif: r.sarif,
  error: r.error,
  createdAt: r.created_at,
  finishedAt: r.finished_at,
});

export class AnalysesRepository {
  constructor(private readonly db: Database) {}

  get(ctx: TenantContext, id: string): Promise<AnalysisRow | null> {
    if (!isUuid(id)) return Promise.resolve(null);
    return this.db.withTenant(ctx, (tx) => tx.analysis.findFirst({ where: { tenantId: ctx.tenantId, id } })) as Promise<AnalysisRow | null>;
  }

  create(ctx: TenantContext, a: { clusterId: string; source: string; manifests: string; meta?: Prisma.InputJsonValue }): Promise<AnalysisRow> {
    return this.db.withTenant(ctx, (tx) =>
      tx.analysis.create({ data: { tenantId: ctx.tenantId, clusterId: a.clusterId, source: a.source, manifests: a.manifests, meta: a.meta } }),
    ) as Promise<AnalysisRow>;
  }

  /**
   * The webhook's idempotency: the first delivery with this id creates the analysis; a repeat finds it. One
   * statement (a delivery is the webhook's hot path: Prisma's findFirst + two creates took five round trips). The
   * unique (cluster_id, delivery_id) constraint decides a race: the loser's statement fails whole (nothing of it
   * stays) with UNIQUE_VIOLATION, and a second call reads the winner's analysis.
   */
  async createForDelivery(
    ctx: TenantContext,
    a: { clusterId: string; deliveryId: string; bodyHash: string; manifests: string; meta?: Prisma.InputJsonValue },
  ): Promise<{ analysis: AnalysisRow; created: boolean; bodyMatches: boolean }> {
    const meta = a.meta === undefined ? null : JSON.stringify(a.meta);
    const rows = await this.db.withTenant(ctx, (tx) =>
      tx.$queryRaw<Array<RawAnalysis & { created: boolean; body_matches: boolean }>>`
        WITH new_analysis AS (
          INSERT INTO analyses (tenant_id, cluster_id, source, manifests, meta)
          SELECT ${ctx.tenantId}::uuid, ${a.clusterId}::uuid, 'webhook', ${a.manifests}, ${meta}::jsonb
          WHERE NOT EXISTS (SELECT 1 FROM webhook_deliveries WHERE cluster_id = ${a.clusterId}::uuid AND delivery_id = ${a.deliveryId})
          RETURNING *
        ), new_delivery AS (
          INSERT INTO webhook_deliveries (tenant_id, cluster_id, delivery_id, body_hash, analysis_id)
          SELECT tenant_id, cluster_id, ${a.deliveryId}, ${a.bodyHash}, id FROM new_analysis
        )
        SELECT n.id, n.tenant_id, n.cluster_id, n.snapshot_id, n.source, n.status::text AS status, n.manifests, n.meta, n.verdict,
               n.result, n.sarif, n.error, n.created_at, n.finished_at, true AS created, true AS body_matches
        FROM new_analysis n
        UNION ALL
        SELECT x.id, x.tenant_id, x.cluster_id, x.snapshot_id, x.source, x.status::text, x.manifests, x.meta, x.verdict,
               x.result, x.sarif, x.error, x.created_at, x.finished_at, false, d.body_hash = ${a.bodyHash}
        FROM webhook_deliveries d JOIN analyses x ON x.id = d.analysis_id
        WHERE d.tenant_id = ${ctx.tenantId}::uuid AND d.cluster_id = ${a.clusterId}::uuid AND d.delivery_id = ${a.deliveryId}`,
    );
    const r = rows[0];
    if (!r) throw new Error(`delivery ${a.deliveryId}: neither stored nor found`);
    return { analysis: fromRaw(r), created: r.created, bodyMatches: r.body_matches };
  }

  /**
   * The worker takes a pending analysis (or one a failed attempt left running) and marks it running, in one
   * statement; null when it is gone or already finished.
   */
  async claim(ctx: TenantContext, id: string): Promise<AnalysisRow | null> {
    if (!isUuid(id)) return null;
    const rows = await this.db.withTenant(ctx, (tx) =>
      tx.analysis.updateManyAndReturn({ where: { tenantId: ctx.tenantId, id, status: { in: ['pending', 'running'] } }, data: { status: 'running' } }),
    );
    return (rows[0] as AnalysisRow | undefined) ?? null;
  }

  async finish(ctx: TenantContext, id: string, r: { snapshotId: string | null; verdict: string; result: Prisma.InputJsonValue; sarif: Prisma.InputJsonValue }): Promise<void> {
    await this.db.withTenant(ctx, (tx) =>
      tx.analysis.updateMany({
        where: { tenantId: ctx.tenantId, id },
        data: { status: 'done', snapshotId: r.snapshotId, verdict: r.verdict, result: r.result, sarif: r.sarif, finishedAt: new Date() },
      }),
    );
  }

  async failed(ctx: TenantContext, id: string, error: Prisma.InputJsonValue): Promise<void> {
    await this.db.withTenant(ctx, (tx) => tx.analysis.updateMany({ where: { tenantId: ctx.tenantId, id }, data: { status: 'failed', error, finishedAt: new Date() } }));
  }
}
