import type { TenantContext } from '@portolan/contracts';
import { isUuid, type Database } from './database';

export interface ExemptionRow {
  id: string;
  clusterId: string;
  rule: string;
  selector: { kind?: string; namespace?: string; name?: string };
  reason: string;
  expiresAt: Date | null;
  createdBy: string | null;
  createdAt: Date;
}

export interface NewExemption {
  clusterId: string;
  rule: string;
  selector: ExemptionRow['selector'];
  reason: string;
  expiresAt: Date | null;
}

const fields = { id: true, clusterId: true, rule: true, selector: true, reason: true, expiresAt: true, createdBy: true, createdAt: true } as const;
const row = (r: { selector: unknown } & Omit<ExemptionRow, 'selector'>): ExemptionRow => ({ ...r, selector: (r.selector ?? {}) as ExemptionRow['selector'] });

/** A cluster's check exemptions; every query runs under the tenant's RLS context. */
export class ExemptionsRepository {
  constructor(private readonly db: Database) {}

  /** Oldest first; with `liveAt`, only those not expired at that instant (what an analysis applies). */
  async list(ctx: TenantContext, clusterId: string, liveAt?: Date): Promise<ExemptionRow[]> {
    if (!isUuid(clusterId)) return [];
    const rows = await this.db.withTenant(ctx, (tx) =>
      tx.checkExemption.findMany({
        where: { tenantId: ctx.tenantId, clusterId, ...(liveAt ? { OR: [{ expiresAt: null }, { expiresAt: { gt: liveAt } }] } : {}) },
        orderBy: { createdAt: 'asc' },
        select: fields,
      }),
    );
    return rows.map(row);
  }

  async create(ctx: TenantContext, e: NewExemption): Promise<ExemptionRow> {
    const created = await this.db.withTenant(ctx, (tx) =>
      tx.checkExemption.create({
        data: { tenantId: ctx.tenantId, clusterId: e.clusterId, rule: e.rule, selector: e.selector, reason: e.reason, expiresAt: e.expiresAt, createdBy: isUuid(ctx.actorId) ? ctx.actorId : null },
        select: fields,
      }),
    );
    return row(created);
  }

  /** The deleted row, or null when the cluster has no such exemption (for this tenant). */
  async delete(ctx: TenantContext, clusterId: string, id: string): Promise<ExemptionRow | null> {
    if (!isUuid(id) || !isUuid(clusterId)) return null;
    return this.db.withTenant(ctx, async (tx) => {
      const found = await tx.checkExemption.findFirst({ where: { tenantId: ctx.tenantId, clusterId, id }, select: fields });
      if (!found) return null;
      await tx.checkExemption.delete({ where: { id } });
      return row(found);
    });
  }
}
