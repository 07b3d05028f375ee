import { Args, ID, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { AnalysesService } from '@portolan/application';
import type { TenantContext } from '@portolan/contracts';
import { CurrentTenant } from '../auth/current-tenant.decorator';
import { AnalysisModel, analysisModel } from './analysis.model';

@Resolver(() => AnalysisModel)
export class AnalysesResolver {
  constructor(private readonly analyses: AnalysesService) {}

  @Query(() => AnalysisModel, { nullable: true, description: "One of the caller's analyses; another tenant's id is NOT_FOUND" })
  async analysis(@CurrentTenant() t: TenantContext, @Args('id', { type: () => ID }) id: string) {
    return analysisModel(await this.analyses.get(t, id));
  }

  @Mutation(() => AnalysisModel, { nullable: true, description: 'Writer or admin. Checks manifests (YAML/JSON text) against the cluster’s latest snapshot; poll analysis(id) for the verdict.' })
  async submitManifests(@CurrentTenant() t: TenantContext, @Args('clusterId', { type: () => ID }) clusterId: string, @Args('manifests') manifests: string) {
    return analysisModel((await this.analyses.submitManifests(t, clusterId, manifests)).analysis);
  }

  @ResolveField(() => String, { nullable: true, description: 'the SARIF 2.1.0 log as a JSON string, once done' })
  sarif(@Parent() a: AnalysisModel): string | null {
    return a.sarifObject ? JSON.stringify(a.sarifObject) : null;
  }
}
