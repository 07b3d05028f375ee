import { asTenantId, type ApiKeyRole, type TenantContext } from '@portolan/contracts';
import type { Database } from './database';
import { hashApiKey } from './keys';

/**
 * The two look-ups that happen before the tenant is known; each goes through its own SECURITY DEFINER function.
 * Both run on every webhook delivery or uncached key, so they skip Prisma (see Database.withTenantSql).
 */
export class AuthRepository {
  constructor(private readonly db: Database) {}

  async authenticate(key: string): Promise<TenantContext | null> {
    return (await this.authenticateKey(key))?.ctx ?? null;
  }

  /** A valid (unrevoked, unexpired) key's tenant context and its expiry, which bounds how long it may be cached. */
  async authenticateKey(key: string): Promise<{ ctx: TenantContext; expiresAt: Date | null } | null> {
    const rows = await this.db.sql<{ api_key_id: string; tenant_id: string; role: ApiKeyRole; expires_at: Date | null }>(
      'SELECT api_key_id, tenant_id, role::text AS role, expires_at FROM portolan_authenticate($1)',
      [hashApiKey(key)],
    );
    const row = rows[0];
    return row ? { ctx: { tenantId: asTenantId(row.tenant_id), actorId: row.api_key_id, role: row.role }, expiresAt: row.expires_at ? new Date(row.expires_at) : null } : null;
  }

  /** Sets last_used_at of these keys (any tenant) to now, unless it was set less than `granularityMs` ago. */
  async touchKeys(keyIds: string[], granularityMs: number): Promise<void> {
    if (keyIds.length === 0) return;
    await this.db.sql('SELECT portolan_touch_api_keys($1::uuid[], make_interval(secs => $2))', [keyIds, granularityMs / 1000]);
  }

  /** Tenant and encrypted HMAC secret of a cluster, for the CI webhook; null when the cluster does not exist. */
  async webhookTarget(clusterId: string): Promise<{ tenantId: string; encryptedSecret: string } | null> {
    const rows = await this.db.sql<{ tenant_id: string; webhook_secret: string }>('SELECT tenant_id, webhook_secret FROM portolan_webhook_target($1::uuid)', [clusterId]);
    const row = rows[0];
    return row ? { tenantId: row.tenant_id, encryptedSecret: row.webhook_secret } : null;
  }
}
