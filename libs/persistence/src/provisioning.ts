import { PrismaPg } from '@prisma/adapter-pg';
import { asTenantId, type ApiKeyRole, type TenantId } from '@portolan/contracts';
import { PrismaClient } from './generated/prisma/client';
import { newApiKey } from './keys';

/**
 * Creating tenants is an operator's act, not an API call: it runs on the owner connection (MIGRATION_DATABASE_URL),
 * used by the start script's demo data, by tests, and by operators.
 */
export class TenantProvisioner {
  private readonly client: PrismaClient;

  constructor(ownerUrl: string) {
    this.client = new PrismaClient({ adapter: new PrismaPg({ connectionString: ownerUrl, max: 2 }) });
  }

  async createTenant(name: string): Promise<TenantId> {
    const t = await this.client.tenant.create({ data: { name } });
    return asTenantId(t.id);
  }

  async findTenant(name: string): Promise<TenantId | null> {
    const t = await this.client.tenant.findUnique({ where: { name } });
    return t ? asTenantId(t.id) : null;
  }

  /** Returns the key in clear, the only time it exists outside its holder. */
  async createApiKey(tenantId: TenantId, name: string, role: ApiKeyRole): Promise<string> {
    const k = newApiKey();
    await this.client.apiKey.create({ data: { tenantId, name, role, prefix: k.prefix, hash: k.hash } });
    return k.key;
  }

  async close(): Promise<void> {
    await this.client.$disconnect();
  }
}
