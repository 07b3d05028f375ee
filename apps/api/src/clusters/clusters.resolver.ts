import { Args, ID, Int, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { AppError, ClustersService, SnapshotsService } from '@portolan/application';
import type { TenantContext } from '@portolan/contracts';
import { CurrentTenant } from '../auth/current-tenant.decorator';
import { listCost, pageRequest, toConnection } from '../graphql/connection';
import { SnapshotConnection, snapshotModel } from '../snapshots/snapshot.model';
import { ClusterConnection, ClusterModel, ClusterWithSecretPayload, CreateClusterInput, clusterModel } from './cluster.model';


@Resolver(() => ClusterModel)
export class ClustersResolver {
  constructor(
    private readonly clusterService: ClustersService,
    private readonly snapshotService: SnapshotsService,
  ) {}

  @Query(() => ClusterConnection, { description: "The caller's clusters, by name", complexity: listCost })
  async clusters(
    @CurrentTenant() t: TenantContext,
    @Args('first', { type: () => Int, nullable: true }) first?: number,
    @Args('after', { type: () => String, nullable: true }) after?: string,
  ) {
    const page = await this.clusterService.list(t, pageRequest(first, after));
    return toConnection(page, clusterModel, (c) => c.name);
  }

  @Query(() => ClusterModel)
  async cluster(@CurrentTenant() t: TenantContext, @Args('id', { type: () => ID }) id: string) {
    return clusterModel(await this.clusterService.get(t, id));
  }

  @ResolveField(() => SnapshotConnection, { description: 'Newest first', complexity: listCost })
  async snapshots(
    @CurrentTenant() t: TenantContext,
    @Parent() c: ClusterModel,
    @Args('first', { type: () => Int, nullable: true }) first?: number,
    @Args('after', { type: () => String, nullable: true }) after?: string,
  ) {
    const page = await this.snapshotService.list(t, c.id, pageRequest(first, after));
    return toConnection(page, snapshotModel, (s) => `${s.createdAt.toISOString()}|${s.id}`);
  }

  @Mutation(() => ClusterWithSecretPayload)
  async createCluster(@CurrentTenant() t: TenantContext, @Args('input') input: CreateClusterInput) {
    let conflist: unknown;
    if (input.cniConflist !== undefined) {
      try {
        conflist = JSON.parse(input.cniConflist);
      } catch (e) {
        throw AppError.invalid(`cniConflist: not JSON (${(e as Error).message})`, [{ field: 'cniConflist', message: 'not JSON' }]);
      }
    }
    const { cniConflist: _c, ...rest } = input;
    const r = await this.clusterService.create(t, { ...stripUndefined(rest), ...(conflist !== undefined ? { cniConflist: conflist } : {}) });
    return { cluster: clusterModel(r.cluster), webhookSecret: r.webhookSecret };
  }

  @Mutation(() => ClusterWithSecretPayload, { description: 'Admin only. The new secret is shown once.' })
  async rotateWebhookSecret(@CurrentTenant() t: TenantContext, @Args('clusterId', { type: () => ID }) clusterId: string) {
    const r = await this.clusterService.rotateWebhookSecret(t, clusterId);
    return { cluster: clusterModel(r.cluster), webhookSecret: r.webhookSecret };
  }
}

/** GraphQL hands absent optional inputs over as undefined or null; the use case's schema wants them absent. */
export function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined || v === null) continue;
    out[k] = v && typeof v === 'object' && !Array.isArray(v) ? stripUndefined(v) : v;
  }
  return out as Partial<T>;
}
