import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { freePort, root, spawnApp } from './apps';

/** Starts the built API and worker once for all e2e specs; they reach it through E2E_BASE_URL. */
export default async function globalSetup(): Promise<void> {
  for (const v of ['DATABASE_URL', 'MIGRATION_DATABASE_URL', 'REDIS_URL']) {
    if (!process.env[v]) throw new Error(`${v} is not set: run the e2e tests through \`npm test\` (scripts/test.sh starts Postgres and Redis)`);
  }
  for (const app of ['api', 'worker']) {
    if (!existsSync(path.join(root, `dist/apps/${app}/main.js`))) throw new Error(`dist/apps/${app}/main.js is missing: build first (npm test does)`);
  }
  const port = await freePort();
  const env = {
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: process.env['E2E_LOG_LEVEL'] ?? 'warn',
    MAX_BODY_BYTES: '65536',
    MAX_UPLOAD_BYTES: '2097152',
    GRAPHQL_MAX_COMPLEXITY: '300',
    // scheduled-import e2e: the recorded API server listens on 127.0.0.1 (denied by default; the rest of 127/8 stays
    // denied) and runs every 2 s to be seen running "on schedule"
    IMPORT_ALLOW_CIDRS: '127.0.0.1/32',
    IMPORT_MIN_INTERVAL_SECONDS: '2',
    // the job sweep: every second, for rows open 3 s or more whose job is gone or failed (import-failures e2e)
    JOB_SWEEP_INTERVAL_SECONDS: '1',
    JOB_SWEEP_MIN_AGE_SECONDS: '3',
  };
  const procs: ChildProcess[] = (['api', 'worker'] as const).map((app) => spawnApp(app, env));
  (globalThis as Record<string, unknown>)['__E2E_PROCS__'] = procs;
  process.env['E2E_BASE_URL'] = `http://127.0.0.1:${port}`;
  const until = Date.now() + 60_000;
  for (;;) {
    const dead = procs.find((p) => p.exitCode !== null);
    if (dead) throw new Error(`an app process exited during start (code ${dead.exitCode})`);
    try {
      if ((await fetch(`${process.env['E2E_BASE_URL']}/readyz`)).ok) break;
    } catch {
      // not yet listening
    }
    if (Date.now() > until) throw new Error('the API did not become ready in 60 s');
    await new Promise((r) => setTimeout(r, 250));
  }
}
