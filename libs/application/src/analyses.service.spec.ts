import { readFileSync } from 'node:fs';
import path from 'node:path';
import { asTenantId, type AnalyzeJob, type TenantContext } from '@portolan/contracts';
import { ClusterEngine, loadSnapshot } from '@portolan/netsim';
import type { AnalysisRow, DatabaseEvent, EventsResync } from '@portolan/persistence';
import { AnalysesService, FALLBACK_POLL_MS } from './analyses.service';
import { AppError } from './errors';
import { signDelivery } from './webhook-input';

const TENANT = '11111111-1111-4111-8111-111111111111';
const CLUSTER = '22222222-2222-4222-8222-222222222222';
const ANALYSIS = '33333333-3333-4333-8333-333333333333';
const SECRET = 'whsec_unit';
const ctx: TenantContext = { tenantId: asTenantId(TENANT), actorId: `webhook:${CLUSTER}`, role: 'writer' };
const seed = readFileSync(path.resolve(__dirname, '../../../test/fixtures/clusters/seed-002-hostnetwork-replicas.yaml'), 'utf8');

const deployment = (replicas: number) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: nginx, namespace: default}\nspec:\n  replicas: ${replicas}\n  selector:\n    matchLabels: {app: nginx}\n  template:\n    metadata:\n      labels: {app: nginx}\n    spec:\n      hostNetwork: true\n      containers:\n      - {image: "nginx:alpine", name: nginx}\n`;

function row(over: Partial<AnalysisRow> = {}): AnalysisRow {
  return { id: ANALYSIS, tenantId: TENANT, clusterId: CLUSTER, snapshotId: null, source: 'webhook', status: 'pending', manifests: deployment(2), meta: { source: { format: 'text', name: 'k8s/web.yaml' } }, verdict: null, result: null, sarif: null, error: null, createdAt: new Date(), finishedAt: null, ...over };
}

/** The service over in-memory fakes of its repositories, queue and engine cache. */
function harness(opts: { stored?: AnalysisRow; load?: () => Promise<unknown>; enqueue?: () => Promise<void> } = {}) {
  const rows = new Map<string, AnalysisRow>(opts.stored ? [[opts.stored.id, opts.stored]] : []);
  const deliveries = new Map<string, { bodyHash: string; analysisId: string }>();
  const calls: string[] = [];
  const analyses = {
    get: async (_c: TenantContext, id: string) => rows.get(id) ?? null,
    create: async (_c: TenantContext, a: { manifests: string; meta: unknown; source: string }) => {
      const r = row({ manifests: a.manifests, meta: a.meta, source: a.source });
      rows.set(r.id, r);
      return r;
    },
    createForDelivery: async (_c: TenantContext, a: { deliveryId: string; bodyHash: string; manifests: string; meta: unknown }) => {
      const d = deliveries.get(a.deliveryId);
      if (d) return { analysis: rows.get(d.analysisId) as AnalysisRow, created: false, bodyMatches: d.bodyHash === a.bodyHash };
      const r = row({ manifests: a.manifests, meta: a.meta });
      rows.set(r.id, r);
      deliveries.set(a.deliveryId, { bodyHash: a.bodyHash, analysisId: r.id });
      return { analysis: r, created: true, bodyMatches: true };
    },
    claim: async (_c: TenantContext, id: string) => {
      const r = rows.get(id);
      if (!r || (r.status !== 'pending' && r.status !== 'running')) return null;
      return Object.assign(r, { status: 'running' });
    },
    finish: async (_c: TenantContext, id: string, r: { verdict: string; result: unknown; sarif: unknown }) => void Object.assign(rows.get(id) as AnalysisRow, { status: 'done', ...r }),
    failed: async (_c: TenantContext, id: string, error: unknown) => void Object.assign(rows.get(id) as AnalysisRow, { status: 'failed', error }),
  };
  const engine = new ClusterEngine(loadSnapshot([{ name: 'seed-002', text: seed }]).snapshot);
  const engines = { load: opts.load ?? (async () => ({ snapshot: { id: 'snap-1' }, engine })) };
  const clusterRows = { get: async () => ({ id: CLUSTER, name: 'c', kubernetesVersion: '1.33', kubeProxy: {}, cni: {}, nodePortRange: '30000-32767', containerRuntime: 'containerd' }) };
  const auth = { webhookTarget: async (id: string) => (id === CLUSTER ? { tenantId: TENANT, encryptedSecret: 'sealed' } : null) };
  const clusters = { openSecret: (s: string) => (s === 'sealed' ? SECRET : '') };
  const queue = {
    analyze: async (j: AnalyzeJob) => {
      calls.push(`analyze ${j.analysisId}`);
      await opts.enqueue?.();
    },
  };
  const subscribers: Array<(e: DatabaseEvent | EventsResync) => void> = [];
  const events = { subscribe: (fn: (e: DatabaseEvent | EventsResync) => void) => (subscribers.push(fn), () => undefined) };
  const publish = (e: DatabaseEvent | EventsResync) => subscribers.forEach((fn) => fn(e));
  const service = new AnalysesService(analyses as never, clusterRows as never, clusters as never, auth as never, engines as never, queue as never, events as never, { webhooks: { toleranceSeconds: 300 } } as never, { list: async () => [] } as never);
  return { service, rows, calls, publish };
}

const job: AnalyzeJob = { tenantId: TENANT, analysisId: ANALYSIS };

describe('AnalysesService webhook submission', () => {
  it('authenticates by the v1 signature and answers the cluster’s tenant; an unknown cluster answers as a bad signature', async () => {
    const { service } = harness();
    const body = Buffer.from(deployment(2));
    const now = 1_764_720_000;
    const creds = (secret: string, o: { ts?: number; signedTs?: number; id?: string } = {}) => ({
      signature: signDelivery(secret, o.signedTs ?? o.ts ?? now, 'd-1', body),
      timestamp: String(o.ts ?? now),
      deliveryId: o.id ?? 'd-1',
    });
    await expect(service.authenticateWebhook(CLUSTER, body, creds(SECRET), now)).resolves.toMatchObject({ tenantId: TENANT, role: 'writer' });
    const wrong = await service.authenticateWebhook(CLUSTER, body, creds('whsec_other'), now).catch((e: AppError) => e);
    expect(wrong).toMatchObject({ code: 'UNAUTHENTICATED' });
    for (const unknown of ['44444444-4444-4444-8444-444444444444', 'not-a-uuid']) {
      const e = await service.authenticateWebhook(unknown, body, creds(SECRET), now).catch((x: AppError) => x);
      expect(e).toMatchObject({ code: 'UNAUTHENTICATED', message: (wrong as AppError).message });
    }
    // a changed timestamp or delivery id breaks the signature; a stale one is refused before any lookup
    await expect(service.authenticateWebhook(CLUSTER, body, creds(SECRET, { ts: now + 1, signedTs: now }), now)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await expect(service.authenticateWebhook(CLUSTER, body, creds(SECRET, { id: 'd-2' }), now)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await expect(service.authenticateWebhook(CLUSTER, body, creds(SECRET), now + 301)).rejects.toMatchObject({ code: 'UNAUTHENTICATED', message: expect.stringMatching(/300 s/) });
    await expect(service.authenticateWebhook(CLUSTER, body, { ...creds(SECRET), signature: undefined }, now)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('creates and enqueues once per delivery; a repeat with the same body is a duplicate, another body a conflict', async () => {
    const { service, calls } = harness();
    const body = Buffer.from(deployment(2));
    const first = await service.submitFromWebhook(ctx, CLUSTER, { deliveryId: 'd-1', body, event: 'push' });
    expect(first.duplicate).toBe(false);
    expect(first.analysis.meta).toMatchObject({ deliveryId: 'd-1', event: 'push', source: { format: 'text', name: 'manifests.yaml' } });
    const again = await service.submitFromWebhook(ctx, CLUSTER, { deliveryId: undefined, githubDeliveryId: 'd-1', body });
    expect(again).toMatchObject({ duplicate: true, analysis: { id: first.analysis.id } });
    // the repeat of a still-pending delivery re-enqueues (the job id dedupes), so a lost enqueue heals
    expect(calls).toEqual([`analyze ${first.analysis.id}`, `analyze ${first.analysis.id}`]);
    await expect(service.submitFromWebhook(ctx, CLUSTER, { deliveryId: 'd-1', body: Buffer.from(deployment(3)) })).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(service.submitFromWebhook(ctx, CLUSTER, { deliveryId: undefined, body })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('marks the analysis failed and answers UNAVAILABLE when the queue refuses the job', async () => {
    const { service, rows } = harness({ enqueue: () => Promise.reject(new Error('redis down')) });
    await expect(service.submitFromWebhook(ctx, CLUSTER, { deliveryId: 'd-2', body: Buffer.from(deployment(2)) })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect([...rows.values()][0]).toMatchObject({ status: 'failed', error: { message: expect.stringContaining('redis down') } });
  });

  it('lets only writers and admins submit through the API', async () => {
    const { service } = harness();
    await expect(service.submitManifests({ ...ctx, role: 'reader' }, CLUSTER, deployment(1))).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(service.submitManifests(ctx, CLUSTER, deployment(1), 'deploy/nginx.yaml')).resolves.toMatchObject({ analysis: { source: 'api', meta: { source: { format: 'text', name: 'deploy/nginx.yaml' } } } });
  });
});

describe('AnalysesService.run (the worker)', () => {
  it('finishes with the verdict, findings, placements and SARIF against the latest snapshot', async () => {
    const { service, rows } = harness({ stored: row() });
    expect(await service.run(job)).toBe('done');
    const a = rows.get(ANALYSIS) as AnalysisRow & { result: any; sarif: any };
    expect(a).toMatchObject({ status: 'done', verdict: 'fail', snapshotId: 'snap-1' });
    expect(a.result.findings.find((f: any) => f.rule === 'runtime-bind-conflict').source.file).toBe('k8s/web.yaml');
    expect(a.result.placements[0].counts.crashing).toBe(1);
    expect(a.sarif.runs[0].tool.driver.version).toBeTruthy();
    expect(await service.run(job)).toBe('skipped'); // a redelivered job does not redo finished work
  });

  it('checks the manifests alone when the cluster has no ready snapshot, and says so', async () => {
    const { service, rows } = harness({ stored: row(), load: () => Promise.reject(new AppError('SNAPSHOT_NOT_READY', 'none')) });
    expect(await service.run(job)).toBe('done');
    expect(rows.get(ANALYSIS)).toMatchObject({ status: 'done', snapshotId: null, result: { snapshotId: null, placements: [], note: expect.stringMatching(/no ready snapshot/) } });
  });

  it('finishes malformed manifests as verdict fail, not a crashed job', async () => {
    const { service, rows } = harness({ stored: row({ manifests: 'kind: Pod\nmetadata: [\n' }) });
    expect(await service.run(job)).toBe('done');
    expect(rows.get(ANALYSIS)).toMatchObject({ verdict: 'fail', result: { findings: [{ rule: 'input-error', source: { file: 'k8s/web.yaml' } }] } });
  });

  it('throws a transient error for a retry before the last attempt, and fails the row on the last', async () => {
    const down = () => Promise.reject(Object.assign(new Error("Can't reach database server"), { code: 'P1001' }));
    const h = harness({ stored: row(), load: down });
    await expect(h.service.run(job, { final: false })).rejects.toMatchObject({ code: 'P1001' });
    expect(h.rows.get(ANALYSIS)?.status).toBe('running'); // claimed; the retry claims it again
    expect(await h.service.run(job, { final: true })).toBe('failed');
    expect(h.rows.get(ANALYSIS)).toMatchObject({ status: 'failed', error: { transient: true, message: expect.stringContaining('database') } });
  });

  it('fails the row at once on an unexpected error, without a retry', async () => {
    const h = harness({ stored: row(), load: () => Promise.reject(new TypeError('engine bug')) });
    expect(await h.service.run(job, { final: false })).toBe('failed');
    expect(h.rows.get(ANALYSIS)).toMatchObject({ status: 'failed', error: { code: 'INTERNAL', message: expect.stringMatching(/failed unexpectedly \(TypeError\).*logged/), transient: false } });
    // the raw text goes to the log, not the row
    expect(JSON.stringify(h.rows.get(ANALYSIS))).not.toMatch(/engine bug/);
  });
});

describe('AnalysesService.waitFor (?wait)', () => {
  it('answers as soon as the worker says the analysis finished, and as is when the time is up or the client left', async () => {
    const { service, rows, publish } = harness({ stored: row() });
    const stored = rows.get(ANALYSIS) as AnalysisRow;
    setTimeout(() => {
      Object.assign(stored, { status: 'done', verdict: 'pass' });
      publish({ type: 'analysis-finished', tenantId: TENANT, analysisId: ANALYSIS });
    }, 60);
    const t0 = Date.now();
    await expect(service.waitFor(ctx, ANALYSIS, 5, undefined, row())).resolves.toMatchObject({ status: 'done' });
    expect(Date.now() - t0).toBeLessThan(FALLBACK_POLL_MS / 2); // woken by the event, not the fallback re-read

    Object.assign(stored, { status: 'pending' });
    await expect(service.waitFor(ctx, ANALYSIS, 0)).resolves.toMatchObject({ status: 'pending' });
    const gone = new AbortController();
    setTimeout(() => gone.abort(), 30);
    const t1 = Date.now();
    await expect(service.waitFor(ctx, ANALYSIS, 10, gone.signal)).resolves.toMatchObject({ status: 'pending' });
    expect(Date.now() - t1).toBeLessThan(FALLBACK_POLL_MS / 2);
    await expect(service.waitFor(ctx, '44444444-4444-4444-8444-444444444444', 1)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('still answers, by re-reading the row, when no event comes (events connection down)', async () => {
    const { service, rows } = harness({ stored: row() });
    setTimeout(() => Object.assign(rows.get(ANALYSIS) as AnalysisRow, { status: 'done', verdict: 'pass' }), 60);
    const t0 = Date.now();
    await expect(service.waitFor(ctx, ANALYSIS, 5, undefined, row())).resolves.toMatchObject({ status: 'done' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(FALLBACK_POLL_MS - 50);
    expect(Date.now() - t0).toBeLessThan(FALLBACK_POLL_MS * 2);
  });

  it('wakes every waiter on resync (events may have been missed while the connection was down)', async () => {
    const { service, rows, publish } = harness({ stored: row() });
    const stored = rows.get(ANALYSIS) as AnalysisRow;
    setTimeout(() => {
      Object.assign(stored, { status: 'failed' });
      publish({ type: 'resync' });
    }, 80);
    const t0 = Date.now();
    await expect(service.waitFor(ctx, ANALYSIS, 5, undefined, row())).resolves.toMatchObject({ status: 'failed' });
    expect(Date.now() - t0).toBeLessThan(FALLBACK_POLL_MS / 2);
  });
});
