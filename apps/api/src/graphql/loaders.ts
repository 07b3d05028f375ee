import type { ClustersService, ClusterView } from '@portolan/application';
import type { TenantContext } from '@portolan/contracts';
import DataLoader from 'dataloader';

/** Per-request batch loaders (one query per type per tick), scoped to the caller's tenant. */
export class Loaders {
  readonly cluster: DataLoader<string, ClusterView | null>;

  constructor(tenant: TenantContext | undefined, clusters: ClustersService) {
    this.cluster = new DataLoader(async (ids) => {
      if (!tenant) return ids.map(() => null);
      const rows = await clusters.getMany(tenant, ids);
      const byId = new Map(rows.map((r) => [r.id, r]));
      return ids.map((id) => byId.get(id) ?? null);
    });
  }
}

export interface GqlContext {
  req: { tenant?: TenantContext };
  loaders: Loaders;
}
