import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { JobSweepService } from '@portolan/application';
import { APP_CONFIG, type AppConfig } from '@portolan/config';

/**
 * Runs the open-row reconciliation every JOB_SWEEP_INTERVAL_SECONDS in each worker. A timer rather than a BullMQ
 * repeatable job: the sweep exists for when the queue lost or dropped work, so it must not depend on the queue
 * delivering it. Several workers sweeping at once is harmless (each row is ended by a guarded UPDATE).
 */
@Injectable()
export class JobSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger(JobSweeper.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly sweeps: JobSweepService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    const every = this.config.queue.sweepIntervalSeconds * 1000;
    this.timer = setInterval(() => void this.tick(), every);
    this.timer.unref();
    // a first pass soon after start: rows left by the worker this one replaces end without waiting a full interval
    setTimeout(() => void this.tick(), Math.min(every, 5000)).unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private tick(): Promise<void> {
    if (this.running) return this.running;
    this.running = (async () => {
      try {
        const r = await this.sweeps.sweep(this.config.queue.sweepMinAgeSeconds);
        if (r.failed.length) this.log.warn({ examined: r.examined, failed: r.failed.length }, 'job sweep ended open rows');
      } catch (e) {
        // the database or queue is down: the next tick tries again
        this.log.warn({ error: (e as Error).message }, 'job sweep skipped');
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }
}
