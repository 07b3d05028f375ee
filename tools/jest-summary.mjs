// Sums the per-project Jest JSON results written by tools/jest-run.mjs into one line CI can read.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';

const dir = path.resolve('tmp/jest-results');
let passed = 0, failed = 0, skipped = 0, broken = 0;
for (const f of existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith('.json')) : []) {
  const r = JSON.parse(readFileSync(path.join(dir, f), 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += r.numPendingTests + (r.numTodoTests ?? 0);
  // a suite that failed to load reports no failed test but is a failure all the same
  broken += r.numRuntimeErrorTestSuites ?? 0;
}
failed += broken;
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 ? 1 : 0);
