import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { asTenantId } from '@portolan/contracts';
import { TenantProvisioner } from '@portolan/persistence';
import { closeProvisioner, createCluster, gql, http, newTenant } from './support/client';

// The real worker process lists a Kubernetes API server with @kubernetes/client-node; here that server is a
// loopback HTTP server in this test process answering with recorded list responses (test/fixtures/kube-api).
const FIXTURES = path.resolve(__dirname, '../fixtures/kube-api');
const ROUTES: Record<string, string> = {
  '/api/v1/pods': 'pods.json',
  '/api/v1/services': 'services.json',
  '/apis/discovery.k8s.io/v1/endpointslices': 'endpointslices.json',
  '/apis/apps/v1/deployments': 'deployments.json',
  '/apis/apps/v1/daemonsets': 'daemonsets.json',
  '/apis/apps/v1/statefulsets': 'statefulsets.json',
  '/apis/apps/v1/replicasets': 'replicasets.json',
  '/api/v1/namespaces': 'namespaces.json',
  '/api/v1/persistentvolumes': 'persistentvolumes.json',
  '/api/v1/persistentvolumeclaims': 'persistentvolumeclaims.json',
  '/apis/storage.k8s.io/v1/storageclasses': 'storageclasses.json',
  '/apis/storage.k8s.io/v1/csinodes': 'csinodes.json',
  '/apis/policy/v1/poddisruptionbudgets': 'poddisruptionbudgets.json',
  '/apis/scheduling.k8s.io/v1/priorityclasses': 'priorityclasses.json',
  '/version': 'version.json',
};
const TOKEN = 'e2e-recorded-sa-token';

interface KubeServer {
  url: string;
  fail: boolean;
  /** answer 302 to this origin (same path) instead of the recording */
  redirectTo: string | null;
  requests: Array<{ path: string; continue: string | null; authorization?: string }>;
  close(): Promise<void>;
}

