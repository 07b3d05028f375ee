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
   * The webhook's idempotency: the first delivery with this id creates the analysis; a repeat finds it. The unique
   * (cluster_id, delivery_id) constraint decides races, inside one transaction.
   */
  createForDelivery(
    ctx: TenantContext,
    a: { clusterId: string; deliveryId: string; bodyHash: string; manifests: string; meta?: Prisma.InputJsonValue },
  ): Promise<{ analysis: AnalysisRow; created: boolean; bodyMatches: boolean }> {
    return this.db.withTenant(ctx, async (tx) => {
      const existing = await tx.webhookDelivery.findFirst({ where: { tenantId: ctx.tenantId, clusterId: a.clusterId, deliveryId: a.deliveryId }, include: { analysis: true } });
      if (existing) return { analysis: existing.analysis as AnalysisRow, created: false, bodyMatches: existing.bodyHash === a.bodyHash };
      const analysis = await tx.analysis.create({ data: { tenantId: ctx.tenantId, clusterId: a.clusterId, source: 'webhook', manifests: a.manifests, meta: a.meta } });
      await tx.webhookDelivery.create({ data: { tenantId: ctx.tenantId, clusterId: a.clusterId, deliveryId: a.deliveryId, bodyHash: a.bodyHash, analysisId: analysis.id } });
      return { analysis: analysis as AnalysisRow, created: true, bodyMatches: true };
    });
  }

  async markRunning(ctx: TenantContext, id: string, snapshotId: string | null): Promise<void> {
    await this.db.withTenant(ctx, (tx) => tx.analysis.updateMany({ where: { tenantId: ctx.tenantId, id }, data: { status: 'running', snapshotId } }));
  }

  async finish(ctx: TenantContext, id: string, r: { verdict: string; result: Prisma.InputJsonValue; sarif: Prisma.InputJsonValue }): Promise<void> {
    await this.db.withTenant(ctx, (tx) =>
      tx.analysis.updateMany({ where: { tenantId: ctx.tenantId, id }, data: { status: 'done', verdict: r.verdict, result: r.result, sarif: r.sarif, finishedAt: new Date() } }),
    );
  }

  async failed(ctx: TenantContext, id: string, error: Prisma.InputJsonValue): Promise<void> {
    await this.db.withTenant(ctx, (tx) => tx.analysis.updateMany({ where: { tenantId: ctx.tenantId, id }, data: { status: 'failed', error, finishedAt: new Date() } }));
  }
}
