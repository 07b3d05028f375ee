import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { SnapshotsService, JobSweepService } from '@portolan/application';
import { APP_CONFIG, type AppConfig } from '@portolan/config';
import { ImportSnapshotJob, QUEUES } from '@portolan/contracts';
import { UnrecoverableError, type Job } from 'bullmq';
import { jobWorkerOptions } from '../job-options';
import { endRowOfExhaustedJob } from './job-exhausted';

/** Parses an uploaded snapshot and stores it whole; the outcome lands on the snapshot row, where users read it. */
@Processor(QUEUES.snapshots, jobWorkerOptions())
export class SnapshotImportProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(SnapshotImportProcessor.name);

  constructor(
    private readonly snapshots: SnapshotsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly sweeps: JobSweepService,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    // Concurrency comes from configuration, which a decorator argument cannot read.
    this.worker.concurrency = this.config.queue.concurrency;
  }

  async process(job: Job): Promise<string> {
    const payload = ImportSnapshotJob.safeParse(job.data);
    if (!payload.success) throw new UnrecoverableError(`malformed ${job.name} payload: ${payload.error.message}`);
    return this.snapshots.runImport(payload.data);
  }

  /** After the last attempt (retries exhausted, or stalled past the limit) the row ends at once, with the reason. */
  @OnWorkerEvent('failed')
  onFailed(job: Job | undefined, error: Error): Promise<void> {
    return endRowOfExhaustedJob(this.sweeps, this.logger, 'snapshot', 'snapshotId', job, error);
  }
}
