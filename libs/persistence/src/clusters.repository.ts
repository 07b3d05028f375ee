import type { TenantContext } from '@portolan/contracts';
import type { Prisma } from './generated/prisma/client';
import { isUuid, type Database } from './database';
import type { Page, PageRequest } from './paging';
import { pageOf } from './paging';

export interface ClusterRow {
  id: string;
  tenantId: string;
  name: string;
  kubernetesVersion: string;
  kubeProxy: unknown;
  cni: unknown;
  nodePortRange: string;
  containerRuntime: string;
  webhookSecret: string;
  importSource: unknown;
  retention: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewCluster {
  name: string;
  kubernetesVersion: string;
  kubeProxy: Prisma.InputJsonValue;
  cni: Prisma.InputJsonValue;
  nodePortRange: string;
  containerRuntime: string;
  encryptedWebhookSecret: string;
  retention: number;
}

export class ClustersRepository {
  constructor(private readonly db: Database) {}

  get(ctx: TenantContext, id: string): Promise<ClusterRow | null> {
    if (!isUuid(id)) return Promise.resolve(null);
    return this.db.withTenant(ctx, (tx) => tx.cluster.findFirst({ where: { tenantId: ctx.tenantId, id } }));
  }

  getByName(ctx: TenantContext, name: string): Promise<ClusterRow | null> {
    return this.db.withTenant(ctx, (tx) => tx.cluster.findFirst({ where: { tenantId: ctx.tenantId, name } }));
  }

  /** Several clusters by id in one query (GraphQL batch loader). Unknown or foreign ids are simply absent. */
  getMany(ctx: TenantContext, ids: readonly string[]): Promise<ClusterRow[]> {
    const valid = ids.filter(isUuid);
    if (!valid.length) return Promise.resolve([]);
    return this.db.withTenant(ctx, (tx) => tx.cluster.findMany({ where: { tenantId: ctx.tenantId, id: { in: valid } } }));
  }

  list(ctx: TenantContext, page: PageRequest): Promise<Page<ClusterRow>> {
    return this.db.withTenant(ctx, async (tx) => {
      const rows = await tx.cluster.findMany({
        where: { tenantId: ctx.tenantId, ...(page.after ? { name: { gt: page.after } } : {}) },
        orderBy: { name: 'asc' },
        take: page.first + 1,
      });
      const total = await tx.cluster.count({ where: { tenantId: ctx.tenantId } });
      return pageOf(rows, page.first, total, (r) => r.name);
    });
  }

  create(ctx: TenantContext, c: NewCluster): Promise<ClusterRow> {
    return this.db.withTenant(ctx, (tx) =>
      tx.cluster.create({
        data: {
          tenantId: ctx.tenantId,
          name: c.name,
          kubernetesVersion: c.kubernetesVersion,
          kubeProxy: c.kubeProxy,
          cni: c.cni,
          nodePortRange: c.nodePortRange,
          containerRuntime: c.containerRuntime,
          webhookSecret: c.encryptedWebhookSecret,
          retention: c.retention,
        },
      }),
    );
  }

  async setWebhookSecret(ctx: TenantContext, id: string, encrypted: string): Promise<boolean> {
    if (!isUuid(id)) return false;
    const r = await this.db.withTenant(ctx, (tx) => tx.cluster.updateMany({ where: { tenantId: ctx.tenantId, id }, data: { webhookSecret: encrypted } }));
    return r.count === 1;
  }

  async setImportSource(ctx: TenantContext, id: string, source: Prisma.InputJsonValue | null): Promise<boolean> {
    if (!isUuid(id)) return false;
    const r = await this.db.withTenant(ctx, (tx) =>
      tx.cluster.updateMany({ where: { tenantId: ctx.tenantId, id }, data: { importSource: source ?? (null as unknown as Prisma.InputJsonValue) } }),
    );
    return r.count === 1;
  }
}
