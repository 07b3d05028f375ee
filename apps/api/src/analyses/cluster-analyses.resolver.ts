import { Args, Int, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { AnalysesService } from '@portolan/application';
import type { TenantContext } from '@portolan/contracts';
import { CurrentTenant } from '../auth/current-tenant.decorator';
import { ClusterModel } from '../clusters/cluster.model';
import { AnalysisModel, analysisModel } from './analysis.model';

/** A cluster's analyses (the API's and the CI webhook's), newest first: the portal's list of verdicts. */
@Resolver(() => ClusterModel)
export class ClusterAnalysesResolver {
  constructor(private readonly service: AnalysesService) {}

  @ResolveField(() => [AnalysisModel], {
    description: 'Newest first, API and webhook alike; first 1-50 (default 20)',
    complexity: ({ args, childComplexity }: { args: { first?: number }; childComplexity: number }) => 1 + childComplexity * Math.min(args.first ?? 20, 50),
  })
  async analyses(@CurrentTenant() t: TenantContext, @Parent() c: ClusterModel, @Args('first', { type: () => Int, nullable: true }) first?: number): Promise<AnalysisModel[]> {
    return (await this.service.list(t, c.id, first ?? 20)).map(analysisModel);
  }
}
