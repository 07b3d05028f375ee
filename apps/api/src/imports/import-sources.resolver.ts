import { Args, ID, Mutation, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { ImportSourcesService } from '@portolan/application';
import type { TenantContext } from '@portolan/contracts';
import { CurrentTenant } from '../auth/current-tenant.decorator';
import { ClusterModel } from '../clusters/cluster.model';
import { stripUndefined } from '../clusters/clusters.resolver';
import { ImportSourceInput, ImportSourceModel, importSourceModel } from './import-source.model';

@Resolver(() => ClusterModel)
export class ImportSourcesResolver {
  constructor(private readonly imports: ImportSourcesService) {}

  @ResolveField(() => ImportSourceModel, { nullable: true, description: 'The scheduled import source (no credential); null when none', complexity: 3 })
  async importSource(@CurrentTenant() t: TenantContext, @Parent() c: ClusterModel) {
    const v = await this.imports.describeOrNull(t, c.id);
    return v ? importSourceModel(v) : null;
  }

  @Mutation(() => ImportSourceModel, { description: 'Writer or admin. Stores the source (credential encrypted) and (re)schedules the import.' })
  async setImportSource(@CurrentTenant() t: TenantContext, @Args('clusterId', { type: () => ID }) clusterId: string, @Args('input') input: ImportSourceInput) {
    return importSourceModel(await this.imports.set(t, clusterId, stripUndefined(input)));
  }

  @Mutation(() => Boolean, { description: 'Writer or admin. Removes the source and its schedule.' })
  async clearImportSource(@CurrentTenant() t: TenantContext, @Args('clusterId', { type: () => ID }) clusterId: string) {
    await this.imports.clear(t, clusterId);
    return true;
  }

  @Mutation(() => Boolean, { description: 'Writer or admin. Queues one import run now; its snapshot has source schedule.' })
  async runImportNow(@CurrentTenant() t: TenantContext, @Args('clusterId', { type: () => ID }) clusterId: string) {
    await this.imports.runNow(t, clusterId);
    return true;
  }
}
