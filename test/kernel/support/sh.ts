/**
 * Running the few system binaries the kernel suite needs (ip, iptables-restore, sh), synchronously, with their
 * output kept for error messages. Binaries are looked up on PATH and in the sbin directories, because a
 * non-login root shell (CI) does not always have /usr/sbin on PATH.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

const EXTRA_DIRS = ['/usr/local/sbin', '/usr/sbin', '/sbin', '/usr/local/bin', '/usr/bin', '/bin'];

export function findBinary(name: string): string | undefined {
  const dirs = [...(process.env['PATH'] ?? '').split(path.delimiter).filter(Boolean), ...EXTRA_DIRS];
  for (const d of dirs) {
    const p = path.join(d, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
  error?: Error;
}

export function run(cmd: string, args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): RunResult {
  const r = spawnSync(cmd, args, { input: opts.input, env: opts.env ?? process.env, encoding: 'utf8', timeout: opts.timeoutMs ?? 20000 });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', error: r.error };
}

export class CommandError extends Error {
  constructor(readonly cmd: string, readonly args: string[], readonly result: RunResult) {
    super(`${cmd} ${args.join(' ')} failed (exit ${result.status ?? 'signal'}): ${(result.stderr || result.stdout || result.error?.message || '').trim()}`);
  }
}

export function must(cmd: string, args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): string {
  const r = run(cmd, args, opts);
  if (r.status !== 0) throw new CommandError(cmd, args, r);
  return r.stdout;
}
