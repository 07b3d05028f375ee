import { parentPort } from 'node:worker_threads';
import { buildUpload, type BuildOutcome, type UploadDocument } from '@portolan/application/upload-build';
import type { ClusterProfile } from '@portolan/netsim';

/**
 * A worker thread's entry (its own bundle, dist/apps/worker/build-thread.js): parses and builds one upload at a
 * time under the thread's heap limit, so content that needs more memory than a job may have ends this thread, not
 * the worker process.
 */
parentPort?.on('message', (m: { inputs: UploadDocument[]; defaults: ClusterProfile }) => {
  let out: BuildOutcome;
  try {
    out = buildUpload(m.inputs, m.defaults);
  } catch (e) {
    out = { ok: false, failure: 'unexpected', name: e instanceof Error ? e.name : typeof e, message: e instanceof Error ? e.message : String(e) };
  }
  parentPort?.postMessage(out);
});
