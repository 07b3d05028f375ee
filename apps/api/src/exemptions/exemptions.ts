import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { Args, Field, GraphQLISODateTime, ID, InputType, Mutation, ObjectType, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { ExemptionsService } from '@portolan/application';
import type { TenantContext } from '@portolan/contracts';
import type { ExemptionRow } from '@portolan/persistence';
import { CurrentTenant } from '../auth/current-tenant.decorator';
import { ClusterModel } from '../clusters/cluster.model';
import { stripUndefined } from '../clusters/clusters.resolver';

@ObjectType('ExemptionSelector', { description: 'Which objects: each given field must match the finding object (Kind/namespace/name); name may end in *' })
export class ExemptionSelectorModel {
  @Field({ nullable: true }) kind?: string;
  @Field({ nullable: true }) namespace?: string;
  @Field({ nullable: true }) name?: string;
}

@ObjectType('Exemption', { description: "A cluster's exemption from one check rule: the findings it covers are reported as suppressed, with the reason" })
export class ExemptionModel {
  @Field(() => ID) id!: string;
  @Field(() => ID) clusterId!: string;
  @Field({ description: 'a rule id of the catalogue' }) rule!: string;
  @Field(() => ExemptionSelectorModel) selector!: ExemptionSelectorModel;
  @Field() reason!: string;
  @Field(() => GraphQLISODateTime, { nullable: true, description: 'from this instant it covers nothing; null: never' }) expiresAt!: Date | null;
  @Field({ description: 'false once expiresAt has passed' }) active!: boolean;
  @Field(() => GraphQLISODateTime) createdAt!: Date;
}

@InputType()
export class ExemptionSelectorInput {
  @Field({ nullable: true }) kind?: string;
  @Field({ nullable: true }) namespace?: string;
  @Field({ nullable: true }) name?: string;
}

@InputType()
export class ExemptionInput {
  @Field() rule!: string;
  @Field(() => ExemptionSelectorInput, { nullable: true }) selector?: ExemptionSelectorInput;
  @Field() reason!: string;
  @Field(() => GraphQLISODateTime, { nullable: true }) expiresAt?: Date;
}

export const exemptionModel = (r: ExemptionRow, now = Date.now()): ExemptionModel => ({
  id: r.id,
  clusterId: r.clusterId,
  rule: r.rule,
  selector: r.selector,
  reason: r.reason,
  expiresAt: r.expiresAt,
  active: !r.expiresAt || r.expiresAt.getTime() > now,
  createdAt: r.createdAt,
});

@Resolver(() => ClusterModel)
export class ExemptionsResolver {
  constructor(private readonly service: ExemptionsService) {}

  @ResolveField(() => [ExemptionModel], { description: 'Check exemptions of this cluster, oldest first (expired ones too, inactive)', complexity: 5 })
  async exemptions(@CurrentTenant() t: TenantContext, @Parent() c: ClusterModel): Promise<ExemptionModel[]> {
    return (await this.service.list(t, c.id)).map((r) => exemptionModel(r));
  }

  @Mutation(() => ExemptionModel, { description: 'Writer or admin. Exempts the objects the selector matches from one rule, until expiresAt.' })
  async createExemption(@CurrentTenant() t: TenantContext, @Args('clusterId', { type: () => ID }) clusterId: string, @Args('input') input: ExemptionInput): Promise<ExemptionModel> {
    // a Date is an object too: kept as it is, not walked by stripUndefined
    const { expiresAt, ...rest } = input;
    return exemptionModel(await this.service.create(t, clusterId, { ...stripUndefined(rest), ...(expiresAt ? { expiresAt } : {}) }));
  }

  @Mutation(() => ExemptionModel, { description: 'Writer or admin. Removes an exemption; the next analysis no longer applies it.' })
  async deleteExemption(@CurrentTenant() t: TenantContext, @Args('clusterId', { type: () => ID }) clusterId: string, @Args('id', { type: () => ID }) id: string): Promise<ExemptionModel> {
    return exemptionModel(await this.service.delete(t, clusterId, id));
  }
}

@Controller('v1/clusters/:id/exemptions')
export class ExemptionsController {
  constructor(private readonly exemptions: ExemptionsService) {}

  @Get()
  async list(@CurrentTenant() t: TenantContext, @Param('id') clusterId: string) {
    return { items: (await this.exemptions.list(t, clusterId)).map((r) => exemptionModel(r)) };
  }

  @Post()
  @HttpCode(201)
  async create(@CurrentTenant() t: TenantContext, @Param('id') clusterId: string, @Body() body: unknown) {
    return exemptionModel(await this.exemptions.create(t, clusterId, body));
  }

  @Delete(':exemptionId')
  async remove(@CurrentTenant() t: TenantContext, @Param('id') clusterId: string, @Param('exemptionId') id: string) {
    return exemptionModel(await this.exemptions.delete(t, clusterId, id));
  }
}
