import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import { JOB_QUEUE, type JobQueue } from '@portolan/application';
import { Database } from '@portolan/persistence';
import { RETRY_AFTER_SECONDS } from '../errors/unavailable';

const withTimeout = <T>(p: Promise<T>, ms: number): Promise<T> =>
  Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms).unref())]);

@Controller()
export class HealthController {
  constructor(
    private readonly db: Database,
    @Inject(JOB_QUEUE) private readonly queue: JobQueue,
  ) {}

  /** Liveness: the process answers. Dependencies are /readyz's business, so a database blip never restarts pods. */
  @Get('healthz')
  healthz() {
    return { status: 'ok' };
  }

  /** Readiness: Postgres and the queue backend both answer; otherwise 503 with Retry-After and which check fails. */
  @Get('readyz')
  async readyz(@Res({ passthrough: true }) res: Response) {
    const checks = await Promise.allSettled([withTimeout(this.db.ping(), 2000), withTimeout(this.queue.health(), 2000)]);
    const [pgCheck, queueCheck] = checks.map((c) => (c.status === 'fulfilled' ? 'ok' : `failing: ${(c.reason as Error).message}`));
    const body = { status: checks.every((c) => c.status === 'fulfilled') ? 'ok' : 'unavailable', checks: { postgres: pgCheck, queue: queueCheck } };
    if (body.status !== 'ok') res.status(503).setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
    return body;
  }
}
