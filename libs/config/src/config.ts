import { BlockList, isIP } from 'node:net';
import { z } from 'zod';

/**
 * The one reader of the environment. Every process calls loadConfig() once at start and is handed the typed,
 * nested result; nothing else reads process.env (lint enforces it).
 */
const DEV_SECRETS_KEY = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const int = (def: number, min = 0) => z.coerce.number().int().min(min).default(def);

/**
 * Where scheduled imports may not connect, whatever the tenant's URL or its DNS says: this host ("this network",
 * 0.0.0.0 and :: reach local listeners), loopback (the service's own Postgres, Redis and API in dev), link-local
 * (169.254.169.254 is the metadata endpoint of AWS, GCP, Azure and others; fe80::/10) and AWS's IPv6 metadata
 * address. Private ranges (RFC 1918, IPv6 ULA fc00::/7) stay allowed: clusters' API servers live there.
 */
export const DEFAULT_IMPORT_DENY_CIDRS = '0.0.0.0/8,127.0.0.0/8,169.254.0.0/16,::/128,::1/128,fe80::/10,fd00:ec2::254/128';

/** A comma-separated list of CIDRs (IPv4 or IPv6, `address/prefix`); empty means none. */
const cidrList = () =>
  z.string().transform((text, ctx) => {
    const out: string[] = [];
    for (const item of text.split(',').map((s) => s.trim()).filter(Boolean)) {
      const [address = '', prefix, extra] = item.split('/');
      const family = isIP(address);
      const bits = Number(prefix);
      const max = family === 6 ? 128 : 32;
      let ok = family !== 0 && extra === undefined && prefix !== undefined && /^\d{1,3}$/.test(prefix) && bits <= max;
      if (ok) {
        try {
          new BlockList().addSubnet(address, bits, family === 6 ? 'ipv6' : 'ipv4');
        } catch {
          ok = false;
        }
      }
      if (!ok) {
        ctx.addIssue({ code: 'custom', message: `${JSON.stringify(item)} is not a CIDR (expected comma-separated address/prefix, prefix 0-32 for IPv4 and 0-128 for IPv6)` });
        return z.NEVER;
      }
      out.push(`${address}/${bits}`);
    }
    return out;
  });

const EnvSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    HOST: z.string().min(1).default('127.0.0.1'),
    PORT: int(3000, 0).pipe(z.number().max(65535)),
    API_PROCESSES: int(1, 1).pipe(z.number().max(64)),
    DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/, error: 'must be a postgresql:// URL' }),
    MIGRATION_DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
    REDIS_URL: z.url({ protocol: /^rediss?$/, error: 'must be a redis:// URL' }).optional(),
    QUEUE_DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    SECRETS_KEY: z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex characters (32 bytes)').optional(),
    SNAPSHOT_RETENTION: int(10, 1),
    WORKER_CONCURRENCY: int(4, 1),
    JOB_SWEEP_INTERVAL_SECONDS: int(60, 1),
    JOB_SWEEP_MIN_AGE_SECONDS: int(120, 1),
    JOB_LOCK_SECONDS: int(30, 1),
    JOB_MEMORY_MB: int(2048, 16),
    MAX_BODY_BYTES: int(1024 * 1024, 1024),
    MAX_UPLOAD_BYTES: int(512 * 1024 * 1024, 1024),
    GRAPHQL_MAX_COMPLEXITY: int(1000, 10),
    GRAPHQL_MAX_DEPTH: int(12, 2),
    DB_CONNECT_TIMEOUT_MS: int(3000, 100),
    DB_STATEMENT_TIMEOUT_MS: int(0, 0),
    GRAPHQL_MAX_DOCUMENT_BYTES: int(16 * 1024, 256),
    GRAPHQL_MAX_TOKENS: int(2000, 50),
    GRAPHQL_MAX_ALIASES: int(30, 1),
    GRAPHQL_MAX_DIRECTIVES: int(20, 1),
    ENGINE_CACHE_SNAPSHOTS: int(8, 1),
    IMPORT_HTTP_TIMEOUT_MS: int(15000, 100),
    IMPORT_DENY_CIDRS: cidrList().default(DEFAULT_IMPORT_DENY_CIDRS.split(',')),
    IMPORT_ALLOW_CIDRS: cidrList().default([]),
    IMPORT_MIN_INTERVAL_SECONDS: int(300, 1),
    IMPORT_IN_CLUSTER_TENANTS: z.string().default('').transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean)),
    // set by the kubelet in every pod: where this pod's own cluster's API server is
    KUBERNETES_SERVICE_HOST: z.string().optional(),
    KUBERNETES_SERVICE_PORT: z.string().regex(/^\d{1,5}$/).optional(),
    IMPORT_IN_CLUSTER_TOKEN_FILE: z.string().default('/var/run/secrets/kubernetes.io/serviceaccount/token'),
    IMPORT_IN_CLUSTER_CA_FILE: z.string().default('/var/run/secrets/kubernetes.io/serviceaccount/ca.crt'),
    PRETTY_LOGS: bool.default(false),
    WEBHOOK_TOLERANCE_SECONDS: int(300, 1).pipe(z.number().max(86400)),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === 'production' && !env.SECRETS_KEY) {
      ctx.addIssue({ code: 'custom', path: ['SECRETS_KEY'], message: 'is required in production' });
    }
  });

