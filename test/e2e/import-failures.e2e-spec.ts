import pg from 'pg';
import { closeProvisioner, createCluster, http, newTenant, waitSnapshot } from './support/client';

// Issue 9: uploads whose import failed for a reason other than a typed field error stayed `pending` forever, and a
// re-upload of the same content answered that stuck row. Each case here must end `failed` with a bounded reason.
afterAll(closeProvisioner);

const node = (metadata: Record<string, unknown>) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', ...metadata }, status: { allocatable: { pods: '110' } } });
// built as text: JSON.stringify itself overflows the stack at this depth
const nestedJson = (depth: number): string => `${JSON.stringify(node({})).slice(0, -1)},"spec":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`;

async function upload(key: string, clusterId: string, body: string | Uint8Array, name = 'up.json') {
  const r = await http('POST', `/v1/clusters/${clusterId}/snapshots`, { key, body, headers: { 'x-filename': name } });
  expect(r.status).toBe(202);
  return r.body as { id: string; duplicate: boolean };
}

describe('an import that cannot be stored ends failed, naming where', () => {
  const cases: Array<[string, string, { field?: string; message: RegExp }]> = [
    ['a NUL in a JSON string', JSON.stringify(node({ labels: { a: 'x\u0000y' } })), { field: 'metadata.labels.a', message: /NUL/ }],
    ['a NUL in a key', JSON.stringify(node({ annotations: { 'k\u0000': 'v' } })), { field: 'metadata.annotations', message: /NUL/ }],
    ['a lone surrogate', JSON.stringify(node({ annotations: { a: 'x\ud800y' } })), { field: 'metadata.annotations.a', message: /surrogate/ }],
    ['a name longer than Kubernetes allows', JSON.stringify(node({ name: 'n'.repeat(5000) })), { field: 'metadata.name', message: /253/ }],
    ['JSON nested 5,000 deep', nestedJson(5000), { message: /nested/ }],
    ['YAML flow nested 5,000 deep', `apiVersion: v1\nkind: Node\nmetadata: {name: n1}\nspec: ${'['.repeat(5000)}${']'.repeat(5000)}\n`, { message: /nested|YAML/ }],
  ];
  it.each(cases)('%s', async (_what, text, expected) => {
    const a = await newTenant();
    const c = await createCluster(a.key);
    const up = await upload(a.key, c.id, text);
    const done = await waitSnapshot(a.key, up.id, 20_000);
    expect(done.status).toBe('failed');
    expect(done.error.message).toMatch(expected.message);
    if (expected.field) expect(done.error).toMatchObject({ file: 'up.json', field: expected.field });
  });

  it('never echoes a large input: the stored reason is capped', async () => {
    const a = await newTenant();
    const c = await createCluster(a.key);
    const up = await upload(a.key, c.id, JSON.stringify(['y'.repeat(1_500_000)]));
    const done = await waitSnapshot(a.key, up.id, 20_000);
    expect(done.status).toBe('failed');
    expect(done.error.message).toMatch(/expected a Kubernetes object/);
    expect(JSON.stringify(done).length).toBeLessThan(8192);
  });

  it('refuses one large string aliased many times (a size budget on alias expansion)', async () => {
    const a = await newTenant();
    const c = await createCluster(a.key);
    const big = 'z'.repeat(200_000);
    const refs = Array.from({ length: 900 }, (_, i) => `    k${i}: *big`).join('\n');
    const text = `apiVersion: v1\nkind: Node\nmetadata:\n  name: n1\n  annotations:\n    seed: &big ${big}\n${refs}\n`;
    const up = await upload(a.key, c.id, text, 'aliases.yaml');
    const done = await waitSnapshot(a.key, up.id, 20_000);
    expect(done.status).toBe('failed');
    expect(done.error).toMatchObject({ file: 'aliases.yaml', message: expect.stringMatching(/alias/) });
  });

  it('tries a re-upload of content whose last import failed again instead of answering the failed row', async () => {
    const a = await newTenant();
    const c = await createCluster(a.key);
    const text = JSON.stringify(node({ labels: { a: '\u0000' } }));
    const first = await upload(a.key, c.id, text);
    expect((await waitSnapshot(a.key, first.id, 20_000)).status).toBe('failed');
    const again = await upload(a.key, c.id, text);
    expect(again).toMatchObject({ duplicate: false });
    expect(again.id).not.toBe(first.id);
    expect((await waitSnapshot(a.key, again.id, 20_000)).status).toBe('failed');
  });
});

describe('an analysis of manifests that cannot be stored ends with input-error findings', () => {
  it('reports a NUL in a name as an input error, not a database message', async () => {
    const a = await newTenant();
    const c = await createCluster(a.key);
    const manifest = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web\u0000x', namespace: 'default' }, spec: { selector: { matchLabels: { app: 'w' } }, template: { metadata: { labels: { app: 'w' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } } };
    const r = await http('POST', `/v1/clusters/${c.id}/analyses?wait=20`, { key: a.key, body: JSON.stringify(manifest), headers: { 'content-type': 'application/yaml' } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'done', verdict: 'fail' });
    expect(r.body.findings).toEqual(expect.arrayContaining([expect.objectContaining({ rule: 'input-error', message: expect.stringMatching(/metadata\.name: .*NUL/) })]));
    expect(JSON.stringify(r.body)).not.toMatch(/unsupported Unicode|invalid input syntax|22P05/);
  });
});

describe('the job sweep ends open rows whose job is gone', () => {
  it('fails a pending snapshot and a running analysis that no queue holds, with the reason', async () => {
    const a = await newTenant();
    const c = await createCluster(a.key);
    // as the owner: rows as a lost enqueue (or a queue that lost its data) leaves them
    const owner = new pg.Client({ connectionString: process.env['MIGRATION_DATABASE_URL'] });
    await owner.connect();
    try {
      const s = await owner.query<{ id: string }>(`INSERT INTO snapshots (tenant_id, cluster_id, source, status) VALUES ($1, $2, 'upload', 'pending') RETURNING id`, [a.tenantId, c.id]);
      const an = await owner.query<{ id: string }>(`INSERT INTO analyses (tenant_id, cluster_id, source, status, manifests) VALUES ($1, $2, 'api', 'running', '') RETURNING id`, [a.tenantId, c.id]);
      const snap = await waitSnapshot(a.key, s.rows[0]!.id, 20_000);
      expect(snap).toMatchObject({ status: 'failed', error: { message: expect.stringMatching(/no longer queued/) } });
      const until = Date.now() + 20_000;
      let analysis: any;
      do {
        await new Promise((r) => setTimeout(r, 200));
        analysis = (await http('GET', `/v1/analyses/${an.rows[0]!.id}`, { key: a.key })).body;
      } while (analysis.status === 'running' && Date.now() < until);
      expect(analysis).toMatchObject({ status: 'failed', error: expect.stringMatching(/no longer queued/) });
    } finally {
      await owner.end();
    }
  });
});
