import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, root } from './support/apps';

/**
 * `npm start` as a user runs it (embedded Postgres, its own state folder and ports), then SIGTERM to npm: every
 * process it started is gone, the ports are free, and nothing printed a stack trace.
 */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const d of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(d)]);
    } catch {
      // exited meanwhile
    }
  }
  const out: number[] = [];
  const walk = (p: number) => (children.get(p) ?? []).forEach((c) => (out.push(c), walk(c)));
  walk(pid);
  return out;
}
const alive = (pid: number) => existsSync(`/proc/${pid}`) && !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port }, () => (s.destroy(), resolve(true)));
    s.on('error', () => resolve(false));
  });
const STACK = /^\s+at .+\(.*:\d+:\d+\)$|Unhandled 'error' event|UnhandledPromiseRejection/m;

describe('npm start stops everything on SIGTERM', () => {
  it('leaves no process, no port and no stack trace behind', async () => {
    const state = mkdtempSync(path.join(tmpdir(), 'portolan-stop-'));
    chmodSync(state, 0o755); // Postgres runs as the postgres user when this runs as root: it must reach its data dir
    const port = await freePort();
    const pgPort = await freePort();
    const env: Record<string, string | undefined> = { ...process.env, PORT: String(port), PORTOLAN_PG_PORT: String(pgPort), PORTOLAN_STATE_DIR: state, PORTOLAN_SKIP_DEMO: '1' };
    for (const v of ['DATABASE_URL', 'MIGRATION_DATABASE_URL', 'REDIS_URL', 'QUEUE_DATABASE_URL']) delete env[v];
    const npm = spawn('npm', ['start'], { cwd: root, env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    npm.stdout.on('data', (d) => (out += d));
    npm.stderr.on('data', (d) => (err += d));
    const until = Date.now() + 150_000;
    while (!out.includes('Portolan is up')) {
      if (npm.exitCode !== null || Date.now() > until) throw new Error(`npm start did not come up:\n${out}\n${err}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const started = descendants(npm.pid!);
    expect(started.length).toBeGreaterThanOrEqual(4); // sh, the start command, API, worker, Postgres (+ its workers)
    expect(await listening(port)).toBe(true);
    expect(await listening(pgPort)).toBe(true);

    npm.kill('SIGTERM');
    const gone = Date.now() + 30_000;
    while (started.some(alive) && Date.now() < gone) await new Promise((r) => setTimeout(r, 200));
    expect(started.filter(alive)).toEqual([]);
    expect(await listening(port)).toBe(false);
    expect(await listening(pgPort)).toBe(false);
    const logs = readdirSync(path.join(state, 'logs')).map((f) => readFileSync(path.join(state, 'logs', f), 'utf8')).join('\n');
    expect({ err: STACK.test(err) ? err : '', logs: STACK.test(logs) ? logs.slice(-3000) : '' }).toEqual({ err: '', logs: '' });
  }, 240_000);
});
