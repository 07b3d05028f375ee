import 'reflect-metadata';
import type { AnalysesService } from '@portolan/application';
import type { AppConfig } from '@portolan/config';
import { UnrecoverableError, type Job } from 'bullmq';
import { AnalysisProcessor } from './analysis.processor';

const payload = { tenantId: '11111111-1111-4111-8111-111111111111', analysisId: '33333333-3333-4333-8333-333333333333' };
const job = (data: unknown, attemptsMade: number, attempts = 3) => ({ name: 'analyze', data, attemptsMade, opts: { attempts } }) as unknown as Job;

describe('AnalysisProcessor', () => {
  const calls: Array<{ job: unknown; final: boolean }> = [];
  const service = { run: async (j: unknown, a: { final: boolean }) => (calls.push({ job: j, final: a.final }), 'done' as const) } as unknown as AnalysesService;
  const processor = new AnalysisProcessor(service, { queue: { concurrency: 2 } } as AppConfig);

  beforeEach(() => (calls.length = 0));

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
});
