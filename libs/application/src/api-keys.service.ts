import { Injectable } from '@nestjs/common';
import { API_KEY_ROLES, isAdmin, type ApiKeyRole, type TenantContext } from '@portolan/contracts';
import { ApiKeysRepository, type ApiKeyRow } from '@portolan/persistence';
import { z } from 'zod';
import { parseInput } from './cluster-profile';
import { AppError } from './errors';

const NewKey = z
  .object({
    name: z.string().trim().min(1).max(100),
    role: z.enum(API_KEY_ROLES),
    // an ISO 8601 instant with its offset; a Date when GraphQL's DateTime scalar already parsed it
    expiresAt: z
      .union([z.iso.datetime({ offset: true }).transform((s) => new Date(s)), z.date()])
      .refine((d) => !Number.isNaN(d.getTime()) && d.getTime() > Date.now(), 'must be a future instant (ISO 8601 with offset, e.g. 2027-01-31T00:00:00Z)')
      .nullish(),
  })
  .strict();

/** API keys are an admin's business; the clear key exists only in the response that creates it. */
@Injectable()
export class ApiKeysService {
  constructor(private readonly keys: ApiKeysRepository) {}

  private requireAdmin(ctx: TenantContext, what: string): void {
    if (!isAdmin(ctx)) throw AppError.forbidden(`${what} needs an admin key`);
  }

  list(ctx: TenantContext): Promise<ApiKeyRow[]> {
    this.requireAdmin(ctx, 'listing API keys');
    return this.keys.list(ctx);
  }

  create(ctx: TenantContext, input: { name: string; role: ApiKeyRole | string; expiresAt?: Date | string | null }): Promise<{ row: ApiKeyRow; key: string }> {
    this.requireAdmin(ctx, 'creating an API key');
    const i = parseInput(NewKey, input, 'API key');
    return this.keys.create(ctx, i.name, i.role, i.expiresAt ?? null);
  }

  async revoke(ctx: TenantContext, id: string): Promise<ApiKeyRow> {
    this.requireAdmin(ctx, 'revoking an API key');
    if (id === ctx.actorId) throw new AppError('CONFLICT', 'a key cannot revoke itself: use another admin key');
    const row = await this.keys.revoke(ctx, id);
    if (!row) throw AppError.notFound('API key', id);
    return row;
  }
}
