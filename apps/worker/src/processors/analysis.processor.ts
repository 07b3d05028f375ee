import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { AnalysesService, JobSweepService } from '@portolan/application';
import { APP_CONFIG, type AppConfig } from '@portolan/config';
import { AnalyzeJob, QUEUES } from '@portolan/contracts';
import { UnrecoverableError, type Job } from 'bullmq';
import { jobWorkerOptions } from '../job-options';
import { endRowOfExhaustedJob } from './job-exhausted';

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
  onFailed(job: Job | undefined, error: Error): Promise<void> {
    return endRowOfExhaustedJob(this.sweeps, this.logger, 'analysis', 'analysisId', job, error);
  }
}
