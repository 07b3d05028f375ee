import { createHmac, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { closeProvisioner, createCluster, fixture, gql, http, newTenant, waitSnapshot, type Reply } from './support/client';

afterAll(closeProvisioner);

/** Seed 002's Deployment scaled to `replicas`: hostNetwork nginx, no declared ports. */
const deployment = (replicas: number) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: nginx, namespace: default}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: nginx}
  template:
    metadata:
      labels: {app: nginx}
    spec:
      hostNetwork: true
      containers:
      - {image: "nginx:alpine", name: nginx}
`;

const now = () => Math.floor(Date.now() / 1000);
/** Written out here rather than imported, so the test pins the documented format: `<timestamp>\n<delivery id>\n<body>`. */
const sign = (secret: string, timestamp: number | string, delivery: string, body: string | Buffer) =>
  `v1=${createHmac('sha256', secret).update(`${timestamp}\n${delivery}\n`).update(body).digest('hex')}`;

interface DeliverOpts {
  delivery?: string | null;
  signature?: string | null;
  /** the X-Portolan-Timestamp sent (and signed, unless signature is given); now by default, null for none */
  timestamp?: number | string | null;
  query?: string;
  headers?: Record<string, string>;
}

function deliver(clusterId: string, secret: string, body: string, opts: DeliverOpts = {}): Promise<Reply> {
  const headers: Record<string, string> = { 'content-type': 'application/yaml', ...opts.headers };
  const delivery = opts.delivery === null ? (opts.headers?.['x-github-delivery'] ?? '') : (opts.delivery ?? randomUUID());
  if (opts.delivery !== null) headers['x-portolan-delivery'] = delivery;
  const timestamp = opts.timestamp === undefined ? now() : opts.timestamp;
  if (timestamp !== null) headers['x-portolan-timestamp'] = String(timestamp);
  if (opts.signature !== null) headers['x-portolan-signature'] = opts.signature ?? sign(secret, timestamp ?? '', delivery, body);
  return http('POST', `/v1/webhooks/ci/${clusterId}${opts.query ?? ''}`, { body, headers });
}

async function waitAnalysis(key: string, id: string, timeoutMs = 30_000): Promise<any> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const r = await http('GET', `/v1/analyses/${id}`, { key });
    if (r.body?.status === 'done' || r.body?.status === 'failed') return r.body;
    if (Date.now() > until) throw new Error(`analysis ${id} still ${r.body?.status} after ${timeoutMs} ms`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

/** Rows as the tables' owner sees them (no RLS): proves what was, or was not, stored. */
async function ownerCount(sql: string, params: unknown[]): Promise<number> {
  const c = new Client({ connectionString: process.env['MIGRATION_DATABASE_URL'] });
  await c.connect();
  try {
    return Number((await c.query<{ n: string }>(sql, params)).rows[0]?.n ?? 0);
  } finally {
    await c.end();
  }
}

/** A tenant with a cluster whose latest snapshot is seed 002 (one node, one hostNetwork nginx running). */
async function seed002Cluster(): Promise<{ key: string; id: string; webhookSecret: string; snapshotId: string }> {
  const t = await newTenant('writer');
  const c = await createCluster(t.key);
  expect(c.webhookSecret).toMatch(/^whsec_/);
  const up = await http('POST', `/v1/clusters/${c.id}/snapshots`, { key: t.key, body: fixture('seed-002-hostnetwork-replicas.yaml'), headers: { 'content-type': 'application/yaml' } });
  expect(up.status).toBe(202);
  expect(await waitSnapshot(t.key, up.body.id)).toMatchObject({ status: 'ready' });
  return { key: t.key, ...c, snapshotId: up.body.id };
}

describe('CI webhook', () => {
  let cl: Awaited<ReturnType<typeof seed002Cluster>>;
  beforeAll(async () => {
    cl = await seed002Cluster();
  });

  it('fails seed 002 scaled to two replicas with the crash loop, through the queue and the worker', async () => {
    const r = await deliver(cl.id, cl.webhookSecret, deployment(2), { headers: { 'x-portolan-event': 'push' } });
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({ analysisId: expect.any(String), status: 'pending', duplicate: false });
    expect(r.body.statusUrl).toBe(`/v1/analyses/${r.body.analysisId}`);
    expect(r.body.sarifUrl).toBe(`/v1/analyses/${r.body.analysisId}/sarif`);
    const a = await waitAnalysis(cl.key, r.body.analysisId);
    expect(a).toMatchObject({ status: 'done', verdict: 'fail', source: 'webhook', snapshotId: cl.snapshotId, event: 'push', clusterId: cl.id });
    const crash = a.findings.find((f: any) => f.rule === 'runtime-bind-conflict');
    expect(crash).toMatchObject({ severity: 'error', object: 'Deployment/default/nginx', file: 'manifests.yaml' });
    expect(crash.message).toContain('bind() to 0.0.0.0:80 failed (98: Address in use)');
    expect(a.placements).toEqual([expect.objectContaining({ workload: 'Deployment/default/nginx', replicas: 2, counts: { placed: 1, pending: 0, crashing: 1 } })]);
    expect(a.placements[0].crashing[0]).toMatchObject({ node: '10.1.0.55', reason: 'bind() to 0.0.0.0:80 failed (98: Address in use)' });

    const sarif = await http('GET', `/v1/analyses/${a.id}/sarif`, { key: cl.key });
    expect(sarif.status).toBe(200);
    expect(sarif.headers.get('content-type')).toMatch(/^application\/sarif\+json/);
    expect(sarif.body).toMatchObject({ version: '2.1.0', runs: [{ tool: { driver: { name: 'portolan' } } }] });
    expect(sarif.body.runs[0].results.map((x: any) => x.ruleId)).toContain('runtime-bind-conflict');
  });

  it('answers ?wait=10 with the verdict inline', async () => {
    const r = await deliver(cl.id, cl.webhookSecret, deployment(2), { query: '?wait=10' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'done', verdict: 'fail', duplicate: false });
    expect(r.body.findings.some((f: any) => f.rule === 'runtime-bind-conflict' && f.message.includes('bind() to 0.0.0.0:80 failed (98: Address in use)'))).toBe(true);
    // a Service selecting the running nginx is fine: the same pipeline passes it
    const ok = await deliver(cl.id, cl.webhookSecret, 'apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: default}\nspec:\n  selector: {app: nginx}\n  ports: [{port: 80}]\n', { query: '?wait=10' });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ status: 'done', verdict: 'pass', findings: [] });
  });

  it('is idempotent per delivery id: the same body answers the same analysis, another body 409', async () => {
    const delivery = `ci-${randomUUID()}`;
    const first = await deliver(cl.id, cl.webhookSecret, deployment(2), { delivery });
    expect(first.status).toBe(202);
    const again = await deliver(cl.id, cl.webhookSecret, deployment(2), { delivery, query: '?wait=10' });
    expect([200, 202]).toContain(again.status);
    expect(again.body).toMatchObject({ analysisId: first.body.analysisId, duplicate: true });
    expect(again.headers.get('x-portolan-duplicate')).toBe('true');
    // GitHub's delivery header is the same id space
    const viaGithub = await deliver(cl.id, cl.webhookSecret, deployment(2), { delivery: null, headers: { 'x-github-delivery': delivery } });
    expect(viaGithub.body).toMatchObject({ analysisId: first.body.analysisId, duplicate: true });

    const other = await deliver(cl.id, cl.webhookSecret, deployment(3), { delivery });
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe('CONFLICT');
    expect(await ownerCount('SELECT count(*) AS n FROM webhook_deliveries WHERE cluster_id = $1 AND delivery_id = $2', [cl.id, delivery])).toBe(1);
  });

  it('refuses a missing or wrong signature with 401 and stores nothing', async () => {
    const before = await ownerCount('SELECT count(*) AS n FROM analyses WHERE cluster_id = $1', [cl.id]);
    const body = deployment(2);
    const attempts: Array<(delivery: string, ts: number) => DeliverOpts> = [
      () => ({ signature: null }),
      () => ({ timestamp: null }),
      () => ({ timestamp: 'yesterday' }),
      (d, ts) => ({ signature: sign('whsec_not-the-secret', ts, d, body), timestamp: ts }),
      (d, ts) => ({ signature: sign(cl.webhookSecret, ts, d, `${body}\n`), timestamp: ts }),
      (d, ts) => ({ signature: sign(cl.webhookSecret, ts, d, body).slice(0, 40), timestamp: ts }),
      // the old body-only form is refused: it would let a captured request be replayed forever
      () => ({ signature: `sha256=${createHmac('sha256', cl.webhookSecret).update(body).digest('hex')}` }),
      () => ({ signature: 'v1=zz' }),
    ];
    for (const attempt of attempts) {
      const delivery = `bad-${randomUUID()}`;
      const r = await deliver(cl.id, cl.webhookSecret, body, { ...attempt(delivery, now()), delivery });
      expect(r.status).toBe(401);
      expect(r.body.error.code).toBe('UNAUTHENTICATED');
      expect(await ownerCount('SELECT count(*) AS n FROM webhook_deliveries WHERE delivery_id = $1', [delivery])).toBe(0);
    }
    expect(await ownerCount('SELECT count(*) AS n FROM analyses WHERE cluster_id = $1', [cl.id])).toBe(before);
  });

  it('refuses a captured request replayed under a new delivery id, with a changed timestamp, or outside the window', async () => {
    const body = deployment(2);
    const delivery = `ci-${randomUUID()}`;
    const ts = now();
    const signature = sign(cl.webhookSecret, ts, delivery, body);
    const first = await deliver(cl.id, cl.webhookSecret, body, { delivery, timestamp: ts, signature });
    expect(first.status).toBe(202);
    // the very same request again, inside the window: idempotent
    const again = await deliver(cl.id, cl.webhookSecret, body, { delivery, timestamp: ts, signature });
    expect(again.body).toMatchObject({ analysisId: first.body.analysisId, duplicate: true });
    // the captured body and signature under a new delivery id, or with a fresher timestamp: refused, nothing stored
    const replays: DeliverOpts[] = [
      { delivery: `ci-${randomUUID()}`, timestamp: ts, signature },
      { delivery, timestamp: ts + 1, signature },
      { delivery: `ci-${randomUUID()}`, timestamp: ts + 60, signature },
    ];
    for (const replay of replays) {
      const r = await deliver(cl.id, cl.webhookSecret, body, replay);
      expect(r.status).toBe(401);
      expect(r.body.error.code).toBe('UNAUTHENTICATED');
      expect(await ownerCount('SELECT count(*) AS n FROM webhook_deliveries WHERE delivery_id = $1', [replay.delivery])).toBe(replay.delivery === delivery ? 1 : 0);
    }
    // correctly signed but older (or newer) than WEBHOOK_TOLERANCE_SECONDS (300 s): refused
    for (const stale of [now() - 301, now() + 301]) {
      const d = `ci-${randomUUID()}`;
      const r = await deliver(cl.id, cl.webhookSecret, body, { delivery: d, timestamp: stale });
      expect(r.status).toBe(401);
      expect(r.body.error.message).toMatch(/X-Portolan-Timestamp is more than 300 s/);
      expect(await ownerCount('SELECT count(*) AS n FROM webhook_deliveries WHERE delivery_id = $1', [d])).toBe(0);
    }
    // inside the window, either side of the clock: accepted
    expect((await deliver(cl.id, cl.webhookSecret, body, { timestamp: now() - 250 })).status).toBe(202);
    expect((await deliver(cl.id, cl.webhookSecret, body, { timestamp: now() + 250 })).status).toBe(202);
  });

  it('answers an unknown or malformed cluster exactly as a bad signature (no existence oracle)', async () => {
    const body = deployment(1);
    const answer = async (clusterId: string, secret: string) => {
      const r = await deliver(clusterId, secret, body);
      const { requestId: _ignored, ...error } = r.body.error ?? {};
      return { status: r.status, error, contentType: r.headers.get('content-type'), wwwAuth: r.headers.get('www-authenticate') };
    };
    const badSignature = await answer(cl.id, 'whsec_not-the-secret');
    expect(badSignature.status).toBe(401);
    expect(await answer(randomUUID(), cl.webhookSecret)).toEqual(badSignature);
    expect(await answer(randomUUID(), 'whsec_not-the-secret')).toEqual(badSignature);
    expect(await answer("x' OR '1'='1", cl.webhookSecret)).toEqual(badSignature);
  });

  it('answers a missing delivery id or bad wait 400', async () => {
    const body = deployment(1);
    const noDelivery = await deliver(cl.id, cl.webhookSecret, body, { delivery: null });
    expect(noDelivery.status).toBe(400);
    expect(noDelivery.body.error.message).toMatch(/X-Portolan-Delivery/);
    expect((await deliver(cl.id, cl.webhookSecret, body, { delivery: 'a b' })).status).toBe(400);
    for (const q of ['?wait=31', '?wait=-1', '?wait=abc', '?wait=1.5']) {
      const r = await deliver(cl.id, cl.webhookSecret, body, { query: q });
      expect(r.status).toBe(400);
      expect(r.body.error.details[0].field).toBe('wait');
    }
    const empty = await deliver(cl.id, cl.webhookSecret, '');
    expect(empty.status).toBe(400);
  });

  it('maps findings to repository paths with the envelope form, keeping the commit', async () => {
    const env = JSON.stringify({
      files: [
        { path: 'k8s/svc.yaml', content: 'apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: default}\nspec:\n  selector: {app: web}\n  ports: [{port: 80}]\n' },
        { path: 'k8s/web.yaml', content: deployment(2) },
      ],
      commit: { sha: 'a1b2c3d', ref: 'refs/heads/main', repository: 'acme/shop', url: 'https://github.com/acme/shop/commit/a1b2c3d' },
    });
    const r = await deliver(cl.id, cl.webhookSecret, env, { query: '?wait=10', headers: { 'content-type': 'application/json' } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ verdict: 'fail', commit: { sha: 'a1b2c3d', repository: 'acme/shop' } });
    const files = new Set(r.body.findings.map((f: any) => f.file));
    expect(files).toEqual(new Set(['k8s/svc.yaml', 'k8s/web.yaml']));
    const sarif = await http('GET', r.body.sarifUrl, { key: cl.key });
    const uri = (ruleId: string) => sarif.body.runs[0].results.find((x: any) => x.ruleId === ruleId)?.locations[0].physicalLocation.artifactLocation.uri;
    expect(uri('runtime-bind-conflict')).toBe('k8s/web.yaml');
    expect(uri('service-selector-matches-nothing')).toBe('k8s/svc.yaml');
    const bad = await deliver(cl.id, cl.webhookSecret, JSON.stringify({ files: [{ path: 'a.yaml' }] }));
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/files\[0\]\.content/);
  });

  it('finishes malformed manifests as verdict fail with input errors naming file and line', async () => {
    const env = JSON.stringify({ files: [{ path: 'k8s/broken.yaml', content: 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: a\n    ports:\n    - containerPort: http\n' }] });
    const r = await deliver(cl.id, cl.webhookSecret, env, { query: '?wait=10' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'done', verdict: 'fail' });
    expect(r.body.findings[0]).toMatchObject({ rule: 'input-error', severity: 'error', file: 'k8s/broken.yaml', line: 9 });
  });

  it('checks the manifests alone, and says so, when the cluster has no snapshot', async () => {
    const t = await newTenant();
    const c = await createCluster(t.key);
    const r = await deliver(c.id, c.webhookSecret, deployment(2), { query: '?wait=10' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'done', snapshotId: null, placements: [] });
    expect(r.body.note).toMatch(/no ready snapshot/);
  });
});

describe('analyses over the API', () => {
  it('submits manifests with a writer key (REST and GraphQL) and reads them back', async () => {
    const cl = await seed002Cluster();
    const r = await http('POST', `/v1/clusters/${cl.id}/analyses?wait=10`, { key: cl.key, body: deployment(2), headers: { 'content-type': 'application/yaml', 'x-filename': 'deploy/nginx.yaml' } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ source: 'api', verdict: 'fail' });
    expect(r.body.findings.find((f: any) => f.rule === 'runtime-bind-conflict').file).toBe('deploy/nginx.yaml');
    const asJson = await http('POST', `/v1/clusters/${cl.id}/analyses`, { key: cl.key, json: { manifests: deployment(2) } });
    expect(asJson.status).toBe(202);

    const m = await gql(cl.key, 'mutation($c: ID!, $m: String!) { submitManifests(clusterId: $c, manifests: $m) { id status clusterId } }', { c: cl.id, m: deployment(2) });
    expect(m.body.data.submitManifests).toMatchObject({ status: 'pending', clusterId: cl.id });
    const id = m.body.data.submitManifests.id;
    await waitAnalysis(cl.key, id);
    const q = await gql(cl.key, 'query($id: ID!) { analysis(id: $id) { id status verdict sarif finishedAt findings { rule severity object message fix file line } } }', { id });
    const a = q.body.data.analysis;
    expect(a).toMatchObject({ id, status: 'done', verdict: 'fail' });
    // GraphQL types rule ids as the RuleId enum: the id with '-' as '_'
    expect(a.findings.find((f: any) => f.rule === 'runtime_bind_conflict')).toMatchObject({ severity: 'error', file: 'manifests.yaml', line: expect.any(Number) });
    expect(JSON.parse(a.sarif).version).toBe('2.1.0');
  });

  it('refuses readers, and answers bad input with a 4xx', async () => {
    const reader = await newTenant('reader');
    const c = await http('POST', `/v1/clusters/${randomUUID()}/analyses`, { key: reader.key, body: 'kind: List\n' });
    expect(c.status).toBe(403);
    const w = await newTenant('writer');
    const cl = await createCluster(w.key);
    expect((await http('POST', `/v1/clusters/${cl.id}/analyses`, { key: w.key, body: '' })).status).toBe(400);
    expect((await http('POST', `/v1/clusters/${cl.id}/analyses`, { key: w.key, json: { manifests: 42 } })).status).toBe(400);
    expect((await http('POST', `/v1/clusters/${cl.id}/analyses`, { key: w.key, body: 'x'.repeat(70_000) })).status).toBe(413);
    expect((await http('GET', `/v1/analyses/not-a-uuid`, { key: w.key })).status).toBe(404);
  });

  it("answers another tenant's analysis as not found, over REST and GraphQL", async () => {
    const a = await newTenant();
    const c = await createCluster(a.key);
    const r = await deliver(c.id, c.webhookSecret, deployment(1), { query: '?wait=10' });
    expect(r.body.status).toBe('done');
    const b = await newTenant();
    for (const p of [`/v1/analyses/${r.body.analysisId}`, `/v1/analyses/${r.body.analysisId}/sarif`]) {
      const x = await http('GET', p, { key: b.key });
      expect(x.status).toBe(404);
      expect(x.body.error.code).toBe('NOT_FOUND');
    }
    const g = await gql(b.key, 'query($id: ID!) { analysis(id: $id) { id verdict } }', { id: r.body.analysisId });
    expect(g.body.errors[0].extensions.code).toBe('NOT_FOUND');
    expect(g.body.data.analysis).toBeNull();
    const sub = await gql(b.key, 'mutation($c: ID!) { submitManifests(clusterId: $c, manifests: "kind: List") { id } }', { c: c.id });
    expect(sub.body.errors[0].extensions.code).toBe('NOT_FOUND');
    // the owner still reads it
    expect((await http('GET', `/v1/analyses/${r.body.analysisId}`, { key: a.key })).status).toBe(200);
  });
});