export type QueueBackend = 'redis' | 'postgres';

export interface AppConfig {
  env: 'development' | 'test' | 'production';
  /** processes: API processes sharing the port (node:cluster) when > 1 */
  http: { host: string; port: number; processes: number; maxBodyBytes: number; maxUploadBytes: number };
  database: { url: string; migrationUrl: string; connectTimeoutMs: number; statementTimeoutMs: number };
  /** BullMQ on Redis when REDIS_URL is set, else BullMQ's Postgres backend */
  /**
   * sweepIntervalSeconds: how often each worker reconciles open rows whose job is gone or failed; sweepMinAgeSeconds:
   * how old an open row must be before the sweep looks at it (a row is written before its job is enqueued)
   */
  /**
   * lockSeconds: a running job's lock, renewed at half of it; a worker that died is noticed within about twice it
   * and its job runs again (once: a second death fails it). jobMemoryMb: the heap one import may use.
   */
  queue: { backend: QueueBackend; redisUrl?: string; postgresUrl: string; concurrency: number; sweepIntervalSeconds: number; sweepMinAgeSeconds: number; lockSeconds: number; jobMemoryMb: number };
  log: { level: string; pretty: boolean };
  secrets: { key: Buffer; isDevelopmentKey: boolean };
  snapshots: { retention: number; engineCacheSize: number; importTimeoutMs: number };
  /**
   * Scheduled imports' outbound policy: an address in allowCidrs may always be reached, otherwise one in denyCidrs
   * never is (checked on the resolved address at connect time). Schedules may not run more often than
   * minIntervalSeconds.
   */
  imports: {
    denyCidrs: string[];
    allowCidrs: string[];
    minIntervalSeconds: number;
    /**
     * Imports of the cluster Portolan runs in, as the worker's own service account (no token stored): only for the
     * tenants listed (ids, or `*` for all: a single-tenant install), since the service account's view is the
     * operator's, not a tenant's. `server` is unset outside a pod.
     */
    inCluster: { tenants: string[]; server?: string; tokenFile: string; caFile: string };
  };
  graphql: { maxComplexity: number; maxDepth: number; maxDocumentBytes: number; maxTokens: number; maxAliases: number; maxDirectives: number };
  /** CI webhook: how far X-Portolan-Timestamp may be from the server's clock, either side */
  webhooks: { toleranceSeconds: number };
}

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`Invalid environment: ${issues.join('; ')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: Record<string, string | undefined>): AppConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'} ${i.message}`));
  }
  const e = parsed.data;
  return {
    env: e.NODE_ENV,
    http: { host: e.HOST, port: e.PORT, processes: e.API_PROCESSES, maxBodyBytes: e.MAX_BODY_BYTES, maxUploadBytes: e.MAX_UPLOAD_BYTES },
    database: { url: e.DATABASE_URL, migrationUrl: e.MIGRATION_DATABASE_URL ?? e.DATABASE_URL, connectTimeoutMs: e.DB_CONNECT_TIMEOUT_MS, statementTimeoutMs: e.DB_STATEMENT_TIMEOUT_MS },
    queue: {
      backend: e.REDIS_URL ? 'redis' : 'postgres',
      redisUrl: e.REDIS_URL,
      postgresUrl: e.QUEUE_DATABASE_URL ?? e.MIGRATION_DATABASE_URL ?? e.DATABASE_URL,
      concurrency: e.WORKER_CONCURRENCY,
      sweepIntervalSeconds: e.JOB_SWEEP_INTERVAL_SECONDS,
      sweepMinAgeSeconds: e.JOB_SWEEP_MIN_AGE_SECONDS,
      lockSeconds: e.JOB_LOCK_SECONDS,
      jobMemoryMb: e.JOB_MEMORY_MB,
    },
    log: { level: e.LOG_LEVEL, pretty: e.PRETTY_LOGS },
    secrets: { key: Buffer.from(e.SECRETS_KEY ?? DEV_SECRETS_KEY, 'hex'), isDevelopmentKey: !e.SECRETS_KEY },
    snapshots: { retention: e.SNAPSHOT_RETENTION, engineCacheSize: e.ENGINE_CACHE_SNAPSHOTS, importTimeoutMs: e.IMPORT_HTTP_TIMEOUT_MS },
    imports: {
      denyCidrs: e.IMPORT_DENY_CIDRS,
      allowCidrs: e.IMPORT_ALLOW_CIDRS,
      minIntervalSeconds: e.IMPORT_MIN_INTERVAL_SECONDS,
      inCluster: {
        tenants: e.IMPORT_IN_CLUSTER_TENANTS,
        // an IPv6 service host needs brackets in a URL, as client-go's rest.InClusterConfig writes it
        ...(e.KUBERNETES_SERVICE_HOST ? { server: `https://${e.KUBERNETES_SERVICE_HOST.includes(':') ? `[${e.KUBERNETES_SERVICE_HOST}]` : e.KUBERNETES_SERVICE_HOST}:${e.KUBERNETES_SERVICE_PORT ?? '443'}` } : {}),
        tokenFile: e.IMPORT_IN_CLUSTER_TOKEN_FILE,
        caFile: e.IMPORT_IN_CLUSTER_CA_FILE,
      },
    },
    graphql: {
      maxComplexity: e.GRAPHQL_MAX_COMPLEXITY,
      maxDepth: e.GRAPHQL_MAX_DEPTH,
      maxDocumentBytes: e.GRAPHQL_MAX_DOCUMENT_BYTES,
      maxTokens: e.GRAPHQL_MAX_TOKENS,
      maxAliases: e.GRAPHQL_MAX_ALIASES,
      maxDirectives: e.GRAPHQL_MAX_DIRECTIVES,
    },
    webhooks: { toleranceSeconds: e.WEBHOOK_TOLERANCE_SECONDS },
  };
}

