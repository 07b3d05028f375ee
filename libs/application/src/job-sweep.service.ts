import { Inject, Injectable, Logger } from '@nestjs/common';
import { OpenJobsRepository, type OpenJobKind, type OpenJobRow } from '@portolan/persistence';
import { truncateText } from './job-errors';
import { JOB_QUEUE, type JobInfo, type JobQueue } from './queue.module';

/** Queue states in which a job will still run: its row is left to it. */
const LIVE_STATES = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);
/** A scheduled import's row has no job of its own id; one still open after this long lost its run. */
export const SCHEDULED_IMPORT_MAX_SECONDS = 3600;
/** Open rows looked at per sweep and kind; a backlog larger than this ends over several sweeps. */
export const SWEEP_BATCH = 500;

export interface SweepOutcome {
  examined: number;
  failed: Array<{ kind: OpenJobKind; id: string; reason: string }>;
}

const what = (kind: OpenJobKind) => (kind === 'snapshot' ? 'import' : 'analysis');

/**
 * Every accepted row ends: a job whose worker died twice (BullMQ: stalled, then failed), a job exhausted by
 * transient errors, or a job that never reached the queue (lost enqueue, queue data wiped) leaves its row open, and
 * this reconciliation ends it `failed` with the reason. The queue is at-least-once; the rows are the truth.
 */
@Injectable()
export class JobSweepService {
  private readonly log = new Logger(JobSweepService.name);

  constructor(
    private readonly open: OpenJobsRepository,
    @Inject(JOB_QUEUE) private readonly queue: JobQueue,
  ) {}

  /** Why a job in this state will not end its row; null when it still may. */
  static reasonFor(kind: OpenJobKind, job: JobInfo | null): { code: string; message: string } | null {
    if (job && LIVE_STATES.has(job.state)) return null;
    if (!job) return { code: 'JOB_LOST', message: `the ${what(kind)} job is no longer queued (lost or removed); submit again` };
    if (job.state === 'failed') {
      const stalled = /stalled/i.test(job.failedReason ?? '');
      return {
        code: stalled ? 'WORKER_DIED' : 'ATTEMPTS_EXHAUSTED',
        message: stalled
          ? `the worker running this ${what(kind)} stopped repeatedly (the job stalled and was given up after ${job.attemptsMade + 1} runs); submit again, and if it recurs the content may exhaust the worker`
          : `the ${what(kind)} failed after ${job.attemptsMade} attempts (${truncateText(job.failedReason ?? 'no reason', 300)}); submit again`,
      };
    }
    // completed with the row still open: the job skipped it (it ended elsewhere meanwhile, or was not visible)
    return { code: 'JOB_ENDED', message: `the ${what(kind)} job ended (${job.state}) without finishing this row; submit again` };
  }

  /** One pass over open rows older than `minAgeSeconds`. */
  async sweep(minAgeSeconds: number): Promise<SweepOutcome> {
    const rows = await this.open.list(minAgeSeconds, SWEEP_BATCH);
    const out: SweepOutcome = { examined: rows.length, failed: [] };
    for (const row of rows) {
      const reason = await this.reasonForRow(row);
      if (!reason) continue;
      if (await this.open.failIfOpen(row.tenantId, row.kind, row.id, { ...reason, reconciled: true })) {
        out.failed.push({ kind: row.kind, id: row.id, reason: reason.code });
        this.log.warn({ kind: row.kind, id: row.id, tenantId: row.tenantId, code: reason.code }, 'open row reconciled to failed');
      }
    }
    return out;
  }

  /** The processors' `failed` event after the last attempt: the row ends now rather than at the next sweep. */
  async jobExhausted(kind: OpenJobKind, tenantId: string, id: string, job: JobInfo): Promise<boolean> {
    const reason = JobSweepService.reasonFor(kind, { ...job, state: 'failed' });
    return reason ? this.open.failIfOpen(tenantId, kind, id, reason) : false;
  }

  private async reasonForRow(row: OpenJobRow): Promise<{ code: string; message: string } | null> {
    if (row.kind === 'snapshot' && row.source === 'schedule') {
      if (row.ageSeconds < SCHEDULED_IMPORT_MAX_SECONDS) return null;
      return { code: 'JOB_LOST', message: `the scheduled import did not finish within ${SCHEDULED_IMPORT_MAX_SECONDS} s (its worker stopped); the next run tries again` };
    }
    return JobSweepService.reasonFor(row.kind, await this.queue.jobOf(row.kind, row.id));
  }
}
