import { Args, Context, ID, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { SnapshotsService } from '@portolan/application';
import type { TenantContext } from '@portolan/contracts';
import { CurrentTenant } from '../auth/current-tenant.decorator';
import { ClusterModel, clusterModel } from '../clusters/cluster.model';
import type { GqlContext } from '../graphql/loaders';
import { SnapshotModel, snapshotModel } from './snapshot.model';

@Resolver(() => SnapshotModel)
export class SnapshotsResolver {
  constructor(private readonly snapshots: SnapshotsService) {}

  @Query(() => SnapshotModel)
  async snapshot(@CurrentTenant() t: TenantContext, @Args('id', { type: () => ID }) id: string) {
    return snapshotModel(await this.snapshots.get(t, id));
  }

  @ResolveField(() => ClusterModel)
  async cluster(@Parent() s: SnapshotModel, @Context() ctx: GqlContext) {
    const c = await ctx.loaders.cluster.load(s.clusterId);
    if (!c) throw new Error(`snapshot ${s.id} has no cluster`);
    return clusterModel(c);
  }
}
