// Runs one project's Jest suite and keeps its machine-readable results, so scripts/test.sh can print the
// workplace's plain "N passed, N failed" line over every project (Jest is not a runner CI reads by itself).
//   node tools/jest-run.mjs <projectRoot> [jest args...]
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';

const [projectRoot, ...rest] = process.argv.slice(2);
if (!projectRoot) {
  console.error('usage: node tools/jest-run.mjs <projectRoot> [jest args]');
  process.exit(2);
}
const outDir = path.resolve('tmp/jest-results');
mkdirSync(outDir, { recursive: true });
const outFile = path.join(outDir, `${projectRoot.replace(/[\\/]/g, '_')}.json`);
const jest = path.resolve('node_modules/jest/bin/jest.js');
const args = [jest, '-c', path.join(projectRoot, 'jest.config.cts'), '--json', `--outputFile=${outFile}`, ...rest];
const r = spawnSync(process.execPath, args, { stdio: 'inherit', env: process.env });
process.exit(r.status ?? 1);
