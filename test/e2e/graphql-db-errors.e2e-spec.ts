import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { freePort, root } from './support/apps';
import { adminKeyOn, OwnServices, waitReady } from './support/services';

// Issue 9: raw database error text leaked from GraphQL field resolvers and was not logged. A real fault of that
// kind: the application role loses its grant on a table only a field resolver reads. Own Postgres (the grant is
// taken away) and an API process whose log this spec reads.
jest.setTimeout(90_000);

const services = new OwnServices();
let api: ChildProcess | undefined;
let log = '';
let base = '';
let key = '';

beforeAll(async () => {
  await services.up();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  api = spawn(process.execPath, [path.join(root, 'dist/apps/api/main.js')], { cwd: root, env: { ...process.env, ...services.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'error' }, stdio: ['ignore', 'pipe', 'inherit'] });
  api.stdout?.on('data', (c: Buffer) => (log += c.toString('utf8')));
  await waitReady(base);
  key = await adminKeyOn(services.env['MIGRATION_DATABASE_URL'] as string, 'db-errors');
});

afterAll(() => {
  if (api?.exitCode === null) api.kill('SIGKILL');
  services.down();
});

async function asOwner(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: services.env['MIGRATION_DATABASE_URL'] });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

describe('a database error inside a GraphQL field resolver', () => {
  it('answers a generic INTERNAL error at that path, never the database text, and logs it under the request id', async () => {
    const gql = async (query: string, variables?: unknown) => {
      const r = await fetch(`${base}/graphql`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
      return { status: r.status, requestId: r.headers.get('x-request-id'), body: (await r.json()) as any };
    };
    const created = await gql('mutation { createCluster(input: {name: "grants"}) { cluster { id } } }');
    const id = created.body.data.createCluster.cluster.id as string;
    const query = 'query($id: ID!) { cluster(id: $id) { id name snapshots { edges { node { id } } } } }';
    expect((await gql(query, { id })).body.errors).toBeUndefined();

    await asOwner('REVOKE SELECT ON "snapshots" FROM portolan_app');
    try {
      const r = await gql(query, { id });
      // Cluster.snapshots is non-null, so the null propagates to the root; the error names the failing field's path
      expect(r.status).toBe(200);
      expect(r.body.data).toBeNull();
      expect(r.body.errors).toHaveLength(1);
      expect(r.body.errors[0]).toMatchObject({ message: 'internal error', extensions: { code: 'INTERNAL' }, path: ['cluster', 'snapshots'] });
      expect(JSON.stringify(r.body)).not.toMatch(/permission denied|42501|relation/i);
      // the operator sees what happened, under the request id the client was given
      for (const until = Date.now() + 5000; !log.includes('permission denied') && Date.now() < until; ) await new Promise((res) => setTimeout(res, 100));
      const line = log.split('\n').find((l) => l.includes('permission denied'));
      expect(line).toBeDefined();
      expect(r.requestId).toMatch(/\S/);
      expect(line).toContain(r.requestId as string);
    } finally {
      await asOwner('GRANT SELECT ON "snapshots" TO portolan_app');
    }
  });
});
