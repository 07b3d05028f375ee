/**
 * A throwaway Portolan stack for service benchmarks: its own Postgres 15 + Redis (scripts/services.sh on free
 * loopback ports, data under a temp dir), migrations, and the built API and worker as two processes. stop() ends
 * the processes it started (by their handles), then the services, and removes the data; it also runs on exit and
 * on SIGINT/SIGTERM so an interrupted bench leaves nothing behind.
 *
 *   const stack = await startStack({ log: console.log });
 *   try { ... fetch(`${stack.baseUrl}/v1/...`) ... } finally { await stack.stop(); }
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TenantProvisioner } from '@portolan/persistence';

export const root = path.resolve(__dirname, '../..');

export interface StackOptions {
  /** build api and worker first (NX_DAEMON=false); default: only when dist/ lacks them */
  build?: boolean | 'if-missing';
  /** extra environment for the API and worker (e.g. WORKER_CONCURRENCY) */
  env?: Record<string, string>;
  log?: (line: string) => void;
  /** ms to wait for /readyz */
  readyTimeoutMs?: number;
}

export interface Stack {
  baseUrl: string;
  /** the environment the apps run with (DATABASE_URL, MIGRATION_DATABASE_URL, REDIS_URL, ...) */
  env: Record<string, string>;
  /** a fresh tenant and an API key of the given role, provisioned as the tables' owner */
  newTenant(role?: 'admin' | 'writer' | 'reader'): Promise<{ tenantId: string; key: string }>;
  /** pids of the API and worker */
  pids: { api: number; worker: number };
  /**
   * CPU time (user + system, ms) used so far by the API, the worker, Postgres (postmaster and its live backends)
   * and Redis, from /proc: differences between two samples give CPU per operation, which, unlike wall-clock
   * figures, does not depend on what else the machine is running.
   */
  cpu(): CpuSample;
  stop(): Promise<void>;
}

export type CpuSample = Record<'api' | 'worker' | 'postgres' | 'redis', number>;

/** BENCH_APP_LOGS=1: the apps' stdout (their logs) on the bench's */
/** BENCH_PROFILE=api|worker|api,worker: write V8 CPU profiles of that app to BENCH_PROFILE_DIR (default /tmp) */
function profileArgs(app: string): string[] {
  const wanted = (process.env['BENCH_PROFILE'] ?? '').split(',');
  return wanted.includes(app) ? ['--cpu-prof', `--cpu-prof-dir=${process.env['BENCH_PROFILE_DIR'] ?? tmpdir()}`, `--cpu-prof-name=${app}.cpuprofile`] : [];
}

const TICK_MS = 10; // USER_HZ is 100 on Linux

/**
 * utime + stime of one process in ms, the same of its children it has reaped (cutime + cstime), and its parent pid;
 * null when it is gone or /proc is absent.
 */
function procCpu(pid: number): { ms: number; reaped: number; ppid: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from 3 (state) on
    return { ms: (Number(f[11]) + Number(f[12])) * TICK_MS, reaped: (Number(f[13]) + Number(f[14])) * TICK_MS, ppid: Number(f[1]) };
  } catch {
    return null;
  }
}

/** A process and its children, live or exited (Postgres backends come and go with the apps' pools). */
function treeCpu(rootPid: number): number {
  const root = procCpu(rootPid);
  let total = root ? root.ms + root.reaped : 0;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const p = procCpu(Number(d));
    if (p && p.ppid === rootPid) total += p.ms;
  }
  return total;
}

