import type { ChildProcess } from 'node:child_process';

/** SIGTERM, as an orchestrator would: the apps must shut down gracefully and exit 0 within the grace period. */
export default async function globalTeardown(): Promise<void> {
  const procs = ((globalThis as Record<string, unknown>)['__E2E_PROCS__'] ?? []) as ChildProcess[];
  // Nest runs its shutdown hooks, then re-raises the signal: a graceful stop ends by SIGTERM (or code 0);
  // only the SIGKILL after the grace period, or another exit code, means it hung or crashed.
  const outcomes = await Promise.all(
    procs.map(
      (p) =>
        new Promise<string>((resolve) => {
          if (p.exitCode !== null) return resolve(`code ${p.exitCode} before teardown`);
          const t = setTimeout(() => p.kill('SIGKILL'), 15_000);
          p.once('exit', (code, signal) => {
            clearTimeout(t);
            resolve(code === 0 || signal === 'SIGTERM' ? 'ok' : `code ${code} signal ${signal}`);
          });
          p.kill('SIGTERM');
        }),
    ),
  );
  if (outcomes.some((o) => o !== 'ok')) throw new Error(`an app did not shut down gracefully on SIGTERM: ${outcomes.join(', ')}`);
}
