import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { AnalysesService, JobSweepService } from '@portolan/application';
import { APP_CONFIG, type AppConfig } from '@portolan/config';
import { AnalyzeJob, QUEUES } from '@portolan/contracts';
import { UnrecoverableError, type Job } from 'bullmq';
import { jobWorkerOptions } from '../job-options';

/**
 * Checks submitted manifests against the cluster's latest snapshot; the verdict lands on the analysis row, where
 * users read it. Only transient errors (database or queue unreachable) before the last attempt are thrown for a
 * retry; every other outcome, including a crash of the check, is written to the row and the job completes.
 */
@Processor(QUEUES.analyses, jobWorkerOptions())
export class AnalysisProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(AnalysisProcessor.name);

  constructor(
    private readonly analyses: AnalysesService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly sweeps: JobSweepService,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    this.worker.concurrency = this.config.queue.concurrency;
  }

  async process(job: Job): Promise<string> {
    const payload = AnalyzeJob.safeParse(job.data);
    if (!payload.success) throw new UnrecoverableError(`malformed ${job.name} payload: ${payload.error.message}`);
    const final = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    return this.analyses.run(payload.data, { final });
  }

  /** After the last attempt (retries exhausted, or stalled past the limit) the row ends at once, with the reason. */
  @OnWorkerEvent('failed')
  async onFailed(job: Job | undefined, error: Error): Promise<void> {
    if (!job || job.attemptsMade < (job.opts.attempts ?? 1) && !/stalled/i.test(error?.message ?? '')) return;
    const data = job.data as { tenantId?: unknown; analysisId?: unknown };
    if (typeof data.tenantId !== 'string' || typeof data.analysisId !== 'string') return;
    await this.sweeps
      .jobExhausted('analysis', data.tenantId, data.analysisId, { state: 'failed', attemptsMade: job.attemptsMade, failedReason: error?.message ?? job.failedReason })
      .catch((e: unknown) => this.logger.warn({ jobId: job.id, error: (e as Error).message }, 'could not end the row of a failed job; the sweep will'));
  }
}
