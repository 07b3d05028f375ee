import { asTenantId, systemContext } from '@portolan/contracts';
import type { Database } from './database';
import { notifyStatement } from './events';

export type OpenJobKind = 'snapshot' | 'analysis';

export interface OpenJobRow {
  kind: OpenJobKind;
  id: string;
  tenantId: string;
  /** snapshot source (upload, webhook, schedule, …) or analysis source (api, webhook) */
  source: string;
  ageSeconds: number;
}

/**
 * The sweep's view of rows still open (pending snapshots, pending or running analyses) across tenants, through the
 * `portolan_open_jobs` SECURITY DEFINER function, and the guarded end of one: a row that ended meanwhile is left.
 */
export class OpenJobsRepository {
  constructor(private readonly db: Database) {}

  async list(minAgeSeconds: number, maxRows: number): Promise<OpenJobRow[]> {
    const rows = await this.db.sql<{ kind: OpenJobKind; id: string; tenant_id: string; source: string; age_seconds: number }>(
      'SELECT kind, id, tenant_id, source, age_seconds FROM portolan_open_jobs($1::int, $2::int)',
      [minAgeSeconds, maxRows],
    );
    return rows.map((r) => ({ kind: r.kind, id: r.id, tenantId: r.tenant_id, source: r.source, ageSeconds: Number(r.age_seconds) }));
  }

  /** Fails the row if it is still open; true when it was. Analyses notify their `?wait` requests at COMMIT. */
  async failIfOpen(tenantId: string, kind: OpenJobKind, id: string, error: unknown): Promise<boolean> {
    const ctx = systemContext(asTenantId(tenantId), 'job-sweep');
    return this.db.withTenantSql(ctx, async (sql) => {
      if (kind === 'snapshot') {
        const r = await sql<{ id: string }>(`UPDATE snapshots SET status = 'failed', error = $3::jsonb WHERE tenant_id = $1 AND id = $2 AND status = 'pending' RETURNING id`, [tenantId, id, JSON.stringify(error)]);
        if (!r.length) return false;
        await sql('DELETE FROM snapshot_uploads WHERE tenant_id = $1 AND snapshot_id = $2', [tenantId, id]);
        return true;
      }
      const r = await sql<{ id: string }>(`UPDATE analyses SET status = 'failed', error = $3::jsonb, finished_at = now() WHERE tenant_id = $1 AND id = $2 AND status IN ('pending', 'running') RETURNING id`, [tenantId, id, JSON.stringify(error)]);
      if (!r.length) return false;
      const n = notifyStatement({ type: 'analysis-finished', tenantId, analysisId: id });
      await sql(n.text, n.values);
      return true;
    });
  }
}
