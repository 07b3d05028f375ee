import { ConfigError, loadConfig } from './config';

const base = { DATABASE_URL: 'postgresql://app:pw@127.0.0.1:5432/portolan' };

describe('loadConfig', () => {
  it('uses BullMQ on Postgres when REDIS_URL is unset, on the owner connection when given', () => {
    const c = loadConfig({ ...base, MIGRATION_DATABASE_URL: 'postgresql://owner@127.0.0.1:5432/portolan' });
    expect(c.queue).toMatchObject({ backend: 'postgres', postgresUrl: 'postgresql://owner@127.0.0.1:5432/portolan' });
    expect(c.database.migrationUrl).toBe('postgresql://owner@127.0.0.1:5432/portolan');
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
});
