import { CONFIG_VARIABLES, ConfigError, DEFAULT_IMPORT_DENY_CIDRS, loadConfig } from './config';

const base = { DATABASE_URL: 'postgresql://app:pw@127.0.0.1:5432/portolan' };

describe('loadConfig', () => {
  it('uses BullMQ on Postgres when REDIS_URL is unset, on the owner connection when given', () => {
    const c = loadConfig({ ...base, MIGRATION_DATABASE_URL: 'postgresql://owner@127.0.0.1:5432/portolan' });
    expect(c.queue).toMatchObject({ backend: 'postgres', postgresUrl: 'postgresql://owner@127.0.0.1:5432/portolan' });
    expect(c.database.migrationUrl).toBe('postgresql://owner@127.0.0.1:5432/portolan');
  });

  it('bounds GraphQL documents and Postgres waits by default, and refuses limits below their floors', () => {
    const c = loadConfig(base);
    expect(c.graphql).toEqual({ maxComplexity: 1000, maxDepth: 12, maxDocumentBytes: 16384, maxTokens: 2000, maxAliases: 30, maxDirectives: 20 });
    expect(c.database).toMatchObject({ connectTimeoutMs: 3000, statementTimeoutMs: 0 });
    expect(loadConfig({ ...base, DB_STATEMENT_TIMEOUT_MS: '30000', GRAPHQL_MAX_ALIASES: '5' })).toMatchObject({ database: { statementTimeoutMs: 30000 }, graphql: { maxAliases: 5 } });
    expect(() => loadConfig({ ...base, GRAPHQL_MAX_DOCUMENT_BYTES: '10' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, DB_CONNECT_TIMEOUT_MS: '0' })).toThrow(ConfigError);
  });

  it('uses Redis when REDIS_URL is set', () => {
    expect(loadConfig({ ...base, REDIS_URL: 'redis://127.0.0.1:6390' }).queue.backend).toBe('redis');
  });

  it('names every bad variable at once', () => {
    let err: unknown;
    try {
      loadConfig({ DATABASE_URL: 'mysql://x', PORT: 'eighty', SECRETS_KEY: 'short' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const issues = (err as ConfigError).issues.join('\n');
    expect(issues).toMatch(/DATABASE_URL must be a postgresql:\/\/ URL/);
    expect(issues).toMatch(/PORT/);
    expect(issues).toMatch(/SECRETS_KEY must be 64 hex characters/);
  });

  it('refuses to run in production on the development secrets key', () => {
    expect(() => loadConfig({ ...base, NODE_ENV: 'production' })).toThrow(/SECRETS_KEY is required in production/);
  });

  it('decodes the secrets key to 32 bytes', () => {
    const c = loadConfig({ ...base, SECRETS_KEY: 'ab'.repeat(32) });
    expect(c.secrets.key).toHaveLength(32);
    expect(c.secrets.isDevelopmentKey).toBe(false);
  });

  describe('scheduled-import policy', () => {
    it('denies this host, loopback, link-local and the IPv6 metadata address by default, and allows nothing extra', () => {
      const c = loadConfig(base);
      expect(c.imports).toEqual({
        denyCidrs: ['0.0.0.0/8', '127.0.0.0/8', '169.254.0.0/16', '::/128', '::1/128', 'fe80::/10', 'fd00:ec2::254/128'],
        allowCidrs: [],
        minIntervalSeconds: 300,
        // no in-cluster imports unless the operator names tenants; outside a pod there is no server
        inCluster: { tenants: [], tokenFile: '/var/run/secrets/kubernetes.io/serviceaccount/token', caFile: '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt' },
      });
      expect(c.imports.denyCidrs.join(',')).toBe(DEFAULT_IMPORT_DENY_CIDRS);
      // private ranges stay reachable: clusters' API servers live there
      expect(c.imports.denyCidrs).not.toEqual(expect.arrayContaining(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7']));
      expect(c.snapshots.importTimeoutMs).toBe(15000);
    });

    it('reads comma-separated IPv4 and IPv6 CIDRs, tolerating spaces; empty means none', () => {
      const c = loadConfig({ ...base, IMPORT_DENY_CIDRS: ' 10.0.0.0/8 , fd00::/8,', IMPORT_ALLOW_CIDRS: '127.0.0.1/32', IMPORT_MIN_INTERVAL_SECONDS: '1' });
      expect(c.imports).toEqual({ denyCidrs: ['10.0.0.0/8', 'fd00::/8'], allowCidrs: ['127.0.0.1/32'], minIntervalSeconds: 1, inCluster: { tenants: [], tokenFile: '/var/run/secrets/kubernetes.io/serviceaccount/token', caFile: '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt' } });
      expect(loadConfig({ ...base, IMPORT_DENY_CIDRS: '' }).imports.denyCidrs).toEqual([]);
    });

    it("finds the pod's own API server as client-go does, IPv6 in brackets, and the tenants allowed to read it", () => {
      expect(loadConfig({ ...base, KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443', IMPORT_IN_CLUSTER_TENANTS: ' t-1, t-2 ' }).imports.inCluster).toMatchObject({ server: 'https://10.96.0.1:443', tenants: ['t-1', 't-2'] });
      expect(loadConfig({ ...base, KUBERNETES_SERVICE_HOST: 'fd00:10:96::1', KUBERNETES_SERVICE_PORT: '6443' }).imports.inCluster.server).toBe('https://[fd00:10:96::1]:6443');
    });

    it.each([
      ['IMPORT_DENY_CIDRS', '10.0.0.0/33'],
      ['IMPORT_DENY_CIDRS', '127.0.0.1'],
      ['IMPORT_DENY_CIDRS', '300.0.0.0/8'],
      ['IMPORT_ALLOW_CIDRS', 'fe80::/129'],
      ['IMPORT_ALLOW_CIDRS', 'localhost/8'],
      ['IMPORT_ALLOW_CIDRS', '10.0.0.0/8/1'],
    ])('names the variable and the bad CIDR: %s=%s', (name, value) => {
      expect(() => loadConfig({ ...base, [name]: value })).toThrow(`${name} ${JSON.stringify(value)} is not a CIDR`);
    });

    it('refuses a minimum interval below one second', () => {
      expect(() => loadConfig({ ...base, IMPORT_MIN_INTERVAL_SECONDS: '0' })).toThrow(/IMPORT_MIN_INTERVAL_SECONDS/);
    });

    it('documents the new variables', () => {
      expect(CONFIG_VARIABLES.map((v) => v.name)).toEqual(expect.arrayContaining(['IMPORT_DENY_CIDRS', 'IMPORT_ALLOW_CIDRS', 'IMPORT_MIN_INTERVAL_SECONDS']));
    });
  });
});
