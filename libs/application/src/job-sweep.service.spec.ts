import type { OpenJobsRepository, OpenJobRow } from '@portolan/persistence';
import { JobSweepService, SCHEDULED_IMPORT_MAX_SECONDS } from './job-sweep.service';
import type { JobInfo, JobQueue } from './queue.module';

const T = '11111111-1111-4111-8111-111111111111';
const row = (id: string, kind: OpenJobRow['kind'] = 'snapshot', source = 'upload', ageSeconds = 600): OpenJobRow => ({ kind, id, tenantId: T, source, ageSeconds });

function harness(rows: OpenJobRow[], jobs: Record<string, JobInfo | null>) {
  const ended = new Map<string, { code: string; message: string }>();
  const open = {
    list: async () => rows,
    failIfOpen: async (_t: string, _k: string, id: string, e: { code: string; message: string }) => (ended.has(id) ? false : (ended.set(id, e), true)),
  } as unknown as OpenJobsRepository;
  const queue = { jobOf: async (_k: string, id: string) => jobs[id] ?? null } as unknown as JobQueue;
  return { service: new JobSweepService(open, queue), ended };
}

describe('JobSweepService.sweep', () => {
  it('ends rows whose job is gone, failed or stalled out, and leaves rows whose job will still run', async () => {
    const h = harness(
      [row('gone'), row('waiting'), row('active', 'analysis', 'webhook'), row('exhausted'), row('stalled', 'analysis'), row('completed')],
      {
        waiting: { state: 'waiting', attemptsMade: 0 },
        active: { state: 'active', attemptsMade: 1 },
        exhausted: { state: 'failed', attemptsMade: 3, failedReason: 'connect ECONNREFUSED 127.0.0.1:5432' },
        stalled: { state: 'failed', attemptsMade: 1, failedReason: 'job stalled more than allowable limit' },
        completed: { state: 'completed', attemptsMade: 1 },
      },
    );
    const r = await h.service.sweep(60);
    expect(r.examined).toBe(6);
    expect(Object.fromEntries([...h.ended].map(([id, e]) => [id, e.code]))).toEqual({ gone: 'JOB_LOST', exhausted: 'ATTEMPTS_EXHAUSTED', stalled: 'WORKER_DIED', completed: 'JOB_ENDED' });
    expect(h.ended.get('stalled')?.message).toMatch(/analysis .*stopped repeatedly/);
    expect(h.ended.get('exhausted')?.message).toMatch(/after 3 attempts/);
  });

  it('gives a scheduled import (no job of its own id) an hour before ending it', async () => {
    const h = harness([row('young', 'snapshot', 'schedule', 60), row('old', 'snapshot', 'schedule', SCHEDULED_IMPORT_MAX_SECONDS + 1)], {});
    await h.service.sweep(60);
    expect([...h.ended.keys()]).toEqual(['old']);
  });

  it('counts a row another worker ended meanwhile as not failed by this sweep', async () => {
    const h = harness([row('a'), row('a')], {});
    expect((await h.service.sweep(60)).failed).toHaveLength(1);
  });
});
