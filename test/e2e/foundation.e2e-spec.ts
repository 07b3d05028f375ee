import { gzipSync } from 'node:zlib';
import { closeProvisioner, createCluster, fixture, gql, http, newTenant, waitSnapshot } from './support/client';

afterAll(closeProvisioner);

describe('authentication', () => {
  it('answers 401 and nothing else without a key, with a wrong key, and with a malformed header', async () => {
    const attempts: Array<Record<string, string>> = [{}, { authorization: 'Bearer ptl_not-a-real-key' }, { authorization: 'Basic dXNlcjpwYXNz' }];
    for (const headers of attempts) {
      const r = await http('GET', '/v1/clusters', { headers });
      expect(r.status).toBe(401);
      expect(r.body).toEqual({ error: { code: 'UNAUTHENTICATED', message: expect.any(String) } });
      expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
    const g = await http('POST', '/graphql', { json: { query: '{ clusters { totalCount } }' } });
    expect(g.status).toBe(401);
  });

  it('serves health without a key', async () => {
    expect((await http('GET', '/healthz')).body).toEqual({ status: 'ok' });
    expect((await http('GET', '/readyz')).body).toMatchObject({ status: 'ok', checks: { postgres: 'ok', queue: 'ok' } });
  });

  it('lets a reader read but not write', async () => {
    const t = await newTenant('reader');
    expect((await http('GET', '/v1/clusters', { key: t.key })).status).toBe(200);
    const r = await http('POST', '/v1/clusters', { key: t.key, json: { name: 'nope' } });
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('FORBIDDEN');
  });
});

describe('tenant isolation through the API', () => {
  it("answers another tenant's cluster and snapshot as not found, over REST and GraphQL", async () => {
    const a = await newTenant();
    const b = await newTenant();
    const c = await createCluster(a.key, 'private');
    const up = await http('POST', `/v1/clusters/${c.id}/snapshots`, { key: a.key, body: fixture('seed-000-hostnetwork-and-hostport.yaml'), headers: { 'content-type': 'application/yaml' } });
    expect(up.status).toBe(202);

    for (const p of [`/v1/clusters/${c.id}`, `/v1/clusters/${c.id}/snapshots`, `/v1/snapshots/${up.body.id}`]) {
      const r = await http('GET', p, { key: b.key });
      expect(r.status).toBe(404);
      expect(r.body.error.code).toBe('NOT_FOUND');
    }
    const upload = await http('POST', `/v1/clusters/${c.id}/snapshots`, { key: b.key, body: 'apiVersion: v1\nkind: List\nitems: []\n' });
    expect(upload.status).toBe(404);

    const g = await gql(b.key, 'query($id: ID!) { cluster(id: $id) { name } }', { id: c.id });
    expect(g.body.errors[0].extensions.code).toBe('NOT_FOUND');
    const s = await gql(b.key, 'query($id: ID!) { snapshot(id: $id) { status } }', { id: up.body.id });
    expect(s.body.errors[0].extensions.code).toBe('NOT_FOUND');
    const list = await gql(b.key, '{ clusters { totalCount edges { node { id } } } }');
    expect(list.body.data.clusters).toEqual({ totalCount: 0, edges: [] });
    // The owner still sees it: the 404 above is isolation, not a broken id.
    expect((await http('GET', `/v1/clusters/${c.id}`, { key: a.key })).status).toBe(200);
  });

  it('answers a malformed id as not found, never a 500', async () => {
    const a = await newTenant();
    const r = await http('GET', `/v1/clusters/${encodeURIComponent("1' OR '1'='1")}`, { key: a.key });
    expect(r.status).toBe(404);
  });
});

describe('snapshot import: API enqueues, the worker process parses and stores, the API reads', () => {
  it('turns an upload into a ready snapshot with counts', async () => {
    const a = await newTenant();
    const c = await createCluster(a.key);
    const up = await http('POST', `/v1/clusters/${c.id}/snapshots`, { key: a.key, body: fixture('seed-001-exposure-modes.yaml'), headers: { 'content-type': 'application/yaml' } });
    expect(up.status).toBe(202);
    expect(up.body).toMatchObject({ status: 'pending', statusUrl: `/v1/snapshots/${up.body.id}`, duplicate: false });
    const done = await waitSnapshot(a.key, up.body.id);
    expect(done).toMatchObject({ status: 'ready', counts: { nodes: 3, pods: 5, services: 2 } });
    const g = await gql(a.key, 'query($id: ID!) { cluster(id: $id) { snapshots(first: 5) { totalCount edges { node { id status } } } } }', { id: c.id });
    expect(g.body.data.cluster.snapshots).toEqual({ totalCount: 1, edges: [{ node: { id: up.body.id, status: 'ready' } }] });
  });

  it('accepts gzip and recognises identical content by its hash', async () => {
    const a = await newTenant();
    const c = await createCluster(a.key);
    const text = fixture('seed-002-hostnetwork-replicas.yaml');
    const first = await http('POST', `/v1/clusters/${c.id}/snapshots`, { key: a.key, body: gzipSync(text), headers: { 'content-type': 'application/gzip' } });
    await waitSnapshot(a.key, first.body.id);
    const again = await http('POST', `/v1/clusters/${c.id}/snapshots`, { key: a.key, body: text, headers: { 'content-type': 'application/yaml' } });
    expect(again.body).toMatchObject({ id: first.body.id, duplicate: true, status: 'ready' });
  });

  it('fails a malformed upload with the document, line and field, storing no object', async () => {
    const a = await newTenant();
    const c = await createCluster(a.key);
    const bad = 'apiVersion: v1\nkind: Node\nmetadata: {name: n1}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: d}\nspec:\n  containers:\n  - name: a\n    ports:\n    - containerPort: http\n';
    const up = await http('POST', `/v1/clusters/${c.id}/snapshots`, { key: a.key, body: bad, headers: { 'x-filename': 'broken.yaml' } });
    const done = await waitSnapshot(a.key, up.body.id);
    expect(done.status).toBe('failed');
    expect(done.error).toMatchObject({ file: 'broken.yaml', document: 2, line: 12, field: 'spec.containers[0].ports[0].containerPort' });
    expect(done.counts).toBeNull();
  });
});

describe('bad input gets a 4xx that names the problem', () => {
  it('rejects malformed JSON, an oversized body and an invalid cluster', async () => {
    const a = await newTenant();
    const malformed = await http('POST', '/v1/clusters', { key: a.key, body: '{"name": ', headers: { 'content-type': 'application/json' } });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.message).toMatch(/malformed JSON/);
    const huge = await http('POST', '/v1/clusters', { key: a.key, json: { name: 'x'.repeat(70_000) } });
    expect(huge.status).toBe(413);
    const invalid = await http('POST', '/v1/clusters', { key: a.key, json: { name: 'Bad Name!', nodePortRange: 'lots' } });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.message).toMatch(/name: must be a DNS-1123 name/);
    const dup = await createCluster(a.key, 'twice');
    expect(dup.id).toBeTruthy();
    expect((await http('POST', '/v1/clusters', { key: a.key, json: { name: 'twice' } })).status).toBe(409);
  });

  it('streams uploads under a limit counted after decompression (MAX_UPLOAD_BYTES is 2 MiB here)', async () => {
    const a = await newTenant();
    const c = await createCluster(a.key);
    const big = await http('POST', `/v1/clusters/${c.id}/snapshots`, { key: a.key, body: 'x'.repeat(3 * 1024 * 1024) });
    expect(big.status).toBe(413);
    const bomb = await http('POST', `/v1/clusters/${c.id}/snapshots`, { key: a.key, body: gzipSync(Buffer.alloc(3 * 1024 * 1024, ' ')), headers: { 'content-type': 'application/gzip' } });
    expect(bomb.status).toBe(413);
    expect(bomb.body.error.message).toMatch(/uncompressed/);
    const empty = await http('POST', `/v1/clusters/${c.id}/snapshots`, { key: a.key, body: '' });
    expect(empty.status).toBe(400);
    // a kubectl -o json upload is not swallowed by the JSON body parser (whose limit is 64 KiB here)
    const json = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: Array.from({ length: 700 }, (_, i) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name: `n${i}` }, status: { allocatable: { pods: '110' } } })) });
    expect(json.length).toBeGreaterThan(65536);
    const up = await http('POST', `/v1/clusters/${c.id}/snapshots`, { key: a.key, body: json, headers: { 'content-type': 'application/json' } });
    expect(up.status).toBe(202);
    expect((await waitSnapshot(a.key, up.body.id)).counts.nodes).toBe(700);
  });

  it('refuses GraphQL queries over the cost limit with a stable code', async () => {
    const a = await newTenant();
    const r = await gql(a.key, '{ clusters(first: 100) { edges { node { snapshots(first: 100) { edges { node { id } } } } } } }');
    expect(r.status).toBe(400);
    expect(r.body.errors[0].extensions.code).toBe('QUERY_TOO_COMPLEX');
  });
});
