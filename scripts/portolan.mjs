// `npm run -s portolan -- ...` inside the repository: builds the CLI once when it is missing (instead of a raw
// module-not-found), then runs it from the folder the user called npm in, so relative paths mean what they say.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bundle = path.join(root, 'dist/apps/cli/main.js');
if (!existsSync(bundle)) {
  process.stderr.write('[portolan] building the CLI once (npx nx build cli)...\n');
  const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false' };
  const r = spawnSync('npx', ['--no-install', 'nx', 'build', 'cli', '--outputStyle=static'], { cwd: root, env, stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0 || !existsSync(bundle)) {
    process.stderr.write('[portolan] the build failed; run `npm start` or `npm test` once (they install and build everything)\n');
    process.exit(2);
  }
}
const r = spawnSync(process.execPath, [bundle, ...process.argv.slice(2)], { cwd: process.env.INIT_CWD ?? process.cwd(), stdio: 'inherit' });
process.exitCode = r.status ?? 2;
