import { TenantProvisioner } from '@portolan/persistence';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { freePort, root } from './apps';

/**
 * A Postgres 15 and a Redis of a spec's own (scripts/services.sh, on free ports and a state dir of its own), so the
 * spec can stop and start them without touching the servers the other suites share.
 */
export class OwnServices {
  readonly state = mkdtempSync('/tmp/portolan-outage-');
  pgPort = 0;
  redisPort = 0;
  env: Record<string, string> = {};
  private readonly pgBin = path.join('/usr/lib/postgresql', readdirSync('/usr/lib/postgresql').sort().at(-1) as string, 'bin');

  async up(): Promise<void> {
    this.pgPort = await freePort();
    this.redisPort = await freePort();
    execFileSync('bash', [path.join(root, 'scripts/services.sh'), 'up'], { env: this.scriptEnv(), stdio: 'ignore' });
    for (const line of readFileSync(path.join(this.state, 'env'), 'utf8').split('\n')) {
      const m = /^export (\w+)=(.*)$/.exec(line);
      if (m) this.env[m[1] as string] = m[2] as string;
    }
    execFileSync(process.execPath, [path.join(root, 'tools/prisma-wasm-migrate.mjs'), 'deploy'], { env: { ...process.env, ...this.env }, stdio: 'ignore' });
  }

  stopRedis(): void {
    execFileSync('kill', [readFileSync(path.join(this.state, 'redis.pid'), 'utf8').trim()]);
    for (let i = 0; i < 50 && spawnSync('redis-cli', ['-p', String(this.redisPort), 'ping']).status === 0; i++) execFileSync('sleep', ['0.1']);
  }

  startRedis(): void {
    execFileSync('redis-server', ['--port', String(this.redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'yes', '--pidfile', path.join(this.state, 'redis.pid'), '--dir', this.state]);
    for (let i = 0; i < 50 && spawnSync('redis-cli', ['-p', String(this.redisPort), 'ping']).status !== 0; i++) execFileSync('sleep', ['0.1']);
  }

  stopPostgres(): void {
    this.asPg(path.join(this.pgBin, 'pg_ctl'), ['-D', path.join(this.state, 'pg'), '-m', 'fast', '-w', 'stop']);
  }

  startPostgres(): void {
    const opts = `-p ${this.pgPort} -c listen_addresses=127.0.0.1 -k ${path.join(this.state, 'pg')} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300`;
    this.asPg(path.join(this.pgBin, 'pg_ctl'), ['-D', path.join(this.state, 'pg'), '-l', path.join(this.state, 'pg/server.log'), '-w', '-t', '60', '-o', opts, 'start']);
  }

  down(): void {
    execFileSync('bash', [path.join(root, 'scripts/services.sh'), 'down'], { env: this.scriptEnv(), stdio: 'ignore' });
  }

  private scriptEnv(): NodeJS.ProcessEnv {
    return { ...process.env, SERVICES_STATE: this.state, PG_PORT: String(this.pgPort), REDIS_PORT: String(this.redisPort) };
  }

  private asPg(cmd: string, args: string[]): void {
    if (process.getuid?.() === 0) execFileSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { stdio: 'ignore' });
    else execFileSync(cmd, args, { stdio: 'ignore' });
  }
}

/** Until the API at `base` answers /readyz 200 (a spec's own API process). */
export async function waitReady(base: string, timeoutMs = 60_000): Promise<void> {
  for (const until = Date.now() + timeoutMs; ; ) {
    if ((await fetch(`${base}/readyz`).catch(() => undefined))?.ok) return;
    if (Date.now() > until) throw new Error(`the API at ${base} did not become ready in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A new tenant and an admin key for it, on the database a spec's own services hold. */
export async function adminKeyOn(migrationUrl: string, tenant: string): Promise<string> {
  const p = new TenantProvisioner(migrationUrl);
  try {
    return await p.createApiKey(await p.createTenant(tenant), 'e2e', 'admin');
  } finally {
    await p.close();
  }
}