export function diffCpu(a: CpuSample, b: CpuSample): CpuSample {
  return { api: b.api - a.api, worker: b.worker - a.worker, postgres: b.postgres - a.postgres, redis: b.redis - a.redis };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

function parseEnvFile(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^export ([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) out[m[1] as string] = (m[2] as string).replace(/^['"]|['"]$/g, '');
  }
  return out;
}

async function waitReady(url: string, timeoutMs: number, procs: ChildProcess[]): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const dead = procs.find((p) => p.exitCode !== null || p.signalCode !== null);
    if (dead) throw new Error(`an app process exited during start (${dead.signalCode ?? dead.exitCode})`);
    try {
      if ((await fetch(`${url}/readyz`)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > until) throw new Error(`the API did not become ready within ${timeoutMs / 1000}s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function stopChild(c: ChildProcess, graceMs = 10_000): Promise<void> {
  return new Promise((resolve) => {
    if (c.exitCode !== null || c.signalCode !== null) return resolve();
    const t = setTimeout(() => c.kill('SIGKILL'), graceMs);
    c.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    c.kill('SIGTERM');
  });
}

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const log = opts.log ?? (() => undefined);
  const state = mkdtempSync(path.join(tmpdir(), 'portolan-bench-'));
  const [pgPort, redisPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  const servicesEnv = { ...process.env, SERVICES_STATE: state, PG_PORT: String(pgPort), REDIS_PORT: String(redisPort) };
  const children: ChildProcess[] = [];
  let provisioner: TenantProvisioner | undefined;
  let servicesUp = false;
  let stopped = false;

  const stopSync = (): void => {
    // process 'exit' handlers cannot wait: signal our children, stop the services synchronously
    if (stopped) return;
    stopped = true;
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    if (servicesUp) spawnSync('bash', ['scripts/services.sh', 'down'], { cwd: root, env: servicesEnv, stdio: 'ignore' });
    rmSync(state, { recursive: true, force: true });
  };
  const onSignal = (sig: NodeJS.Signals) => {
    stopSync();
    process.exit(sig === 'SIGINT' ? 130 : 143);
  };
  process.once('exit', stopSync);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const stop = async (): Promise<void> => {
    if (stopped) return;
    await provisioner?.close().catch(() => undefined);
    await Promise.all(children.map((c) => stopChild(c)));
    stopped = true;
    if (servicesUp) execFileSync('bash', ['scripts/services.sh', 'down'], { cwd: root, env: servicesEnv, stdio: 'ignore' });
    rmSync(state, { recursive: true, force: true });
    process.off('exit', stopSync);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };

  try {
    log(`services: Postgres on 127.0.0.1:${pgPort}, Redis on 127.0.0.1:${redisPort} (state ${state})`);
    servicesUp = true;
    execFileSync('bash', ['scripts/services.sh', 'up'], { cwd: root, env: servicesEnv, stdio: ['ignore', 'ignore', 'inherit'] });
    const env: Record<string, string> = {
      ...(process.env as Record<string, string>),
      ...parseEnvFile(path.join(state, 'env')),
      HOST: '127.0.0.1',
      PORT: String(apiPort),
      LOG_LEVEL: 'warn',
      NODE_ENV: 'development',
      ...opts.env,
    };
    execFileSync(process.execPath, [path.join(root, 'tools/prisma-wasm-migrate.mjs'), 'deploy'], { cwd: root, env, stdio: ['ignore', 'ignore', 'inherit'] });
    const missing = ['api', 'worker'].some((a) => !existsSync(path.join(root, `dist/apps/${a}/main.js`)));
    if (opts.build === true || ((opts.build ?? 'if-missing') === 'if-missing' && missing)) {
      log('building api and worker');
      execFileSync('npx', ['nx', 'run-many', '-t', 'build', '-p', 'api', 'worker', '--outputStyle=static'], { cwd: root, env: { ...env, NX_DAEMON: 'false' }, stdio: ['ignore', 'ignore', 'inherit'] });
    }
    for (const app of ['api', 'worker']) {
      children.push(spawn(process.execPath, [...profileArgs(app), path.join(root, `dist/apps/${app}/main.js`)], { cwd: root, env, stdio: ['ignore', process.env['BENCH_APP_LOGS'] ? 'inherit' : 'ignore', 'inherit'] }));
    }
    const baseUrl = `http://127.0.0.1:${apiPort}`;
    await waitReady(baseUrl, opts.readyTimeoutMs ?? 60_000, children);
    log(`api ${baseUrl} (pid ${children[0]?.pid}), worker pid ${children[1]?.pid}`);
    return {
      baseUrl,
      env,
      pids: { api: children[0]?.pid ?? 0, worker: children[1]?.pid ?? 0 },
      cpu: () => {
        const pidOf = (file: string) => Number(readFileSync(path.join(state, file), 'utf8').split('\n')[0]);
        return { api: treeCpu(children[0]?.pid ?? 0), worker: procCpu(children[1]?.pid ?? 0)?.ms ?? 0, postgres: treeCpu(pidOf('pg/postmaster.pid')), redis: procCpu(pidOf('redis.pid'))?.ms ?? 0 };
      },
      async newTenant(role = 'admin') {
        provisioner ??= new TenantProvisioner(env['MIGRATION_DATABASE_URL'] as string);
        const tenantId = await provisioner.createTenant(`bench-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`);
        return { tenantId, key: await provisioner.createApiKey(tenantId, 'bench', role) };
      },
      stop,
    };
  } catch (e) {
    await stop().catch(() => stopSync());
    throw e;
  }
}
