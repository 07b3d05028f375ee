import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import type { TenantContext } from '@portolan/contracts';
import type { Request } from 'express';

export type AuthedRequest = Request & { tenant?: TenantContext };

export function requestOf(ctx: ExecutionContext): AuthedRequest {
  return ctx.getType<'http' | 'graphql'>() === 'graphql' ? GqlExecutionContext.create(ctx).getContext<{ req: AuthedRequest }>().req : ctx.switchToHttp().getRequest<AuthedRequest>();
}

/** The tenant the API key belongs to. Fails loudly if a route was left outside the authentication middleware. */
export const CurrentTenant = createParamDecorator((_: unknown, ctx: ExecutionContext): TenantContext => {
  const tenant = requestOf(ctx).tenant;
  if (!tenant) throw new Error('CurrentTenant used on a route the API-key middleware does not cover');
  return tenant;
});
