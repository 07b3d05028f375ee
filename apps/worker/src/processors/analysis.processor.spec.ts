import 'reflect-metadata';
import type { AnalysesService, JobSweepService } from '@portolan/application';
import type { AppConfig } from '@portolan/config';
import { UnrecoverableError, type Job } from 'bullmq';
import { AnalysisProcessor } from './analysis.processor';

const payload = { tenantId: '11111111-1111-4111-8111-111111111111', analysisId: '33333333-3333-4333-8333-333333333333' };
const job = (data: unknown, attemptsMade: number, attempts = 3) => ({ name: 'analyze', data, attemptsMade, opts: { attempts } }) as unknown as Job;

describe('AnalysisProcessor', () => {
  const calls: Array<{ job: unknown; final: boolean }> = [];
  const service = { run: async (j: unknown, a: { final: boolean }) => (calls.push({ job: j, final: a.final }), 'done' as const) } as unknown as AnalysesService;
  const ended: Array<{ kind: string; id: string; attemptsMade: number; failedReason?: string }> = [];
  const sweeps = { jobExhausted: async (kind: string, _t: string, id: string, j: { attemptsMade: number; failedReason?: string }) => (ended.push({ kind, id, ...j }), true) } as unknown as JobSweepService;
  const processor = new AnalysisProcessor(service, { queue: { concurrency: 2 } } as AppConfig, sweeps);

  beforeEach(() => ((calls.length = 0), (ended.length = 0)));

  it('hands a valid payload to the service, telling it whether this is the last attempt', async () => {
    expect(await processor.process(job(payload, 0))).toBe('done');
    expect(await processor.process(job(payload, 2))).toBe('done');
    expect(calls).toEqual([
      { job: payload, final: false },
      { job: payload, final: true },
    ]);
  });

  it('refuses a malformed payload without retries', async () => {
    await expect(processor.process(job({ tenantId: 'x' }, 0))).rejects.toBeInstanceOf(UnrecoverableError);
    expect(calls).toEqual([]);
  });

  it('ends the row when the last attempt failed or the job stalled past the limit, not before', async () => {
    await processor.onFailed(job(payload, 1), new Error('connect ECONNREFUSED'));
    expect(ended).toEqual([]);
    await processor.onFailed(job(payload, 3), new Error('connect ECONNREFUSED'));
    await processor.onFailed(job(payload, 1), new Error('job stalled more than allowable limit'));
    expect(ended).toEqual([
      { kind: 'analysis', id: payload.analysisId, state: 'failed', attemptsMade: 3, failedReason: 'connect ECONNREFUSED' },
      { kind: 'analysis', id: payload.analysisId, state: 'failed', attemptsMade: 1, failedReason: 'job stalled more than allowable limit' },
    ]);
  });
});
