import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { Args, Field, GraphQLISODateTime, ID, Mutation, ObjectType, Query, Resolver, registerEnumType } from '@nestjs/graphql';
import { ApiKeysService } from '@portolan/application';
import type { TenantContext } from '@portolan/contracts';
import type { ApiKeyRow } from '@portolan/persistence';
import { AuthCache } from '../auth/auth-cache';
import { CurrentTenant } from '../auth/current-tenant.decorator';

export enum ApiKeyRoleEnum {
  admin = 'admin',
  writer = 'writer',
  reader = 'reader',
}
registerEnumType(ApiKeyRoleEnum, { name: 'ApiKeyRole' });

@ObjectType('ApiKey')
export class ApiKeyModel {
  @Field(() => ID) id!: string;
  @Field() name!: string;
  @Field({ description: 'the first characters of the key, to tell keys apart' }) prefix!: string;
  @Field(() => ApiKeyRoleEnum) role!: ApiKeyRoleEnum;
  @Field(() => GraphQLISODateTime) createdAt!: Date;
  @Field(() => GraphQLISODateTime, { nullable: true }) revokedAt!: Date | null;
  @Field(() => GraphQLISODateTime, { nullable: true, description: 'from this instant the key is refused like a wrong one; null: never' }) expiresAt!: Date | null;
  @Field(() => GraphQLISODateTime, { nullable: true, description: 'last request made with the key, to within 5 minutes' }) lastUsedAt!: Date | null;
}

@ObjectType()
export class CreatedApiKey {
  @Field(() => ApiKeyModel) apiKey!: ApiKeyModel;
  @Field({ description: 'the key itself, shown only in this response' }) key!: string;
}

const model = (r: ApiKeyRow): ApiKeyModel => ({ ...r, role: r.role as ApiKeyRoleEnum });

@Resolver(() => ApiKeyModel)
export class ApiKeysResolver {
  constructor(
    private readonly keys: ApiKeysService,
    private readonly cache: AuthCache,
  ) {}

  @Query(() => [ApiKeyModel], { description: 'Admin only' })
  async apiKeys(@CurrentTenant() t: TenantContext): Promise<ApiKeyModel[]> {
    return (await this.keys.list(t)).map(model);
  }

  @Mutation(() => CreatedApiKey, { description: 'Admin only. The key is shown once.' })
  async createApiKey(
    @CurrentTenant() t: TenantContext,
    @Args('name') name: string,
    @Args('role', { type: () => ApiKeyRoleEnum }) role: ApiKeyRoleEnum,
    @Args('expiresAt', { type: () => GraphQLISODateTime, nullable: true, description: 'optional: a future instant after which the key is refused' }) expiresAt?: Date | null,
  ): Promise<CreatedApiKey> {
    const r = await this.keys.create(t, { name, role, expiresAt });
    return { apiKey: model(r.row), key: r.key };
  }

  @Mutation(() => ApiKeyModel, { description: 'Admin only. Takes effect on the next request.' })
  async revokeApiKey(@CurrentTenant() t: TenantContext, @Args('id', { type: () => ID }) id: string): Promise<ApiKeyModel> {
    const r = model(await this.keys.revoke(t, id));
    this.cache.forgetActor(id);
    return r;
  }
}

@Controller('v1/api-keys')
export class ApiKeysController {
  constructor(
    private readonly keys: ApiKeysService,
    private readonly cache: AuthCache,
  ) {}

  @Get()
  async list(@CurrentTenant() t: TenantContext) {
    return { items: (await this.keys.list(t)).map(model) };
  }

  @Post()
  @HttpCode(201)
  async create(@CurrentTenant() t: TenantContext, @Body() body: { name: string; role: string; expiresAt?: string }) {
    const r = await this.keys.create(t, body ?? {});
    return { apiKey: model(r.row), key: r.key };
  }

  @Delete(':id')
  async revoke(@CurrentTenant() t: TenantContext, @Param('id') id: string) {
    const r = model(await this.keys.revoke(t, id));
    this.cache.forgetActor(id);
    return r;
  }
}
