import type { ChildProcess } from 'node:child_process';
import { TenantProvisioner } from '@portolan/persistence';
import { freePort, spawnApp } from './support/apps';
import { OwnServices } from './support/services';

jest.setTimeout(120_000);

const services = new OwnServices();
let procs: ChildProcess[] = [];
let base = '';
let key = '';
let clusterId = '';
const accepted: string[] = [];

interface Answer {
  status: number;
  ms: number;
  retryAfter: string | null;
  body: any;
}

async function call(method: string, p: string, body?: string, contentType = 'application/yaml'): Promise<Answer> {
  const t = Date.now();
  try {
    const r = await fetch(`${base}${p}`, { method, headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': contentType } : {}) }, body, signal: AbortSignal.timeout(20_000) });
    const text = await r.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: r.status, ms: Date.now() - t, retryAfter: r.headers.get('retry-after'), body: parsed };
  } catch (e) {
    return { status: 0, ms: Date.now() - t, retryAfter: null, body: String(e) };
  }
}

let n = 0;
const upload = async (): Promise<Answer> => {
  const a = await call('POST', `/v1/clusters/${clusterId}/snapshots`, `apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Node\n  metadata: {name: node-${n++}}\n  status: {allocatable: {pods: "110"}}\n`);
  if (a.status === 202) accepted.push(a.body.id);
  return a;
};

/** Light load (about four requests a second: an upload and a read) for `ms`, every answer kept. */
async function load(ms: number): Promise<Answer[]> {
  const out: Answer[] = [];
  for (const until = Date.now() + ms; Date.now() < until; ) {
    out.push(...(await Promise.all([upload(), call('GET', `/v1/clusters/${clusterId}`)])));
    await new Promise((r) => setTimeout(r, 500));
  }
  return out;
}

/** Milliseconds from now until /readyz answers 200. */
async function untilReady(limitMs = 30_000): Promise<number> {
  const t = Date.now();
  while (Date.now() - t < limitMs) {
    if ((await call('GET', '/readyz')).status === 200) return Date.now() - t;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`not ready after ${limitMs} ms`);
}

/** Every answer came within 5 s, and the only 5xx is a 503 with Retry-After (the failures are listed when not). */
const expectFastUnavailable = (answers: Answer[]) => {
  const bad = answers.filter((a) => a.status === 0 || a.ms >= 5000 || (a.status >= 500 && a.status !== 503) || (a.status === 503 && !/^\d+$/.test(a.retryAfter ?? '')));
  expect(bad).toEqual([]);
};

beforeAll(async () => {
  await services.up();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const env = { ...services.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'fatal' };
  procs = (['api', 'worker'] as const).map((app) => spawnApp(app, env));
  await untilReady(60_000);
  const p = new TenantProvisioner(services.env['MIGRATION_DATABASE_URL'] as string);
  try {
    key = await p.createApiKey(await p.createTenant('outages'), 'e2e', 'admin');
  } finally {
    await p.close();
  }
  const c = await call('POST', '/v1/clusters', JSON.stringify({ name: 'outages' }), 'application/json');
  clusterId = c.body.cluster.id;
});

afterAll(async () => {
  for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
  services.down();
});

describe('outages of Redis and Postgres under light load', () => {
  it('answers fast 503s with Retry-After while Redis is down, and recovers without a restart', async () => {
    expect((await load(1000)).every((a) => a.status < 300)).toBe(true);
    services.stopRedis();
    const during = await load(4000);
    expectFastUnavailable(during);
    expect(during.filter((a) => a.status === 503).length).toBeGreaterThan(0);
    expect(Math.max(...during.map((a) => a.ms))).toBeLessThan(5000);
    services.startRedis();
    const readyMs = await untilReady();
    process.stdout.write(`redis: slowest answer during the outage ${Math.max(...during.map((a) => a.ms))} ms, ready again ${readyMs} ms after restart\n`);
    expect(readyMs).toBeLessThan(5000);
    expect((await upload()).status).toBe(202);
  });

  it('answers fast 503s with Retry-After while Postgres is down, and recovers without a restart', async () => {
    expect((await load(1000)).every((a) => a.status < 300)).toBe(true);
    services.stopPostgres();
    const during = await load(4000);
    expectFastUnavailable(during);
    expect(during.filter((a) => a.status === 503).length).toBeGreaterThan(0);
    services.startPostgres();
    const readyMs = await untilReady();
    process.stdout.write(`postgres: slowest answer during the outage ${Math.max(...during.map((a) => a.ms))} ms, ready again ${readyMs} ms after restart\n`);
    expect(readyMs).toBeLessThan(5000);
    expect((await upload()).status).toBe(202);
  });

  it('ends every accepted upload ready or failed after recovery', async () => {
    expect(accepted.length).toBeGreaterThan(4);
    const until = Date.now() + 30_000;
    const open = new Set(accepted);
    while (open.size && Date.now() < until) {
      for (const id of [...open]) {
        const s = await call('GET', `/v1/snapshots/${id}`);
        if (s.body?.status === 'ready' || s.body?.status === 'failed') open.delete(id);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    expect([...open]).toEqual([]);
  });
});
