import type { ApiKeyRole, TenantContext } from '@portolan/contracts';
import { EVENTS_CHANNEL, eventPayload } from './events';
import { isUuid, type Database } from './database';
import { newApiKey } from './keys';

export interface ApiKeyRow {
  id: string;
  name: string;
  prefix: string;
  role: ApiKeyRole;
  createdAt: Date;
  revokedAt: Date | null;
  expiresAt: Date | null;
  /** to within a few minutes: API processes write it at most once per key per AuthCache.LAST_USED_GRANULARITY_MS */
  lastUsedAt: Date | null;
}

const publicFields = { id: true, name: true, prefix: true, role: true, createdAt: true, revokedAt: true, expiresAt: true, lastUsedAt: true } as const;

export class ApiKeysRepository {
  constructor(private readonly db: Database) {}

  list(ctx: TenantContext): Promise<ApiKeyRow[]> {
    return this.db.withTenant(ctx, (tx) => tx.apiKey.findMany({ where: { tenantId: ctx.tenantId }, orderBy: { createdAt: 'asc' }, select: publicFields }));
  }

  /** The clear key is returned once and never stored. */
  create(ctx: TenantContext, name: string, role: ApiKeyRole, expiresAt: Date | null = null): Promise<{ row: ApiKeyRow; key: string }> {
    const k = newApiKey();
    return this.db.withTenant(ctx, async (tx) => {
      const row = await tx.apiKey.create({ data: { tenantId: ctx.tenantId, name, role, prefix: k.prefix, hash: k.hash, expiresAt }, select: publicFields });
      return { row, key: k.key };
    });
  }

  async revoke(ctx: TenantContext, id: string): Promise<ApiKeyRow | null> {
    if (!isUuid(id)) return null;
    return this.db.withTenant(ctx, async (tx) => {
      const r = await tx.apiKey.updateMany({ where: { tenantId: ctx.tenantId, id, revokedAt: null }, data: { revokedAt: new Date() } });
      if (r.count === 0 && !(await tx.apiKey.findFirst({ where: { tenantId: ctx.tenantId, id } }))) return null;
      if (r.count > 0) {
        // every API process forgets the key at COMMIT (their caches would otherwise accept it for a few seconds)
        await tx.$executeRaw`SELECT pg_notify(${EVENTS_CHANNEL}, ${eventPayload({ type: 'api-key-revoked', tenantId: ctx.tenantId, keyId: id })})`;
      }
      return tx.apiKey.findFirst({ where: { tenantId: ctx.tenantId, id }, select: publicFields });
    });
  }
}
