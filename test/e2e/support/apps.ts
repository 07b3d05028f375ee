import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';

export const root = path.resolve(__dirname, '../../..');

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

/** A built app (dist/apps/<app>/main.js) as a child process: the test run's environment plus `env`. */
export function spawnApp(app: 'api' | 'worker', env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [path.join(root, `dist/apps/${app}/main.js`)], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit'] });
}
