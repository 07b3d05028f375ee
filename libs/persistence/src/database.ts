import { PrismaPg } from '@prisma/adapter-pg';
import type { TenantContext } from '@portolan/contracts';
import pg from 'pg';
import { Prisma, PrismaClient } from './generated/prisma/client';

export type Tx = Prisma.TransactionClient;

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Ids arrive from URLs and GraphQL: a malformed one is simply not found (never a Postgres cast error, a 500). */
export const isUuid = (s: string): boolean => UUID_RE.test(s);

/** A query on withTenantSql's connection: parameterised SQL, rows back. */
export type Sql = <R = Record<string, unknown>>(text: string, values?: unknown[]) => Promise<R[]>;

export interface TransactionOptions {
  timeoutMs?: number;
}

/**
 * The application's connection. It runs as a role that owns no table, so Postgres row-level security filters every
 * query by the tenant that withTenant() sets for the transaction; the repositories filter by tenant too.
 */
export class Database {
  readonly client: PrismaClient;
  /** One pool for both ways in: Prisma's adapter and withTenantSql. */
  private readonly pool: pg.Pool;

  /**
   * connectTimeoutMs bounds the wait for a connection, new or pooled (pg's default waits forever: a Postgres that is
   * down would hold every request for the outage); statementTimeoutMs (0: none) is the server's statement_timeout.
   */
  constructor(url: string, poolMax = 10, opts: { connectTimeoutMs?: number; statementTimeoutMs?: number } = {}) {
    this.pool = new pg.Pool({
      connectionString: url,
      max: poolMax,
      connectionTimeoutMillis: opts.connectTimeoutMs ?? 3000,
      keepAlive: true,
      ...(opts.statementTimeoutMs ? { statement_timeout: opts.statementTimeoutMs } : {}),
    });
    // An idle pooled connection that Postgres terminates (restart, failover) emits 'error' on the pool: without a
    // listener that would crash the process; the pool drops that connection and opens a new one when next needed.
    this.pool.on('error', () => undefined);
    this.client = new PrismaClient({ adapter: new PrismaPg(this.pool) });
  }

  /**
   * withTenant for the hot paths (a CI delivery's insert, the worker's claim and finish, status polls): plain SQL
   * on a pooled connection. Measured on this machine, a Prisma interactive transaction costs ~2 ms of client CPU
   * whatever it holds; this one ~0.6 ms, with BEGIN and the tenant sent in one round trip. The same RLS applies:
   * the tenant is transaction-local, and a tenant id that is not a UUID never reaches the SQL text.
   */
  async withTenantSql<T>(ctx: TenantContext, fn: (sql: Sql) => Promise<T>): Promise<T> {
    return this.withTenantConnection(ctx, (c) => fn(async <R>(text: string, values?: unknown[]) => (await c.query(text, values)).rows as R[]));
  }

  /** withTenantSql with the pooled connection itself, for what plain queries cannot do (COPY). */
  async withTenantConnection<T>(ctx: TenantContext, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    if (!isUuid(ctx.tenantId)) throw new Error('tenant id is not a UUID');
    const c = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await c.query(`BEGIN; SELECT set_config('portolan.tenant_id', '${ctx.tenantId}', true)`);
      const out = await fn(c);
      await c.query('COMMIT');
      return out;
    } catch (e) {
      await c.query('ROLLBACK').catch((err: Error) => (broken = err));
      throw e;
    } finally {
      c.release(broken); // a connection that cannot roll back is discarded, not reused
    }
  }

  /** Plain SQL outside any tenant: only for the SECURITY DEFINER lookups (key and webhook target). */
  async sql<R = Record<string, unknown>>(text: string, values?: unknown[]): Promise<R[]> {
    return (await this.pool.query(text, values)).rows as R[];
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
    await this.pool.end();
  }
}

/** Postgres' UNIQUE_VIOLATION from a plain-SQL (pg) statement. */
export const isUniqueViolation = (e: unknown): boolean => typeof e === 'object' && e !== null && (e as { code?: unknown }).code === '23505';
