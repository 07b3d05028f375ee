import type { Logger } from '@nestjs/common';
import type { JobSweepService } from '@portolan/application';
import type { Job } from 'bullmq';

/**
 * A processor's `failed` event: after the last attempt (retries exhausted, or stalled past the limit) the job's row
 * ends at once, with the reason; earlier failures are retried by the queue. `idField` names the row id in the job's
 * data. A row this cannot end is left to the sweep.
 */
export async function endRowOfExhaustedJob(sweeps: JobSweepService, logger: Logger, kind: 'snapshot' | 'analysis', idField: string, job: Job | undefined, error: Error): Promise<void> {
  if (!job || (job.attemptsMade < (job.opts.attempts ?? 1) && !/stalled/i.test(error?.message ?? ''))) return;
  const data = job.data as Record<string, unknown>;
  const tenantId = data['tenantId'];
  const id = data[idField];
  if (typeof tenantId !== 'string' || typeof id !== 'string') return;
  await sweeps
    .jobExhausted(kind, tenantId, id, { state: 'failed', attemptsMade: job.attemptsMade, failedReason: error?.message ?? job.failedReason })
    .catch((e: unknown) => logger.warn({ jobId: job.id, error: (e as Error).message }, 'could not end the row of a failed job; the sweep will'));
}