/** Reads process.env exactly once per process. */
let cached: AppConfig | undefined;
export function getConfig(): AppConfig {
  cached ??= loadConfig(process.env);
  return cached;
}

/** Every variable with its default, for the README and .env.example (kept next to the schema so they agree). */
export const CONFIG_VARIABLES: Array<{ name: string; default: string; description: string }> = [
  { name: 'DATABASE_URL', default: '(embedded Postgres by scripts/start.sh)', description: "the application's connection; a role that owns no table, so RLS applies" },
  { name: 'MIGRATION_DATABASE_URL', default: 'DATABASE_URL', description: "the tables' owner, for migrations and tenant provisioning" },
  { name: 'REDIS_URL', default: '(unset: BullMQ on Postgres)', description: 'BullMQ on Redis when set' },
  { name: 'QUEUE_DATABASE_URL', default: 'MIGRATION_DATABASE_URL', description: "BullMQ's Postgres backend connection when REDIS_URL is unset" },
  { name: 'HOST / PORT', default: '127.0.0.1 / 3000', description: 'API listener' },
  { name: 'API_PROCESSES', default: '1', description: 'API processes sharing the port (node:cluster); one per core serves warm questions on every core, each with its own engine cache' },
  { name: 'LOG_LEVEL', default: 'info', description: 'pino level' },
  { name: 'SECRETS_KEY', default: '(development key; required in production)', description: '64 hex chars: AES-256-GCM key for webhook secrets and import tokens at rest' },
  { name: 'WEBHOOK_TOLERANCE_SECONDS', default: '300', description: "CI webhook: a signed X-Portolan-Timestamp older or newer than this is refused (replay window)" },
  { name: 'SNAPSHOT_RETENTION', default: '10', description: 'ready snapshots kept per cluster (failed ones are pruned apart: the newest 5 stay)' },
  { name: 'IMPORT_HTTP_TIMEOUT_MS', default: '15000', description: "scheduled imports: timeout of each request to a cluster's API server (3 attempts on 5xx/network errors)" },
  {
    name: 'IMPORT_DENY_CIDRS',
    default: DEFAULT_IMPORT_DENY_CIDRS,
    description:
      'scheduled imports never connect to these addresses (comma-separated CIDRs, IPv4 and IPv6), checked on the resolved address at connect time and on IP-literal API servers at PUT; private ranges stay allowed, add your own (e.g. the database subnet) as needed',
  },
  { name: 'IMPORT_ALLOW_CIDRS', default: '(none)', description: 'addresses scheduled imports may reach even when IMPORT_DENY_CIDRS matches (e.g. 127.0.0.1/32 for a local test API server)' },
  { name: 'IMPORT_MIN_INTERVAL_SECONDS', default: '300', description: 'shortest gap between two runs an import schedule may have (checked over its next 100 runs); a more frequent one is a 400 on schedule' },
  { name: 'IMPORT_IN_CLUSTER_TENANTS', default: '(none)', description: "tenants (ids, or * for every tenant of a single-tenant install) allowed an in-cluster import source ({inCluster: true}): the worker reads the cluster it runs in as its own service account (KUBERNETES_SERVICE_HOST/PORT, token and CA from IMPORT_IN_CLUSTER_TOKEN_FILE / IMPORT_IN_CLUSTER_CA_FILE, read at every run)" },
  { name: 'WORKER_CONCURRENCY', default: '4', description: 'jobs per queue a worker runs at once' },
  { name: 'JOB_SWEEP_INTERVAL_SECONDS', default: '60', description: 'how often each worker ends open snapshots and analyses whose job is gone or failed (failed, with the reason)' },
  { name: 'JOB_LOCK_SECONDS', default: '30', description: "a running job's lock (renewed at half of it): a worker that died is noticed within about twice this, and its job runs once more; a second death fails the row (WORKER_DIED)" },
  { name: 'JOB_MEMORY_MB', default: '2048', description: 'heap one snapshot import may use (a worker thread with this limit): content that needs more fails alone (MEMORY_LIMIT) and the worker keeps running' },
  { name: 'JOB_SWEEP_MIN_AGE_SECONDS', default: '120', description: 'open rows younger than this are left to their job by the sweep' },
  { name: 'MAX_BODY_BYTES', default: '1048576', description: 'JSON and GraphQL request bodies' },
  { name: 'MAX_UPLOAD_BYTES', default: '536870912', description: 'snapshot uploads (streamed)' },
  { name: 'GRAPHQL_MAX_COMPLEXITY / GRAPHQL_MAX_DEPTH', default: '1000 / 12', description: 'GraphQL query cost and depth limits' },
  { name: 'DB_CONNECT_TIMEOUT_MS', default: '3000', description: 'longest wait for a Postgres connection (new or from the pool) before a request answers 503 with Retry-After' },
  { name: 'DB_STATEMENT_TIMEOUT_MS', default: '0 (none)', description: "Postgres statement_timeout of the application's connections; a statement cancelled by it answers 503" },
  { name: 'GRAPHQL_MAX_DOCUMENT_BYTES / GRAPHQL_MAX_TOKENS', default: '16384 / 2000', description: 'GraphQL document size, checked before parsing, and lexical tokens, checked while parsing' },
  { name: 'GRAPHQL_MAX_ALIASES / GRAPHQL_MAX_DIRECTIVES', default: '30 / 20', description: 'GraphQL aliases and directives per operation (fragments counted where spread)' },
];
