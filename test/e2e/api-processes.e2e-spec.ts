import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, spawnApp } from './support/apps';
import { closeProvisioner, newTenant } from './support/client';

afterAll(closeProvisioner);

const childrenOf = (pid: number): number[] => {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
};
/** Running (a zombie waiting for its reaper counts as gone). */
const alive = (pid: number): boolean => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
};

/** API_PROCESSES=2 on a free port: the primary, once /readyz answers and both API processes run. */
async function startApiProcesses(env: Record<string, string> = {}): Promise<{ primary: ChildProcess; base: string }> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const primary = spawnApp('api', { PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', API_PROCESSES: '2', ...env });
  const until = Date.now() + 60_000;
  for (;;) {
    if (primary.exitCode !== null) throw new Error(`the API primary exited during start (code ${primary.exitCode})`);
    try {
      if ((await fetch(`${base}/readyz`)).ok && childrenOf(primary.pid!).length === 2) return { primary, base };
    } catch {
      // not yet listening
    }
    if (Date.now() > until) throw new Error('the API processes did not become ready in 60 s');
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A primary and two API processes on one port, as a 2-core host runs it. */
describe('the API as several processes (API_PROCESSES)', () => {
  let primary: ChildProcess;
  let base: string;

  beforeAll(async () => {
    ({ primary, base } = await startApiProcesses());
  });

  afterAll(() => {
    if (primary.exitCode === null) primary.kill('SIGKILL');
  });

  it('leaves no API process behind when the primary is killed outright', async () => {
    const { primary: other } = await startApiProcesses();
    const workers = childrenOf(other.pid!);
    other.kill('SIGKILL');
    const gone = Date.now() + 20_000;
    while (workers.some(alive) && Date.now() < gone) await new Promise((r) => setTimeout(r, 200));
    expect(workers.filter(alive)).toEqual([]);
  });

  it('serves from both processes, and /metrics counts the requests of both', async () => {
    const t = await newTenant();
    // a new connection per request: node:cluster hands connections round-robin to the processes
    for (let i = 0; i < 40; i++) {
      const r = await fetch(`${base}/v1/clusters`, { headers: { authorization: `Bearer ${t.key}`, connection: 'close' } });
      expect(r.status).toBe(200);
    }
    const text = await (await fetch(`${base}/metrics`, { headers: { connection: 'close' } })).text();
    const m = /portolan_http_request_duration_seconds_count\{[^}]*route="\/v1\/clusters"[^}]*status="200"[^}]*\} (\d+)/.exec(text);
    // one process alone saw about half of them
    expect(Number(m?.[1])).toBeGreaterThanOrEqual(40);
  });

  it('refuses a revoked key in every process at once, not after the key cache expires', async () => {
    const admin = await newTenant();
    const ask = (key: string) => fetch(`${base}/v1/clusters`, { headers: { authorization: `Bearer ${key}`, connection: 'close' } }).then((r) => r.status);
    const created = await fetch(`${base}/v1/api-keys`, { method: 'POST', headers: { authorization: `Bearer ${admin.key}`, 'content-type': 'application/json', connection: 'close' }, body: JSON.stringify({ name: 'ci', role: 'reader' }) });
    expect(created.status).toBe(201);
    const { key, apiKey } = (await created.json()) as { key: string; apiKey: { id: string } };
    for (let i = 0; i < 10; i++) expect(await ask(key)).toBe(200); // both processes now hold it in their 5 s cache
    const revoked = await fetch(`${base}/v1/api-keys/${apiKey.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${admin.key}`, connection: 'close' } });
    expect(revoked.status).toBe(200);
    // NOTIFY reaches the other process within milliseconds; well under the cache's 5 s
    const until = Date.now() + 1000;
    let statuses: number[] = [];
    do statuses = await Promise.all(Array.from({ length: 10 }, () => ask(key)));
    while (statuses.some((s) => s !== 401) && Date.now() < until);
    expect(statuses).toEqual(Array(10).fill(401));
  });

  describe('a process whose event loop is blocked (a request that never yields)', () => {
    // Test instrumentation only, preloaded into the API processes: SIGUSR2 blocks the main thread for a minute, as a
    // runaway request would. Such a process never runs its own SIGTERM or 'disconnect' handlers.
    const dir = mkdtempSync(path.join(tmpdir(), 'portolan-block-'));
    const preload = path.join(dir, 'block-on-usr2.js');
    // the marker file says the handler is installed: a SIGUSR2 before that would kill the process (default action)
    writeFileSync(preload, `process.on('SIGUSR2', () => { const end = Date.now() + 60000; while (Date.now() < end); });\nrequire('fs').writeFileSync(${JSON.stringify(dir)} + '/armed-' + process.pid, '');\n`);
    const block = async (pid: number) => {
      for (const until = Date.now() + 30_000; !existsSync(path.join(dir, `armed-${pid}`)); ) {
        if (Date.now() > until) throw new Error(`API process ${pid} never loaded the blocking preload`);
        await new Promise((r) => setTimeout(r, 100));
      }
      process.kill(pid, 'SIGUSR2');
    };
    const blocking = { NODE_OPTIONS: `${process.env['NODE_OPTIONS'] ?? ''} --require ${preload}`.trim() };
    const waitGone = async (pids: number[], ms: number) => {
      for (const until = Date.now() + ms; pids.some(alive) && Date.now() < until; ) await new Promise((r) => setTimeout(r, 200));
      return pids.filter(alive);
    };

    it('is killed by its primary when it does not drain within 15 s of SIGTERM (exit 1)', async () => {
      const { primary: other } = await startApiProcesses(blocking);
      const workers = childrenOf(other.pid!);
      await block(workers[0]!);
      const t0 = Date.now();
      const exit = new Promise<{ code: number | null }>((resolve) => other.once('exit', (code) => resolve({ code })));
      other.kill('SIGTERM');
      expect(await exit).toEqual({ code: 1 });
      const ms = Date.now() - t0;
      expect(await waitGone(workers, 2000)).toEqual([]);
      process.stdout.write(`blocked API process under SIGTERM: killed, primary exited after ${ms} ms\n`);
      expect(ms).toBeGreaterThanOrEqual(14_000);
      expect(ms).toBeLessThan(25_000);
    }, 60_000);

    it('kills itself when its primary is gone and it cannot exit within 15 s', async () => {
      const { primary: other } = await startApiProcesses(blocking);
      const workers = childrenOf(other.pid!);
      await block(workers[0]!);
      await new Promise((r) => setTimeout(r, 300));
      const t0 = Date.now();
      other.kill('SIGKILL');
      expect(await waitGone(workers, 25_000)).toEqual([]);
      process.stdout.write(`orphaned blocked API process: gone ${Date.now() - t0} ms after its primary\n`);
    }, 60_000);
  });

  it('replaces a process that dies, then drains both and exits 0 on SIGTERM', async () => {
    const [victim] = childrenOf(primary.pid!);
    process.kill(victim!, 'SIGKILL');
    const until = Date.now() + 30_000;
    while (!(childrenOf(primary.pid!).length === 2 && !childrenOf(primary.pid!).includes(victim!))) {
      if (Date.now() > until) throw new Error('no replacement API process within 30 s');
      await new Promise((r) => setTimeout(r, 200));
    }
    expect((await fetch(`${base}/healthz`, { headers: { connection: 'close' } })).status).toBe(200);

    const workers = childrenOf(primary.pid!);
    const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => primary.once('exit', (code, signal) => resolve({ code, signal })));
    primary.kill('SIGTERM');
    expect(await exit).toEqual({ code: 0, signal: null });
    expect(workers.filter(alive)).toEqual([]);
  });
});
