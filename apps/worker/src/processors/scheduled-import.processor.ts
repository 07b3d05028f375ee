import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, type OnApplicationBootstrap } from '@nestjs/common';
import { ImportSourcesService } from '@portolan/application';
import { APP_CONFIG, type AppConfig } from '@portolan/config';
import { QUEUES, ScheduledImportJob } from '@portolan/contracts';
import { UnrecoverableError, type Job } from 'bullmq';
import { jobWorkerOptions } from '../job-options';

/**
 * One tick of a cluster's import schedule (or a "run now"): lists the cluster's API server and stores a snapshot.
 * The outcome (ready, or failed with the server and status) lands on a snapshot row with source `schedule`.
 */
@Processor(QUEUES.scheduledImports, jobWorkerOptions())
export class ScheduledImportProcessor extends WorkerHost implements OnApplicationBootstrap {
  constructor(
    private readonly imports: ImportSourcesService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    this.worker.concurrency = this.config.queue.concurrency;
  }

  async process(job: Job): Promise<string> {
    const payload = ScheduledImportJob.safeParse(job.data);
    if (!payload.success) throw new UnrecoverableError(`malformed ${job.name} payload: ${payload.error.message}`);
    return this.imports.runScheduled(payload.data);
  }
}
