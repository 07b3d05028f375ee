import { BullModule, InjectQueue } from '@nestjs/bullmq';
import { Global, Inject, Injectable, Module, type DynamicModule } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@portolan/config';
import { JOB_NAMES, QUEUES, type AnalyzeJob, type ImportSnapshotJob } from '@portolan/contracts';
import { createPostgresBackend, setDefaultBackendFactory, type ConnectionOptions, type Queue } from 'bullmq';

/** What the use cases need from the queue; the BullMQ details stay here. */
export interface JobQueue {
  importSnapshot(job: ImportSnapshotJob): Promise<void>;
  analyze(job: AnalyzeJob): Promise<void>;
  /** counts per queue, for /readyz and metrics: proves the backend answers */
  health(): Promise<Record<string, number>>;
  /** what the queue knows of a row's job (job id = row id): null when it holds no such job */
  jobOf(kind: 'snapshot' | 'analysis', id: string): Promise<JobInfo | null>;
}

export interface JobInfo {
  /** BullMQ's state: waiting, active, delayed, prioritized, completed, failed, … */
  state: string;
  attemptsMade: number;
  failedReason?: string;
}
export const JOB_QUEUE = Symbol('JOB_QUEUE');

/** Longest wait for one Redis command of a producer (enqueue, counts) before the request answers 503. */
export const PRODUCER_COMMAND_TIMEOUT_MS = 2000;

/**
 * Reconnection every 250 ms, then each second (BullMQ's default backs off to 20 s): a Redis that comes back is in use
 * again within about a second, for /readyz and for enqueuing alike.
 */
export const redisRetryStrategy = (times: number): number => Math.min(250 * times, 1000);

/**
 * BullMQ wants discrete ioredis options; workers duplicate them into blocking connections of their own. A producer
 * (a Queue that only adds jobs and counts them) fails fast while Redis is away, as BullMQ's production notes advise:
 * no offline queue, one retry, a command timeout. Workers keep waiting (maxRetriesPerRequest null, as BullMQ requires).
 */
export type QueueRole = 'worker' | 'producer';

export function redisConnection(url: string, role: QueueRole = 'worker'): ConnectionOptions {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.pathname.length > 1 ? { db: Number(u.pathname.slice(1)) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    retryStrategy: redisRetryStrategy,
    ...(role === 'producer' ? { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: PRODUCER_COMMAND_TIMEOUT_MS } : { maxRetriesPerRequest: null }),
  };
}

export function queueConnection(config: AppConfig): { connection: ConnectionOptions } {
  if (config.queue.backend === 'redis' && config.queue.redisUrl) return { connection: redisConnection(config.queue.redisUrl) };
  // No Redis: BullMQ 6's Postgres backend, process-wide. It creates its own `bullmq` schema (migrate: true),
  // which is why it connects with the owner URL rather than the application's RLS-bound role.
  setDefaultBackendFactory(createPostgresBackend as never);
  return { connection: { connectionString: config.queue.postgresUrl, migrate: true } as unknown as ConnectionOptions };
}

// Completed jobs are forgotten quickly: their outcome lives in Postgres rows (snapshots, analyses), not the queue.
const defaultJobOptions = { attempts: 3, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: 1000, removeOnFail: 5000 };

@Injectable()
export class BullJobQueue implements JobQueue {
  constructor(
    @InjectQueue(QUEUES.snapshots) private readonly snapshots: Queue,
    @InjectQueue(QUEUES.analyses) private readonly analyses: Queue,
  ) {}

  async importSnapshot(job: ImportSnapshotJob): Promise<void> {
    // jobId = snapshot id: enqueueing the same snapshot twice yields one job.
    await this.snapshots.add(JOB_NAMES.importSnapshot, job, { ...defaultJobOptions, jobId: job.snapshotId });
  }

  async analyze(job: AnalyzeJob): Promise<void> {
    await this.analyses.add(JOB_NAMES.analyze, job, { ...defaultJobOptions, jobId: job.analysisId });
  }

  async jobOf(kind: 'snapshot' | 'analysis', id: string): Promise<JobInfo | null> {
    const job = await (kind === 'snapshot' ? this.snapshots : this.analyses).getJob(id);
    if (!job) return null;
    const state = await job.getState();
    if (state === 'unknown') return null;
    return { state, attemptsMade: job.attemptsMade, ...(job.failedReason ? { failedReason: job.failedReason } : {}) };
  }

  async health(): Promise<Record<string, number>> {
    const [s, a] = await Promise.all([this.snapshots.getJobCounts('waiting', 'active'), this.analyses.getJobCounts('waiting', 'active')]);
    return { [QUEUES.snapshots]: (s['waiting'] ?? 0) + (s['active'] ?? 0), [QUEUES.analyses]: (a['waiting'] ?? 0) + (a['active'] ?? 0) };
  }
}

@Global()
@Module({})
export class QueueModule {
  static forRoot(role: QueueRole): DynamicModule {
    return {
      module: QueueModule,
      imports: [
        BullModule.forRootAsync({ inject: [APP_CONFIG], useFactory: (c: AppConfig) => queueConnection(c) }),
        ...[QUEUES.snapshots, QUEUES.analyses, QUEUES.scheduledImports].map((name) =>
          BullModule.registerQueueAsync({
            name,
            inject: [APP_CONFIG],
            // A worker process's Processors take their Queue's connection, so only a producer process fails fast.
            useFactory: (c: AppConfig) => (role === 'producer' && c.queue.backend === 'redis' && c.queue.redisUrl ? { connection: redisConnection(c.queue.redisUrl, 'producer') } : {}),
          }),
        ),
      ],
      providers: [BullJobQueue, { provide: JOB_QUEUE, useExisting: BullJobQueue }],
      exports: [JOB_QUEUE, BullModule],
    };
  }
}

export const InjectJobQueue = () => Inject(JOB_QUEUE);
