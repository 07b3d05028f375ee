import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, type OnApplicationBootstrap } from '@nestjs/common';
import { SnapshotsService } from '@portolan/application';
import { APP_CONFIG, type AppConfig } from '@portolan/config';
import { ImportSnapshotJob, QUEUES } from '@portolan/contracts';
import { UnrecoverableError, type Job } from 'bullmq';

/** Parses an uploaded snapshot and stores it whole; the outcome lands on the snapshot row, where users read it. */
@Processor(QUEUES.snapshots)
export class SnapshotImportProcessor extends WorkerHost implements OnApplicationBootstrap {
  constructor(
    private readonly snapshots: SnapshotsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
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
}
