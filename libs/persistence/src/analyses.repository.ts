import type { TenantContext } from '@portolan/contracts';
import type { Prisma } from './generated/prisma/client';
import { isUuid, type Database } from './database';
import { notifyStatement } from './events';

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

/** [column, AnalysisRow field] for plain SQL: the select list names each column as its field, so rows need no mapping. */
const FIELDS: Array<[string, keyof AnalysisRow]> = [
  ['id', 'id'],
  ['tenant_id', 'tenantId'],
  ['cluster_id', 'clusterId'],
  ['snapshot_id', 'snapshotId'],
  ['source', 'source'],
  ['status::text', 'status'],
  ['manifests', 'manifests'],
  ['meta', 'meta'],
  ['verdict', 'verdict'],
  ['result', 'result'],
  ['sarif', 'sarif'],
  ['error', 'error'],
  ['created_at', 'createdAt'],
  ['finished_at', 'finishedAt'],
];
/** The select list of an AnalysisRow, of table alias `t.` when given */
const columns = (t = '') => FIELDS.map(([column, field]) => `${t}${column} AS "${field}"`).join(', ');
const COLUMNS = columns();

export class AnalysesRepository {
  constructor(private readonly db: Database) {}

  /** Also the `?wait` poll of a webhook delivery: plain SQL (Database.withTenantSql). */
  async get(ctx: TenantContext, id: string): Promise<AnalysisRow | null> {
    if (!isUuid(id)) return null;
    const rows = await this.db.withTenantSql(ctx, (sql) => sql<AnalysisRow>(`SELECT ${COLUMNS} FROM analyses WHERE tenant_id = $1 AND id = $2`, [ctx.tenantId, id]));
    return rows[0] ?? null;
  }

  /** A cluster's newest analyses first (the tenant/cluster/created_at index), API and webhook alike. */
  async listForCluster(ctx: TenantContext, clusterId: string, first: number): Promise<AnalysisRow[]> {
    if (!isUuid(clusterId)) return [];
    return this.db.withTenantSql(ctx, (sql) =>
      sql<AnalysisRow>(`SELECT ${COLUMNS} FROM analyses WHERE tenant_id = $1 AND cluster_id = $2 ORDER BY created_at DESC, id DESC LIMIT $3`, [ctx.tenantId, clusterId, first]),
    );
  }

  create(ctx: TenantContext, a: { clusterId: string; source: string; manifests: string; meta?: Prisma.InputJsonValue }): Promise<AnalysisRow> {
    return this.db.withTenant(ctx, (tx) =>
      tx.analysis.create({ data: { tenantId: ctx.tenantId, clusterId: a.clusterId, source: a.source, manifests: a.manifests, meta: a.meta } }),
    ) as Promise<AnalysisRow>;
  }

  /**
   * The webhook's idempotency: the first delivery with this id creates the analysis; a repeat finds it. One
   * statement in plain SQL (the webhook's hot path: Prisma's findFirst + two creates took five round trips). The
   * unique (cluster_id, delivery_id) constraint decides a race: the loser's statement fails whole (nothing of it
   * stays) with UNIQUE_VIOLATION, and a second call reads the winner's analysis.
   */
  async createForDelivery(
    ctx: TenantContext,
    a: { clusterId: string; deliveryId: string; bodyHash: string; manifests: string; meta?: Prisma.InputJsonValue },
  ): Promise<{ analysis: AnalysisRow; created: boolean; bodyMatches: boolean }> {
    const meta = a.meta === undefined ? null : JSON.stringify(a.meta);
    const rows = await this.db.withTenantSql(ctx, (sql) =>
      sql<AnalysisRow & { created: boolean; bodyMatches: boolean }>(
        `WITH new_analysis AS (
           INSERT INTO analyses (tenant_id, cluster_id, source, manifests, meta)
           SELECT $1::uuid, $2::uuid, 'webhook', $3, $4::jsonb
           WHERE NOT EXISTS (SELECT 1 FROM webhook_deliveries WHERE cluster_id = $2::uuid AND delivery_id = $5)
           RETURNING *
         ), new_delivery AS (
           INSERT INTO webhook_deliveries (tenant_id, cluster_id, delivery_id, body_hash, analysis_id)
           SELECT tenant_id, cluster_id, $5, $6, id FROM new_analysis
         )
         SELECT ${COLUMNS}, true AS created, true AS "bodyMatches" FROM new_analysis
         UNION ALL
         SELECT ${columns('x.')}, false, d.body_hash = $6
         FROM webhook_deliveries d JOIN analyses x ON x.id = d.analysis_id
         WHERE d.tenant_id = $1::uuid AND d.cluster_id = $2::uuid AND d.delivery_id = $5`,
        [ctx.tenantId, a.clusterId, a.manifests, meta, a.deliveryId, a.bodyHash],
      ),
    );
    const r = rows[0];
    if (!r) throw new Error(`delivery ${a.deliveryId}: neither stored nor found`);
    const { created, bodyMatches, ...analysis } = r;
    return { analysis, created, bodyMatches };
  }

  /**
   * The worker takes a pending analysis (or one a failed attempt left running) and marks it running, in one
   * statement; null when it is gone or already finished.
   */
  async claim(ctx: TenantContext, id: string): Promise<AnalysisRow | null> {
    if (!isUuid(id)) return null;
    const rows = await this.db.withTenantSql(ctx, (sql) =>
      sql<AnalysisRow>(`UPDATE analyses SET status = 'running' WHERE tenant_id = $1 AND id = $2 AND status IN ('pending', 'running') RETURNING ${COLUMNS}`, [ctx.tenantId, id]),
    );
    return rows[0] ?? null;
  }

  /** Records the verdict; at COMMIT, requests waiting for it hear `analysis-finished`. */
  async finish(ctx: TenantContext, id: string, r: { snapshotId: string | null; verdict: string; result: unknown; sarif: unknown }): Promise<void> {
    await this.end(ctx, id, `status = 'done', snapshot_id = $3, verdict = $4, result = $5::jsonb, sarif = $6::jsonb`, [r.snapshotId, r.verdict, JSON.stringify(r.result), JSON.stringify(r.sarif)]);
  }

  async failed(ctx: TenantContext, id: string, error: unknown): Promise<void> {
    await this.end(ctx, id, `status = 'failed', error = $3::jsonb`, [JSON.stringify(error)]);
  }

  /** Finishes the row with `set` (parameters from $3) and tells waiting requests at COMMIT. */
  private async end(ctx: TenantContext, id: string, set: string, values: unknown[]): Promise<void> {
    await this.db.withTenantSql(ctx, async (sql) => {
      await sql(`UPDATE analyses SET ${set}, finished_at = now() WHERE tenant_id = $1 AND id = $2`, [ctx.tenantId, id, ...values]);
      const n = notifyStatement({ type: 'analysis-finished', tenantId: ctx.tenantId, analysisId: id });
      await sql(n.text, n.values);
    });
  }
}
