import { Client } from 'pg';
import { closeProvisioner, createCluster, fixture, gql, http, newTenant, waitSnapshot } from './support/client';

afterAll(closeProvisioner);

/** Rows as the tables' owner sees them (no RLS). */
async function ownerRows<T>(sql: string, params: unknown[]): Promise<T[]> {
  const c = new Client({ connectionString: process.env['MIGRATION_DATABASE_URL'] });
  await c.connect();
  try {
    return (await c.query(sql, params)).rows as T[];
  } finally {
    await c.end();
  }
}

describe('API keys (admin)', () => {
  it('creates a key shown once, lists it by prefix, and revokes it for the next request', async () => {
    const admin = await newTenant('admin');
    const created = await gql(admin.key, 'mutation { createApiKey(name: "ci", role: reader) { key apiKey { id prefix role revokedAt } } }');
    const { key, apiKey } = created.body.data.createApiKey;
    expect(key.startsWith(apiKey.prefix)).toBe(true);
    expect(apiKey).toMatchObject({ role: 'reader', revokedAt: null });
    expect((await http('GET', '/v1/clusters', { key })).status).toBe(200);
    const listed = await http('GET', '/v1/api-keys', { key: admin.key });
    expect(JSON.stringify(listed.body)).not.toContain(key);
    expect(listed.body.items.map((k: { prefix: string }) => k.prefix)).toContain(apiKey.prefix);
    const revoked = await http('DELETE', `/v1/api-keys/${apiKey.id}`, { key: admin.key });
    expect(revoked.body.revokedAt).not.toBeNull();
    expect((await http('GET', '/v1/clusters', { key })).status).toBe(401);
  });

  it('expires a key at its expiresAt (401 like a wrong key), over REST and GraphQL', async () => {
    const admin = await newTenant('admin');
    const soon = new Date(Date.now() + 1500).toISOString();
    const rest = await http('POST', '/v1/api-keys', { key: admin.key, json: { name: 'short', role: 'reader', expiresAt: soon } });
    expect(rest.status).toBe(201);
    expect(rest.body.apiKey.expiresAt).toBe(soon);
    const gq = await gql(admin.key, 'mutation($at: DateTime) { createApiKey(name: "short-gql", role: reader, expiresAt: $at) { key apiKey { expiresAt } } }', { at: soon });
    expect(gq.body.data.createApiKey.apiKey.expiresAt).toBe(soon);
    const wrong = await http('GET', '/v1/clusters', { key: `${rest.body.key}x` });
    for (const key of [rest.body.key, gq.body.data.createApiKey.key]) expect((await http('GET', '/v1/clusters', { key })).status).toBe(200);
    await new Promise((r) => setTimeout(r, Date.parse(soon) - Date.now() + 100));
    for (const key of [rest.body.key, gq.body.data.createApiKey.key]) {
      const r = await http('GET', '/v1/clusters', { key });
      expect({ status: r.status, body: r.body }).toEqual({ status: wrong.status, body: wrong.body });
    }
    expect(wrong.status).toBe(401);
    // a past or malformed expiry is a 400 naming the field
    for (const expiresAt of [new Date(Date.now() - 1000).toISOString(), 'tomorrow', 12]) {
      const r = await http('POST', '/v1/api-keys', { key: admin.key, json: { name: 'x', role: 'reader', expiresAt } });
      expect(r.status).toBe(400);
      expect(JSON.stringify(r.body.error)).toContain('expiresAt');
    }
  });

  it('shows lastUsedAt in listings once a key is used, written once per few minutes', async () => {
    const admin = await newTenant('admin');
    const created = await http('POST', '/v1/api-keys', { key: admin.key, json: { name: 'used', role: 'reader' } });
    const { key, apiKey } = created.body;
    expect(apiKey.lastUsedAt).toBeNull();
    const before = Date.now();
    for (let i = 0; i < 5; i++) expect((await http('GET', '/v1/clusters', { key })).status).toBe(200);
    const listed = async () => (await http('GET', '/v1/api-keys', { key: admin.key })).body.items.find((k: { id: string }) => k.id === apiKey.id);
    const until = Date.now() + 10_000;
    while ((await listed()).lastUsedAt === null && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
    const first = (await listed()).lastUsedAt;
    expect(Date.parse(first)).toBeGreaterThanOrEqual(before - 1000);
    // more requests within the granularity do not write again
    for (let i = 0; i < 3; i++) await http('GET', '/v1/clusters', { key });
    await new Promise((r) => setTimeout(r, 1500));
    expect((await listed()).lastUsedAt).toBe(first);
    const gq = await gql(admin.key, '{ apiKeys { id lastUsedAt expiresAt } }');
    expect(gq.body.data.apiKeys.find((k: { id: string }) => k.id === apiKey.id)).toEqual({ id: apiKey.id, lastUsedAt: first, expiresAt: null });
  });

  it('refuses non-admins, and answers another tenant\'s key as not found', async () => {
    const writer = await newTenant('writer');
    expect((await http('POST', '/v1/api-keys', { key: writer.key, json: { name: 'x', role: 'admin' } })).status).toBe(403);
    const a = await newTenant('admin');
    const b = await newTenant('admin');
    const k = await http('POST', '/v1/api-keys', { key: a.key, json: { name: 'mine', role: 'reader' } });
    expect(k.status).toBe(201);
    expect((await http('DELETE', `/v1/api-keys/${k.body.apiKey.id}`, { key: b.key })).status).toBe(404);
    expect((await http('POST', '/v1/api-keys', { key: a.key, json: { name: 'x', role: 'root' } })).status).toBe(400);
  });
});

describe("a snapshot's objects", () => {
  it('lists nodes, pods (filtered), workloads and services as paged connections', async () => {
    const t = await newTenant();
    const c = await createCluster(t.key);
    const up = await http('POST', `/v1/clusters/${c.id}/snapshots`, { key: t.key, body: fixture('seed-001-exposure-modes.yaml') });
    const s = await waitSnapshot(t.key, up.body.id);
    const q = `query($id: ID!) { snapshot(id: $id) {
      nodes(first: 2) { totalCount pageInfo { hasNextPage endCursor } edges { node { name internalIP podCIDRs } } }
      hostNet: pods(first: 5, hostNetwork: true) { totalCount edges { node { namespace name nodeName podIP hostPorts } } }
      onA: pods(first: 5, node: "node-a") { edges { node { name hostPorts } } }
      services(first: 5) { edges { node { name type clusterIP ports selector { key value } } } }
      workloads(first: 1) { totalCount }
    } }`;
    const r = await gql(t.key, q, { id: s.id });
    expect(r.body.errors).toBeUndefined();
    const d = r.body.data.snapshot;
    expect(d.nodes.totalCount).toBe(3);
    expect(d.nodes.pageInfo.hasNextPage).toBe(true);
    expect(d.nodes.edges.map((e: { node: { name: string } }) => e.node.name)).toEqual(['node-a', 'node-b']);
    const next = await gql(t.key, 'query($id: ID!, $after: String) { snapshot(id: $id) { nodes(first: 2, after: $after) { edges { node { name } } pageInfo { hasNextPage } } } }', { id: s.id, after: d.nodes.pageInfo.endCursor });
    expect(next.body.data.snapshot.nodes).toEqual({ edges: [{ node: { name: 'node-c' } }], pageInfo: { hasNextPage: false } });
    expect(d.hostNet).toEqual({ totalCount: 1, edges: [{ node: { namespace: 'demo', name: 'node-agent', nodeName: 'node-b', podIP: '192.168.1.11', hostPorts: ['0.0.0.0:9100/TCP -> 9100'] } }] });
    expect(d.onA.edges.map((e: { node: { name: string } }) => e.node.name).sort()).toEqual(['client-0', 'web-hostport']);
    expect(d.services.edges.find((e: { node: { name: string } }) => e.node.name === 'api').node).toEqual({ name: 'api', type: 'NodePort', clusterIP: '10.96.20.20', ports: ['http 80/TCP -> http nodePort 30080'], selector: [{ key: 'app', value: 'api' }] });
    expect(d.workloads.totalCount).toBe(0);
  });
});

describe('object cursors', () => {
  const nodesQ = 'query($id: ID!, $after: String) { snapshot(id: $id) { nodes(first: 1, after: $after) { edges { cursor node { name } } pageInfo { endCursor } } } }';
  const upload = async (key: string) => {
    const c = await createCluster(key);
    const up = await http('POST', `/v1/clusters/${c.id}/snapshots`, { key, body: fixture('seed-001-exposure-modes.yaml') });
    return (await waitSnapshot(key, up.body.id)).id as string;
  };

  it('are opaque (no row id or counter) and refused, never answered, for another tenant or snapshot', async () => {
    const a = await newTenant();
    const b = await newTenant();
    const [a1, a2, b1] = [await upload(a.key), await upload(a.key), await upload(b.key)];
    const first = await gql(a.key, nodesQ, { id: a1 });
    const cursor: string = first.body.data.snapshot.nodes.pageInfo.endCursor;
    expect(first.body.data.snapshot.nodes.edges[0].cursor).toBe(cursor);
    const rowIds = await ownerRows<{ id: string }>("SELECT id::text AS id FROM snapshot_objects WHERE snapshot_id = $1 AND kind = 'Node'", [a1]);
    expect(rowIds.length).toBe(3);
    expect(cursor).not.toMatch(/^\d+$/);
    // the same position read twice answers different cursors: nothing to subtract
    expect((await gql(a.key, nodesQ, { id: a1 })).body.data.snapshot.nodes.pageInfo.endCursor).not.toBe(cursor);
    const next = await gql(a.key, nodesQ, { id: a1, after: cursor });
    expect(next.body.data.snapshot.nodes.edges.map((e: { node: { name: string } }) => e.node.name)).toEqual(['node-b']);
    // another snapshot of the same tenant, another tenant's snapshot, a bare row id (the old form): INVALID_INPUT on after
    for (const [key, id, after] of [[a.key, a2, cursor], [b.key, b1, cursor], [a.key, a1, rowIds[0]?.id]] as const) {
      const r = await gql(key, nodesQ, { id, after });
      // (extensions.code is still INTERNAL_SERVER_ERROR for errors of field resolvers: the error mapping's business)
      expect(r.body.errors?.[0]).toMatchObject({ message: expect.stringMatching(/^after is not a cursor of this list/), path: ['snapshot', 'nodes'] });
      expect(r.body.data?.snapshot ?? null).toBeNull();
    }
  });
});

describe('the portal pages', () => {
  it('serves GraphiQL and the OpenAPI docs from this server (no CDN)', async () => {
    const page = await http('GET', '/graphql', { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.body).toContain('graphiql');
    expect(page.body).not.toMatch(/https?:\/\/(unpkg|cdn|esm\.sh|cdnjs)/);
    for (const asset of (page.body as string).match(/\/_assets\/[^"']+/g) ?? []) {
      expect((await fetch(`${process.env['E2E_BASE_URL']}${asset}`)).status).toBe(200);
    }
    const docs = await http('GET', '/docs');
    expect(docs.status).toBe(200);
    expect(docs.body).not.toMatch(/https?:\/\/(unpkg|cdn|cdnjs)/);
    const spec = await http('GET', '/docs/openapi.json');
    expect(spec.body.openapi).toMatch(/^3\./);
    expect(Object.keys(spec.body.paths)).toContain('/v1/clusters/{id}/traffic-path');
  });
});
