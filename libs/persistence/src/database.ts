import { PrismaPg } from '@prisma/adapter-pg';
import type { TenantContext } from '@portolan/contracts';
import { Prisma, PrismaClient } from './generated/prisma/client';

export type Tx = Prisma.TransactionClient;

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Ids arrive from URLs and GraphQL: a malformed one is simply not found (never a Postgres cast error, a 500). */
export const isUuid = (s: string): boolean => UUID_RE.test(s);

export interface TransactionOptions {
  timeoutMs?: number;
}

/**
 * The application's connection. It runs as a role that owns no table, so Postgres row-level security filters every
 * query by the tenant that withTenant() sets for the transaction; the repositories filter by tenant too.
 */
export class Database {
  readonly client: PrismaClient;

  constructor(url: string, poolMax = 10) {
    this.client = new PrismaClient({ adapter: new PrismaPg({ connectionString: url, max: poolMax }) });
  }

  /** Runs fn in one transaction whose every statement sees only ctx's tenant. */
  withTenant<T>(ctx: TenantContext, fn: (tx: Tx) => Promise<T>, opts: TransactionOptions = {}): Promise<T> {
    return this.client.$transaction(
      async (tx) => {
        // set_config(..., true) is transaction-local: the pooled connection forgets the tenant at COMMIT/ROLLBACK.
        await tx.$executeRaw`SELECT set_config('portolan.tenant_id', ${ctx.tenantId}, true)`;
        return fn(tx);
      },
      { timeout: opts.timeoutMs ?? 15_000, maxWait: 10_000 },
    );
  }

  async ping(): Promise<void> {
    await this.client.$queryRaw`SELECT 1`;
  }

  /** Whether this connection escapes RLS (superuser, BYPASSRLS, or owner of the tables): a misconfiguration. */
  async bypassesRowLevelSecurity(): Promise<boolean> {
    const rows = await this.client.$queryRaw<Array<{ bypass: boolean }>>`
      SELECT (r.rolsuper OR r.rolbypassrls OR EXISTS (
        SELECT 1 FROM pg_tables t WHERE t.tablename = 'clusters' AND t.tableowner = current_user)) AS bypass
      FROM pg_roles r WHERE r.rolname = current_user`;
    return rows[0]?.bypass ?? true;
  }

  async close(): Promise<void> {
    await this.client.$disconnect();
  }
}

/** Postgres' UNIQUE_VIOLATION, as Prisma reports it from a model call (P2002) or a raw query (P2010 + 23505). */
export function isUniqueViolation(e: unknown): boolean {
  const o = e as { code?: unknown; meta?: { driverAdapterError?: { cause?: { originalCode?: unknown } } }; message?: unknown } | null;
  if (!o || typeof o !== 'object') return false;
  if (o.code === 'P2002') return true;
  if (o.code !== 'P2010') return false;
  return o.meta?.driverAdapterError?.cause?.originalCode === '23505' || (typeof o.message === 'string' && o.message.includes('Code: `23505`'));
}
