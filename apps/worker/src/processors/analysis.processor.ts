import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, type OnApplicationBootstrap } from '@nestjs/common';
import { AnalysesService } from '@portolan/application';
import { APP_CONFIG, type AppConfig } from '@portolan/config';
import { AnalyzeJob, QUEUES } from '@portolan/contracts';
import { UnrecoverableError, type Job } from 'bullmq';

/**
 * Checks submitted manifests against the cluster's latest snapshot; the verdict lands on the analysis row, where
 * users read it. Only transient errors (database or queue unreachable) before the last attempt are thrown for a
 * retry; every other outcome, including a crash of the check, is written to the row and the job completes.
 */
@Processor(QUEUES.analyses)
export class AnalysisProcessor extends WorkerHost implements OnApplicationBootstrap {
  constructor(
    private readonly analyses: AnalysesService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
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
}
