import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort, root, spawnApp } from './support/apps';
import { adminKeyOn, OwnServices, waitReady } from './support/services';

// Issue 9's resilience suite, worker half: a worker killed twice in the middle of the same import, and an upload
// that needs more memory than a job may have. Own Postgres, Redis, API and workers, so killing them touches no
// other suite.
jest.setTimeout(150_000);

const JOB_MEMORY_MB = 128;
const services = new OwnServices();
let api: ChildProcess | undefined;
const workers: ChildProcess[] = [];
let base = '';
let key = '';
let clusterId = '';
let env: Record<string, string> = {};

async function call(method: string, p: string, body?: string, contentType = 'application/json'): Promise<{ status: number; body: any }> {
  const r = await fetch(`${base}${p}`, { method, headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': contentType } : {}) }, body, signal: AbortSignal.timeout(30_000) });
  const text = await r.text();
  try {
    return { status: r.status, body: JSON.parse(text) };
  } catch {
    return { status: r.status, body: text };
  }
}

/** A worker whose log lines are watched: `reading` resolves when it starts reading an upload (the job is active). */
function startWorker(): { proc: ChildProcess; reading: Promise<void> } {
  const proc = spawn(process.execPath, [path.join(root, 'dist/apps/worker/main.js')], { cwd: root, env: { ...process.env, ...env, LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'inherit'] });
  workers.push(proc);
  let seen = '';
  const reading = new Promise<void>((resolve) => {
    proc.stdout?.on('data', (chunk: Buffer) => {
      seen = (seen + chunk.toString('utf8')).slice(-4096);
      if (seen.includes('"msg":"snapshot upload read"')) resolve();
    });
  });
  return { proc, reading };
}

const kill9 = (p: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (p.exitCode !== null || p.signalCode !== null) return resolve();
    p.once('exit', () => resolve());
    p.kill('SIGKILL');
  });

async function waitEnded(id: string, timeoutMs: number): Promise<any> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const s = await call('GET', `/v1/snapshots/${id}`);
    if (s.body?.status === 'ready' || s.body?.status === 'failed') return s.body;
    if (Date.now() > until) throw new Error(`snapshot ${id} still ${s.body?.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** kubectl get pods -o json, shaped: a List of `n` pods on one node, about 470 bytes a pod. */
function podList(n: number, tag: string): string {
  const items: unknown[] = [{ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-a' }, status: { allocatable: { pods: '110', cpu: '4', memory: '8Gi' }, addresses: [{ type: 'InternalIP', address: '10.0.0.1' }] } }];
  for (let i = 0; i < n; i++) {
    items.push({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `${tag}-${i}`, namespace: 'default', labels: { app: tag } }, spec: { nodeName: 'node-a', containers: [{ name: 'c', image: 'nginx:1.27', ports: [{ containerPort: 80 }] }] }, status: { phase: 'Running', podIP: `10.244.${(i >> 8) & 255}.${i & 255}` } });
  }
  return JSON.stringify({ apiVersion: 'v1', kind: 'List', items }, null, 2);
}

beforeAll(async () => {
  await services.up();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  env = {
    ...services.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'fatal',
    MAX_UPLOAD_BYTES: String(64 * 1024 * 1024),
    WORKER_CONCURRENCY: '1',
    // a dead worker's job is noticed within ~4 s rather than ~60 s
    JOB_LOCK_SECONDS: '2',
    JOB_SWEEP_INTERVAL_SECONDS: '1',
    JOB_SWEEP_MIN_AGE_SECONDS: '3',
    JOB_MEMORY_MB: String(JOB_MEMORY_MB),
  };
  api = spawnApp('api', env);
  await waitReady(base);
  key = await adminKeyOn(services.env['MIGRATION_DATABASE_URL'] as string, 'worker-deaths');
  clusterId = (await call('POST', '/v1/clusters', JSON.stringify({ name: 'worker-deaths' }))).body.cluster.id;
});

afterAll(async () => {
  await Promise.all([...workers, ...(api ? [api] : [])].map(kill9));
  services.down();
});

describe('a worker that dies, and content too large for a job', () => {
  it('ends an import whose worker was killed twice mid-job as failed (WORKER_DIED), and a re-upload imports it', async () => {
    const content = podList(20_000, 'killed');
    const first = startWorker();
    const up = await call('POST', `/v1/clusters/${clusterId}/snapshots`, content);
    expect(up.status).toBe(202);
    const t0 = Date.now();
    await first.reading;
    await kill9(first.proc);
    // the next worker takes the stalled job again (its lock expired) and dies in it too
    const second = startWorker();
    await second.reading;
    await kill9(second.proc);
    const killedAt = Date.now();
    startWorker();
    const ended = await waitEnded(up.body.id, 60_000);
    process.stdout.write(`worker killed twice: row ended ${ended.status} (${ended.error?.code}) ${Date.now() - killedAt} ms after the second kill, ${Date.now() - t0} ms after the upload\n`);
    expect(ended.status).toBe('failed');
    expect(ended.error).toMatchObject({ code: 'WORKER_DIED' });
    expect(ended.error.message).toMatch(/stopped repeatedly/);

    // the same content again is a new attempt, not the failed row answered as a duplicate; the live worker imports it
    const again = await call('POST', `/v1/clusters/${clusterId}/snapshots`, content);
    expect(again.status).toBe(202);
    expect(again.body.duplicate).toBe(false);
    expect(again.body.id).not.toBe(up.body.id);
    const ready = await waitEnded(again.body.id, 60_000);
    expect(ready.status).toBe('ready');
    expect(ready.counts).toMatchObject({ nodes: 1, pods: 20_000 });
  });

  it(`fails an upload that needs more than JOB_MEMORY_MB (${JOB_MEMORY_MB}) alone, and the same worker goes on`, async () => {
    // YAML is parsed into documents that keep every node's position (for line numbers): about 150 times its size
    const pods = Array.from({ length: 20_000 }, (_, i) => `- apiVersion: v1\n  kind: Pod\n  metadata: {name: big-${i}, namespace: default}\n  spec: {nodeName: node-a, containers: [{name: c, image: nginx}]}`).join('\n');
    const big = await call('POST', `/v1/clusters/${clusterId}/snapshots`, `apiVersion: v1\nkind: List\nitems:\n${pods}\n`, 'application/yaml');
    expect(big.status).toBe(202);
    const small = await call('POST', `/v1/clusters/${clusterId}/snapshots`, podList(3, 'small'));
    const failed = await waitEnded(big.body.id, 60_000);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatchObject({ code: 'MEMORY_LIMIT', message: expect.stringContaining(`${JOB_MEMORY_MB} MiB`) });
    expect((await waitEnded(small.body.id, 30_000)).status).toBe('ready');
    const alive = workers.filter((w) => w.exitCode === null && w.signalCode === null);
    expect(alive).toHaveLength(1);
  });
});
