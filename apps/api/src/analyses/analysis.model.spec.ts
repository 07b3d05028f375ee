import { AppError } from '@portolan/application';
import type { AnalysisRow } from '@portolan/persistence';
import { analysisJson, analysisModel, parseWait } from './analysis.model';

const row = (over: Partial<AnalysisRow> = {}): AnalysisRow => ({
  id: '11111111-1111-4111-8111-111111111111',
  tenantId: 't',
  clusterId: 'c',
  snapshotId: 's',
  source: 'webhook',
  status: 'done',
  manifests: '',
  meta: { source: { format: 'envelope' }, deliveryId: 'd-1', commit: { sha: 'abc' } },
  verdict: 'fail',
  result: {
    verdict: 'fail',
    findings: [{ rule: 'runtime-bind-conflict', severity: 'error', object: 'Deployment/default/nginx', message: 'm', fix: 'f', source: { file: 'k8s/web.yaml', line: 14 } }],
    counts: { error: 1, warning: 0, info: 0 },
    placements: [],
    snapshotId: 's',
  },
  sarif: { version: '2.1.0' },
  error: null,
  createdAt: new Date(0),
  finishedAt: new Date(1),
  ...over,
});

describe('?wait', () => {
  it('takes whole seconds 0..30 and names the parameter otherwise', () => {
    expect(parseWait(undefined)).toBe(0);
    expect(parseWait('0')).toBe(0);
    expect(parseWait('30')).toBe(30);
    for (const bad of ['31', '-1', '1.5', 'abc', '', '100', ['1', '2']]) {
      let e: unknown;
      try {
        parseWait(bad);
      } catch (x) {
        e = x;
      }
      expect(e).toBeInstanceOf(AppError);
      expect((e as AppError).details[0]?.field).toBe('wait');
    }
  });
});

describe('analysis views', () => {
  it('flattens findings to file/line and links status and SARIF', () => {
    const j = analysisJson(row());
    expect(j).toMatchObject({ status: 'done', verdict: 'fail', statusUrl: '/v1/analyses/11111111-1111-4111-8111-111111111111', sarifUrl: '/v1/analyses/11111111-1111-4111-8111-111111111111/sarif', deliveryId: 'd-1', commit: { sha: 'abc' } });
    expect(j.findings).toEqual([{ rule: 'runtime-bind-conflict', severity: 'error', object: 'Deployment/default/nginx', message: 'm', fix: 'f', file: 'k8s/web.yaml', line: 14, suppressed: null, suppressionReason: null }]);
    expect(analysisModel(row()).sarifObject).toEqual({ version: '2.1.0' });
  });

  it('shows no verdict before done, and the error when failed', () => {
    const pending = analysisJson(row({ status: 'pending', verdict: null, result: null, sarif: null }));
    expect(pending).not.toHaveProperty('verdict');
    expect(pending).not.toHaveProperty('findings');
    const failed = analysisJson(row({ status: 'failed', verdict: null, result: null, sarif: null, error: { message: 'boom' } }));
    expect(failed.error).toBe('boom');
    expect(analysisModel(row({ status: 'failed', result: null, error: { message: 'boom' } }))).toMatchObject({ error: 'boom', findings: [], sarifObject: null });
  });
});