async function startKube(): Promise<KubeServer> {
  const page1 = readFileSync(path.join(FIXTURES, 'nodes-page1.json'), 'utf8');
  const cont = (JSON.parse(page1) as { metadata: { continue: string } }).metadata.continue;
  const state: KubeServer = { url: '', fail: false, redirectTo: null, requests: [], close: async () => undefined };
  const server: Server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    state.requests.push({ path: u.pathname, continue: u.searchParams.get('continue'), authorization: req.headers.authorization });
    const send = (code: number, body: string) => res.writeHead(code, { 'content-type': 'application/json' }).end(body);
    if (state.fail) return send(500, JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'etcdserver: request timed out', reason: 'InternalError', code: 500 }));
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return send(401, JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'Unauthorized', code: 401 }));
    if (state.redirectTo) return res.writeHead(302, { location: `${state.redirectTo}${req.url ?? '/'}` }).end();
    const file = u.pathname === '/api/v1/nodes' ? (u.searchParams.get('continue') === cont ? 'nodes-page2.json' : 'nodes-page1.json') : ROUTES[u.pathname];
    if (!file) return send(404, JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 404 }));
    send(200, readFileSync(path.join(FIXTURES, file), 'utf8'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return state;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function snapshots(key: string, clusterId: string): Promise<any[]> {
  const r = await http('GET', `/v1/clusters/${clusterId}/snapshots?first=100`, { key });
  expect(r.status).toBe(200);
  return r.body.items;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(150);
  }
}

let kube: KubeServer;
const cleanups: Array<() => Promise<unknown>> = [];
beforeAll(async () => {
  kube = await startKube();
});
beforeEach(() => {
  kube.fail = false;
  kube.redirectTo = null;
});
afterAll(async () => {
  // The API and worker outlive this file: never leave a scheduler firing at a closed server.
  for (const c of cleanups) await c().catch(() => undefined);
  await kube.close();
  await closeProvisioner();
});

const source = (over: Record<string, unknown> = {}) => ({ apiServer: kube.url, token: TOKEN, insecureSkipTLSVerify: true, schedule: '*/2 * * * * *', ...over });

describe('scheduled import from a Kubernetes API server', () => {
  it('stores a snapshot on schedule; a failing server records the error and keeps the ready snapshot; clearing stops the runs', async () => {
    const a = await newTenant('writer');
    // retention 1: before the fix, the first failed run pushed the only ready snapshot out
    const created = await http('POST', '/v1/clusters', { key: a.key, json: { name: `sched-${Date.now()}`, retention: 1 } });
    expect(created.status).toBe(201);
    const clusterId: string = created.body.cluster.id;
    cleanups.push(() => http('DELETE', `/v1/clusters/${clusterId}/import-source`, { key: a.key }));

    const put = await http('PUT', `/v1/clusters/${clusterId}/import-source`, { key: a.key, json: source() });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ clusterId, apiServer: kube.url, auth: 'token', schedule: '*/2 * * * * *', insecureSkipTLSVerify: true, lastRun: null });
    expect(put.body.resources).toHaveLength(17);
    expect(JSON.stringify(put.body)).not.toContain(TOKEN);
    expect(JSON.stringify(put.body)).not.toMatch(/sealed|v1\./);
    expect((await http('GET', `/v1/clusters/${clusterId}`, { key: a.key })).body.hasImportSource).toBe(true);

    const ready = await waitFor('a ready scheduled snapshot', async () => (await snapshots(a.key, clusterId)).find((s) => s.source === 'schedule' && s.status === 'ready'));
    expect(ready.counts).toMatchObject({ nodes: 3, pods: 6, services: 2, endpointSlices: 2 });
    expect(kube.requests.length).toBeGreaterThanOrEqual(9);
    expect(kube.requests.every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
    expect(kube.requests.filter((r) => r.path === '/api/v1/nodes').some((r) => r.continue)).toBe(true);
    const objects = await gql(a.key, 'query($id: ID!) { snapshot(id: $id) { id status source } }', { id: ready.id });
    expect(objects.body.data.snapshot).toEqual({ id: ready.id, status: 'ready', source: 'schedule' });
    // the API server's own /version (v1.33.4) is stored as the snapshot's ClusterProfile: its release picks the texts
    expect(kube.requests.some((r) => r.path === '/version')).toBe(true);
    const owner = new pg.Client({ connectionString: process.env['MIGRATION_DATABASE_URL'] });
    await owner.connect();
    try {
      const profiles = await owner.query("SELECT raw FROM snapshot_objects WHERE snapshot_id = $1 AND kind = 'ClusterProfile'", [ready.id]);
      expect(profiles.rows.map((r) => r.raw.spec)).toEqual([{ kubernetesVersion: '1.33.4' }]);
    } finally {
      await owner.end();
    }

    // The API server starts failing: each run leaves a failed snapshot naming it; the ready one stays.
    const switchedAt = Date.now();
    kube.fail = true;
    const failedRuns = await waitFor('two failed scheduled runs', async () => {
      const f = (await snapshots(a.key, clusterId)).filter((s) => s.source === 'schedule' && s.status === 'failed' && Date.parse(s.createdAt) >= switchedAt - 500);
      return f.length >= 2 && f;
    });
    expect(failedRuns[0].error.message).toContain(`GET ${kube.url}/api/v1/nodes`);
    expect(failedRuns[0].error.message).toMatch(/failed: HTTP 500 \(etcdserver: request timed out\) after 3 attempts$/);
    const all = await snapshots(a.key, clusterId);
    const readyLeft = all.filter((s) => s.status === 'ready');
    expect(readyLeft).toHaveLength(1);
    expect(Date.parse(readyLeft[0].createdAt)).toBeLessThan(Date.parse(failedRuns[0].createdAt));
    expect((await http('GET', `/v1/snapshots/${readyLeft[0].id}`, { key: a.key })).body).toMatchObject({ status: 'ready', counts: { nodes: 3 } });
    const latest = await gql(a.key, 'query($id: ID!) { cluster(id: $id) { snapshots(first: 20) { edges { node { id status } } } } }', { id: clusterId });
    expect(latest.body.data.cluster.snapshots.edges.map((e: any) => e.node).find((n: any) => n.status === 'ready').id).toBe(readyLeft[0].id);

    const described = await waitFor('the last run to show as failed', async () => {
      const d = await http('GET', `/v1/clusters/${clusterId}/import-source`, { key: a.key });
      return d.body.lastRun?.status === 'failed' && d.body;
    });
    expect(described.lastRun.error).toMatch(/HTTP 500/);
    expect(described.nextRunAt).toEqual(expect.any(String));

    // Cleared: no source, no scheduler, no more runs.
    expect((await http('DELETE', `/v1/clusters/${clusterId}/import-source`, { key: a.key })).status).toBe(204);
    expect((await http('GET', `/v1/clusters/${clusterId}/import-source`, { key: a.key })).status).toBe(404);
    await sleep(2500); // a run already started may still finish
    const before = (await snapshots(a.key, clusterId)).length;
    const requestsBefore = kube.requests.length;
    await sleep(4500);
    expect((await snapshots(a.key, clusterId)).length).toBe(before);
    expect(kube.requests.length).toBe(requestsBefore);
  });

  it('runs once on demand over GraphQL, and exposes the source without its credential', async () => {
    const a = await newTenant('admin');
    const c = await createCluster(a.key);
    cleanups.push(() => gql(a.key, 'mutation($id: ID!) { clearImportSource(clusterId: $id) }', { id: c.id }));
    const set = await gql(a.key, 'mutation($id: ID!, $input: ImportSourceInput!) { setImportSource(clusterId: $id, input: $input) { apiServer auth schedule resources lastRun { status } } }', {
      id: c.id,
      input: source({ schedule: '0 3 1 1 *', resources: ['nodes', 'pods', 'services', 'endpointslices'] }),
    });
    expect(set.body.errors).toBeUndefined();
    expect(set.body.data.setImportSource).toEqual({ apiServer: kube.url, auth: 'token', schedule: '0 3 1 1 *', resources: ['nodes', 'pods', 'services', 'endpointslices'], lastRun: null });

    const run = await gql(a.key, 'mutation($id: ID!) { runImportNow(clusterId: $id) }', { id: c.id });
    expect(run.body.data.runImportNow).toBe(true);
    const q = 'query($id: ID!) { cluster(id: $id) { hasImportSource importSource { apiServer lastRun { snapshotId status error } } } }';
    const done = await waitFor('the on-demand run', async () => {
      const r = await gql(a.key, q, { id: c.id });
      return r.body.data.cluster.importSource.lastRun?.status === 'ready' && r.body.data.cluster;
    });
    expect(done).toMatchObject({ hasImportSource: true, importSource: { apiServer: kube.url, lastRun: { status: 'ready', error: null } } });
    const snap = await http('GET', `/v1/snapshots/${done.importSource.lastRun.snapshotId}`, { key: a.key });
    expect(snap.body).toMatchObject({ source: 'schedule', status: 'ready', counts: { nodes: 3, pods: 6, services: 2, endpointSlices: 2, workloads: 0 } });

    // The credential is not in the schema at all.
    const leak = await gql(a.key, 'query($id: ID!) { cluster(id: $id) { importSource { token } } }', { id: c.id });
    expect(leak.body.errors[0].message).toMatch(/Cannot query field "token"/);

    expect((await gql(a.key, 'mutation($id: ID!) { clearImportSource(clusterId: $id) }', { id: c.id })).body.data.clearImportSource).toBe(true);
    expect((await gql(a.key, q, { id: c.id })).body.data.cluster).toEqual({ hasImportSource: false, importSource: null });
    const again = await http('POST', `/v1/clusters/${c.id}/import-source/run`, { key: a.key });
    expect(again.status).toBe(409);
  });

  it("keeps another tenant out, refuses readers and names bad input", async () => {
    const a = await newTenant('admin');
    const b = await newTenant('admin');
    const c = await createCluster(a.key);
    cleanups.push(() => http('DELETE', `/v1/clusters/${c.id}/import-source`, { key: a.key }));
    expect((await http('PUT', `/v1/clusters/${c.id}/import-source`, { key: a.key, json: source({ schedule: '0 3 1 1 *' }) })).status).toBe(200);

    for (const [method, p, json] of [
      ['GET', '', undefined],
      ['PUT', '', source({ apiServer: 'https://attacker.example' })],
      ['DELETE', '', undefined],
      ['POST', '/run', undefined],
    ] as const) {
      const r = await http(method, `/v1/clusters/${c.id}/import-source${p}`, { key: b.key, ...(json ? { json } : {}) });
      expect([method, p, r.status, r.body.error.code]).toEqual([method, p, 404, 'NOT_FOUND']);
    }
    const g = await gql(b.key, 'mutation($id: ID!, $input: ImportSourceInput!) { setImportSource(clusterId: $id, input: $input) { apiServer } }', { id: c.id, input: source() });
    expect(g.body.errors[0].extensions.code).toBe('NOT_FOUND');
    expect((await gql(b.key, 'mutation($id: ID!) { runImportNow(clusterId: $id) }', { id: c.id })).body.errors[0].extensions.code).toBe('NOT_FOUND');
    // a's source is untouched
    expect((await http('GET', `/v1/clusters/${c.id}/import-source`, { key: a.key })).body).toMatchObject({ apiServer: kube.url, schedule: '0 3 1 1 *' });

    // a's own reader may look, not change
    const provisioner = new TenantProvisioner(process.env['MIGRATION_DATABASE_URL'] as string);
    const readerKey = await provisioner.createApiKey(asTenantId(a.tenantId), 'e2e-reader', 'reader');
    await provisioner.close();
    expect((await http('GET', `/v1/clusters/${c.id}/import-source`, { key: readerKey })).status).toBe(200);
    for (const [method, p] of [['PUT', ''], ['DELETE', ''], ['POST', '/run']] as const) {
      const r = await http(method, `/v1/clusters/${c.id}/import-source${p}`, { key: readerKey, ...(method === 'PUT' ? { json: source() } : {}) });
      expect([method, r.status, r.body.error.code]).toEqual([method, 403, 'FORBIDDEN']);
    }

    const bad = await http('PUT', `/v1/clusters/${c.id}/import-source`, { key: a.key, json: source({ schedule: 'every five minutes' }) });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('INVALID_INPUT');
    expect(bad.body.error.message).toMatch(/schedule: not a cron schedule: expected 5 fields/);
    expect(bad.body.error.details).toEqual([{ field: 'schedule', message: expect.stringMatching(/^not a cron schedule/) }]);
    const both = await http('PUT', `/v1/clusters/${c.id}/import-source`, { key: a.key, json: { ...source(), kubeconfig: 'apiVersion: v1' } });
    expect(both.status).toBe(400);
    expect(both.body.error.message).toMatch(/give exactly one of token or kubeconfig/);
    const plain = await http('PUT', `/v1/clusters/${c.id}/import-source`, { key: a.key, json: source({ insecureSkipTLSVerify: undefined }) });
    expect(plain.body.error.message).toMatch(/apiServer: plain http:\/\/ sends the token unencrypted/);
  });

  it('refuses denied addresses: an IP-literal server at PUT, a redirect to one when the worker connects', async () => {
    const a = await newTenant('writer');
    const c = await createCluster(a.key);
    cleanups.push(() => http('DELETE', `/v1/clusters/${c.id}/import-source`, { key: a.key }));
    const port = new URL(kube.url).port;

    // The e2e stack allows 127.0.0.1/32 only (IMPORT_ALLOW_CIDRS); the rest of the default deny list stays.
    for (const [apiServer, refused] of [
      ['http://169.254.169.254', '169.254.169.254 is in IMPORT_DENY_CIDRS 169.254.0.0/16'],
      [`http://127.0.0.2:${port}`, '127.0.0.2 is in IMPORT_DENY_CIDRS 127.0.0.0/8'],
      [`http://[::1]:${port}`, '::1 is in IMPORT_DENY_CIDRS ::1/128'],
    ] as const) {
      const r = await http('PUT', `/v1/clusters/${c.id}/import-source`, { key: a.key, json: source({ apiServer, schedule: '0 3 1 1 *' }) });
      expect([apiServer, r.status, r.body.error.code]).toEqual([apiServer, 400, 'INVALID_INPUT']);
      expect(r.body.error.details).toEqual([{ field: 'apiServer', message: `address refused: ${refused}` }]);
    }
    const gq = await gql(a.key, 'mutation($id: ID!, $input: ImportSourceInput!) { setImportSource(clusterId: $id, input: $input) { apiServer } }', {
      id: c.id,
      input: source({ apiServer: 'http://169.254.169.254', schedule: '0 3 1 1 *' }),
    });
    expect(gq.body.errors[0].extensions.code).toBe('INVALID_INPUT');
    expect(gq.body.errors[0].message).toMatch(/apiServer: address refused: 169\.254\.169\.254 is in IMPORT_DENY_CIDRS/);

    // The allowed server answers with a redirect to a denied address: the worker refuses the connection, does not
    // retry, and the run ends as a failed snapshot saying so.
    expect((await http('PUT', `/v1/clusters/${c.id}/import-source`, { key: a.key, json: source({ schedule: '0 3 1 1 *' }) })).status).toBe(200);
    kube.redirectTo = `http://127.0.0.2:${port}`;
    const before = kube.requests.length;
    expect((await http('POST', `/v1/clusters/${c.id}/import-source/run`, { key: a.key })).status).toBe(202);
    const described = await waitFor('the refused run to show as failed', async () => {
      const d = await http('GET', `/v1/clusters/${c.id}/import-source`, { key: a.key });
      return d.body.lastRun?.status === 'failed' && d.body;
    });
    expect(described.lastRun.error).toBe(`listing nodes (GET ${kube.url}/api/v1/nodes) failed: address refused: 127.0.0.2 is in IMPORT_DENY_CIDRS 127.0.0.0/8`);
    // the redirects only, no retry (a /version the worker cannot read leaves the version unknown; the lists fail)
    expect(kube.requests.slice(before).map((r) => r.path)).toEqual(['/version', '/api/v1/nodes']);
    const snap = await http('GET', `/v1/snapshots/${described.lastRun.snapshotId}`, { key: a.key });
    expect(snap.body).toMatchObject({ source: 'schedule', status: 'failed', error: { message: described.lastRun.error } });
  });

  it('refuses a schedule that runs more often than IMPORT_MIN_INTERVAL_SECONDS', async () => {
    const a = await newTenant('writer');
    const c = await createCluster(a.key);
    cleanups.push(() => http('DELETE', `/v1/clusters/${c.id}/import-source`, { key: a.key }));
    const r = await http('PUT', `/v1/clusters/${c.id}/import-source`, { key: a.key, json: source({ schedule: '* * * * * *' }) });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toBe('schedule: runs every 1 s; the minimum is 2 s (IMPORT_MIN_INTERVAL_SECONDS)');
    expect(r.body.error.details).toEqual([{ field: 'schedule', message: 'runs every 1 s; the minimum is 2 s (IMPORT_MIN_INTERVAL_SECONDS)' }]);
    expect((await http('GET', `/v1/clusters/${c.id}/import-source`, { key: a.key })).status).toBe(404);
  });
});
