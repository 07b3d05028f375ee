import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { JOB_NAMES, QUEUES, type ScheduledImportJob } from '@portolan/contracts';
import type { Queue } from 'bullmq';

/** What the import use cases need from BullMQ: one Job Scheduler per cluster (id = cluster id) plus one-off runs. */
export interface ImportScheduler {
  upsert(clusterId: string, pattern: string, job: ScheduledImportJob): Promise<void>;
  remove(clusterId: string): Promise<void>;
  runNow(job: ScheduledImportJob): Promise<void>;
  nextRunAt(clusterId: string): Promise<Date | null>;
}
export const IMPORT_SCHEDULER = Symbol('IMPORT_SCHEDULER');

// A run's outcome lives on its snapshot row; BullMQ never retries a run (the fetcher retries each request itself,
// and the next tick comes anyway), so a flapping API server cannot multiply failed rows.
const runOptions = { attempts: 1, removeOnComplete: 100, removeOnFail: 500 };

@Injectable()
export class BullImportScheduler implements ImportScheduler {
  constructor(@InjectQueue(QUEUES.scheduledImports) private readonly queue: Queue) {}

  async upsert(clusterId: string, pattern: string, job: ScheduledImportJob): Promise<void> {
    await this.queue.upsertJobScheduler(clusterId, { pattern }, { name: JOB_NAMES.scheduledImport, data: job, opts: runOptions });
  }

  async remove(clusterId: string): Promise<void> {
    await this.queue.removeJobScheduler(clusterId);
  }

  async runNow(job: ScheduledImportJob): Promise<void> {
    // One queued manual run per cluster at a time: clicking "run" twice does not fetch twice.
    await this.queue.add(JOB_NAMES.scheduledImport, job, { ...runOptions, deduplication: { id: `run-now:${job.clusterId}` } });
  }

  async nextRunAt(clusterId: string): Promise<Date | null> {
    const s = await this.queue.getJobScheduler(clusterId);
    return s?.next ? new Date(s.next) : null;
  }
}
