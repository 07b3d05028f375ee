import { DEFAULT_IMPORT_DENY_CIDRS } from '@portolan/config';
import { buildSnapshot, defaultProfile, parseDocuments } from '@portolan/netsim';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fetchClusterObjects, fetchClusterSnapshot, inClusterSource, inspectKubeconfig, KubeFetchError, versionProfileDocument, type FetchedList } from '../src/imports/kube-fetcher';
import { OutboundGuard } from '../src/imports/outbound-guard';
import { KUBE_API_FIXTURES, NODES_CONTINUE, RECORDED_TLS, startRecordedApiServer, type RecordedApiServer } from './kube-api-server';

// The real @kubernetes/client-node (undici fetch, KubeConfig auth, generated list calls) against a loopback server
// answering with recorded API responses.
const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.recorded-service-account-token';
const DENY = DEFAULT_IMPORT_DENY_CIDRS.split(',');
// The recorded server listens on loopback, which the default policy denies: allow it the way tests and dev do.
const loopbackAllowed = new OutboundGuard({ denyCidrs: DENY, allowCidrs: ['127.0.0.1/32'] });
const fast = { timeoutMs: 2000, attempts: 3, backoffMs: 10, guard: loopbackAllowed };

let server: RecordedApiServer;
beforeEach(async () => {
  server = await startRecordedApiServer();
});
afterEach(() => server.close());

const source = () => ({ apiServer: server.url, token: TOKEN, insecureSkipTLSVerify: true });
const byResource = (lists: FetchedList[]) => Object.fromEntries(lists.map((l) => [l.resource, l]));

async function failure(p: Promise<unknown>): Promise<KubeFetchError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(KubeFetchError);
    return e as KubeFetchError;
  }
  throw new Error('expected the fetch to fail');
}

describe('fetchClusterObjects against a recorded API server', () => {
  it('lists every resource across namespaces, follows continue tokens and sends the bearer token', async () => {
    const lists = await fetchClusterObjects(source(), { ...fast, pageSize: 2 });
    const r = byResource(lists);
    // resource.k8s.io is not served by the recording (a server without DRA): 404 there yields no list, not a failure
    expect(Object.keys(r)).toEqual([
      'nodes',
      'pods',
      'services',
      'endpointslices',
      'deployments',
      'daemonsets',
      'statefulsets',
      'replicasets',
      'namespaces',
      'persistentvolumes',
      'persistentvolumeclaims',
      'storageclasses',
      'csinodes',
      'poddisruptionbudgets',
      'priorityclasses',
    ]);
    expect(r['nodes']!.pages).toBe(2);
    expect(r['nodes']!.list.items.map((n: any) => n.metadata.name)).toEqual(['node-a', 'node-b', 'node-c']);

    const nodeCalls = server.requests.filter((q) => q.path === '/api/v1/nodes');
    expect(nodeCalls.map((q) => q.query)).toEqual([{ limit: '2' }, { limit: '2', continue: NODES_CONTINUE }]);
    expect(server.requests.map((q) => q.path)).toEqual([
      '/api/v1/nodes',
      '/api/v1/nodes',
      '/api/v1/pods',
      '/api/v1/services',
      '/apis/discovery.k8s.io/v1/endpointslices',
      '/apis/apps/v1/deployments',
      '/apis/apps/v1/daemonsets',
      '/apis/apps/v1/statefulsets',
      '/apis/apps/v1/replicasets',
      '/api/v1/namespaces',
      '/api/v1/persistentvolumes',
      '/api/v1/persistentvolumeclaims',
      '/apis/storage.k8s.io/v1/storageclasses',
      '/apis/storage.k8s.io/v1/csinodes',
      '/apis/policy/v1/poddisruptionbudgets',
      '/apis/scheduling.k8s.io/v1/priorityclasses',
      '/apis/resource.k8s.io/v1/resourceslices',
      '/apis/resource.k8s.io/v1/deviceclasses',
    ]);
    expect(r['persistentvolumeclaims']!.list.items[0]).toMatchObject({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', spec: { volumeName: 'pvc-3f0e4d1a-7777-4c4d-9e8f-000000000001' } });
    expect(r['priorityclasses']!.list.items[2]).toMatchObject({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', value: -10, preemptionPolicy: 'Never' });
    expect(server.requests.every((q) => q.method === 'GET' && q.authorization === `Bearer ${TOKEN}`)).toBe(true);

    // List items arrive without apiVersion/kind; the fetcher sets them, and keeps what the engine reads.
    const pods = r['pods']!.list.items as any[];
    expect(pods.map((p) => `${p.apiVersion}/${p.kind}`)).toEqual(Array(6).fill('v1/Pod'));
    expect(r['endpointslices']!.list.items[0]).toMatchObject({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice' });
    expect(r['replicasets']!.list.items[0]).toMatchObject({ apiVersion: 'apps/v1', kind: 'ReplicaSet' });
    const exporter = pods.find((p) => p.metadata.name === 'node-exporter-h7x2d');
    expect(exporter.spec.hostNetwork).toBe(true);
    expect(exporter.spec.containers[0].ports[0]).toMatchObject({ containerPort: 9100, hostPort: 9100, protocol: 'TCP' });
    expect(pods[0].spec.containers[0].ports[0]).toMatchObject({ containerPort: 8081, hostPort: 8080 });
    expect(pods[0].metadata.creationTimestamp).toBe('2026-11-20T09:14:03.000Z');
    expect(r['services']!.list.items[1]).toMatchObject({ spec: { type: 'NodePort', ports: [{ nodePort: 30080, targetPort: 8081 }] } });
  });

  it('builds a valid snapshot from what it fetched, through the same parser as an upload', async () => {
    const lists = await fetchClusterObjects(source(), fast);
    const parsed = parseDocuments(lists.map((l) => ({ name: l.url, text: JSON.stringify(l.list) })));
    const built = buildSnapshot(parsed, { profile: defaultProfile() });
    expect(built.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const s = built.snapshot;
    expect({ nodes: s.nodes.length, pods: s.pods.length, services: s.services.length, endpointSlices: s.endpointSlices.filter((e) => !e.derived).length }).toEqual({
      nodes: 3,
      pods: 6,
      services: 2,
      endpointSlices: 2,
    });
    expect(s.unknown).toHaveLength(0);
    expect(s.namespaces.map((n) => n.name)).toEqual(['default', 'kube-system', 'monitoring', 'shop']);
    expect({ pvs: s.storage?.persistentVolumes.length, pvcs: s.storage?.persistentVolumeClaims.length, classes: s.storage?.storageClasses.length, csiNodes: s.storage?.csiNodes.length, pdbs: s.storage?.podDisruptionBudgets.length, priorityClasses: s.storage?.priorityClasses.length }).toEqual({
      pvs: 1,
      pvcs: 1,
      classes: 1,
      csiNodes: 3,
      pdbs: 1,
      priorityClasses: 3,
    });
  });

  it("reads the API server's /version with the lists, and carries it into the snapshot's profile", async () => {
    const { version, lists } = await fetchClusterSnapshot(source(), { ...fast, resources: ['nodes'] });
    expect(version).toBe(JSON.parse(readFileSync(path.join(KUBE_API_FIXTURES, 'version.json'), 'utf8')).gitVersion);
    expect(server.requests.map((q) => q.path)).toEqual(['/version', '/api/v1/nodes', '/api/v1/nodes']);
    const doc = versionProfileDocument('prod', version);
    const parsed = parseDocuments([...lists.map((l) => ({ name: l.url, text: JSON.stringify(l.list) })), { name: 'version', text: JSON.stringify(doc) }]);
    const built = buildSnapshot(parsed, { defaults: { ...defaultProfile(), kubernetesVersion: '1.29' } });
    expect(built.snapshot.profile.kubernetesVersion).toBe(String(version).replace(/^v/, '').replace(/[-+].*$/, ''));
  });

  it('reads provider version strings as the release they carry, and nothing else', () => {
    expect(versionProfileDocument('c', 'v1.34.2-eks-4a1b2c3')).toMatchObject({ kind: 'ClusterProfile', spec: { kubernetesVersion: '1.34.2' } });
    expect(versionProfileDocument('c', 'v1.31.4+k3s1')).toMatchObject({ spec: { kubernetesVersion: '1.31.4' } });
    expect(versionProfileDocument('c', 'v1.36.0-gke.1052000')).toMatchObject({ spec: { kubernetesVersion: '1.36.0' } });
    expect(versionProfileDocument('c', null)).toBeNull();
    expect(versionProfileDocument('c', 'unknown')).toBeNull();
  });

  it('a 404 on a resource the server must serve is a failure; on an optional one it is skipped', async () => {
    const lists = await fetchClusterObjects(source(), { ...fast, resources: ['resourceslices', 'storageclasses'] });
    expect(lists.map((l) => l.resource)).toEqual(['storageclasses']);
    expect(server.requests.map((q) => q.path)).toEqual(['/apis/resource.k8s.io/v1/resourceslices', '/apis/storage.k8s.io/v1/storageclasses']);
  });

  it('lists only the chosen resources', async () => {
    const lists = await fetchClusterObjects(source(), { ...fast, resources: ['services', 'pods'] });
    expect(lists.map((l) => l.resource)).toEqual(['services', 'pods']);
    expect(server.requests.map((q) => q.path)).toEqual(['/api/v1/services', '/api/v1/pods']);
  });

  it('retries a server that answers 503 twice, then succeeds', async () => {
    server.behaviour = { failFirst: 2 };
    const lists = await fetchClusterObjects(source(), { ...fast, resources: ['nodes'] });
    expect(lists[0]!.list.items).toHaveLength(3);
    // two 503s on page 1, then page 1 and page 2
    expect(server.requests.map((q) => q.query['continue'] ?? 'first')).toEqual(['first', 'first', 'first', NODES_CONTINUE]);
  });

  it('gives up after the bounded attempts and names the server, the request and the status', async () => {
    server.behaviour = { status: 500 };
    const e = await failure(fetchClusterObjects(source(), fast));
    expect(server.requests).toHaveLength(3);
    expect(e.status).toBe(500);
    expect(e.attempts).toBe(3);
    expect(e.message).toBe(`listing nodes (GET ${server.url}/api/v1/nodes) failed: HTTP 500 (recorded failure 500) after 3 attempts`);
  });

  it.each([401, 403, 404])('does not retry HTTP %i', async (code) => {
    server.behaviour = { status: code };
    const e = await failure(fetchClusterObjects(source(), fast));
    expect(server.requests).toHaveLength(1);
    expect(e.status).toBe(code);
    expect(e.message).toContain(`${server.url}/api/v1/nodes) failed: HTTP ${code}`);
  });

  it('cuts off a server that never answers after the per-request timeout, and retries it a bounded number of times', async () => {
    server.behaviour = { hang: true };
    const started = Date.now();
    const e = await failure(fetchClusterObjects(source(), { timeoutMs: 300, attempts: 2, backoffMs: 10, guard: loopbackAllowed }));
    const took = Date.now() - started;
    expect(server.requests).toHaveLength(2);
    expect(e.status).toBeNull();
    expect(e.message).toBe(`listing nodes (GET ${server.url}/api/v1/nodes) failed: no complete response within 300 ms (timeout) after 2 attempts`);
    expect(took).toBeGreaterThanOrEqual(600);
    expect(took).toBeLessThan(5000);
  });

  it('reports a refused connection as a network error', async () => {
    const url = server.url;
    await server.close();
    const e = await failure(fetchClusterObjects({ apiServer: url, token: TOKEN, insecureSkipTLSVerify: true }, { ...fast, attempts: 2 }));
    expect(e.message).toMatch(new RegExp(`^listing nodes \\(GET ${url}/api/v1/nodes\\) failed: network error: ECONNREFUSED.* after 2 attempts$`));
    server = await startRecordedApiServer(); // for afterEach
  });

  it('authenticates with a kubeconfig', async () => {
    const kubeconfig = [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      `- name: recorded\n  cluster:\n    server: ${server.url}\n    insecure-skip-tls-verify: true`,
      'users:',
      '- name: reader\n  user:\n    token: kubeconfig-token',
      'contexts:',
      '- name: recorded\n  context:\n    cluster: recorded\n    user: reader',
      'current-context: recorded',
    ].join('\n');
    expect(inspectKubeconfig(kubeconfig)).toEqual({ server: server.url });
    await fetchClusterObjects({ apiServer: server.url, kubeconfig }, { ...fast, resources: ['services'] });
    expect(server.requests.map((q) => q.authorization)).toEqual(['Bearer kubeconfig-token']);
  });
});

describe('the outbound guard on a real fetch (IMPORT_DENY_CIDRS / IMPORT_ALLOW_CIDRS)', () => {
  const loopbackDenied = new OutboundGuard({ denyCidrs: ['127.0.0.0/8', '::1/128'], allowCidrs: [] });
  // backoff far longer than the test's bound: a retry would show up as time as well as requests
  const slowRetries = { timeoutMs: 2000, attempts: 3, backoffMs: 5000 };

  it('refuses a denied IP-literal server before connecting, fails fast and does not retry', async () => {
    const started = Date.now();
    const e = await failure(fetchClusterObjects(source(), { ...slowRetries, guard: loopbackDenied }));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(server.requests).toHaveLength(0);
    expect(e.attempts).toBe(1);
    expect(e.status).toBeNull();
    expect(e.message).toBe(`listing nodes (GET ${server.url}/api/v1/nodes) failed: address refused: 127.0.0.1 is in IMPORT_DENY_CIDRS 127.0.0.0/8`);
  });

  it('lists normally when IMPORT_ALLOW_CIDRS covers the address', async () => {
    const guard = new OutboundGuard({ denyCidrs: ['127.0.0.0/8'], allowCidrs: ['127.0.0.1/32'] });
    const lists = await fetchClusterObjects(source(), { ...slowRetries, guard, resources: ['nodes', 'pods'] });
    expect(lists.map((l) => l.list.items.length)).toEqual([3, 6]);
    expect(server.requests).toHaveLength(3);
  });

  it('checks the address a hostname resolves to at connect time', async () => {
    const url = server.url.replace('127.0.0.1', 'localhost');
    const e = await failure(fetchClusterObjects({ ...source(), apiServer: url }, { ...slowRetries, guard: loopbackDenied }));
    expect(server.requests).toHaveLength(0);
    expect(e.attempts).toBe(1);
    expect(e.message).toMatch(new RegExp(`^listing nodes \\(GET ${url}/api/v1/nodes\\) failed: address refused: (127\\.0\\.0\\.1 is in IMPORT_DENY_CIDRS 127\\.0\\.0\\.0/8|::1 is in IMPORT_DENY_CIDRS ::1/128) \\(resolved from localhost\\)$`));
    // allowed: only the allowed address of the name is dialled
    const ok = await fetchClusterObjects({ ...source(), apiServer: url }, { ...slowRetries, guard: loopbackAllowed, resources: ['services'] });
    expect(ok[0]!.list.items).toHaveLength(2);
  });

  it('refuses an IPv6 literal without connecting', async () => {
    const e = await failure(fetchClusterObjects({ ...source(), apiServer: 'http://[::1]:6443' }, { ...slowRetries, guard: loopbackDenied }));
    expect(e.message).toBe('listing nodes (GET http://[::1]:6443/api/v1/nodes) failed: address refused: ::1 is in IMPORT_DENY_CIDRS ::1/128');
  });

  it('checks every connection, so an allowed server cannot redirect the worker to a denied address', async () => {
    server.behaviour = { redirectTo: 'http://169.254.169.254' };
    const e = await failure(fetchClusterObjects(source(), { ...slowRetries, guard: loopbackAllowed }));
    expect(server.requests).toHaveLength(1); // the redirect itself; no retry
    expect(e.attempts).toBe(1);
    expect(e.message).toBe(`listing nodes (GET ${server.url}/api/v1/nodes) failed: address refused: 169.254.169.254 is in IMPORT_DENY_CIDRS 169.254.0.0/16`);
  });
});

describe('over TLS, through the guarded connector', () => {
  let tlsServer: RecordedApiServer;
  beforeEach(async () => {
    tlsServer = await startRecordedApiServer({}, { tls: true });
  });
  afterEach(() => tlsServer.close());
  const caData = Buffer.from(RECORDED_TLS.cert).toString('base64');

  it("verifies the server against caData, for an IP-literal and a named server", async () => {
    const lists = await fetchClusterObjects({ apiServer: tlsServer.url, token: TOKEN, caData }, { ...fast, resources: ['nodes'] });
    expect(lists[0]!.list.items).toHaveLength(3);
    const named = tlsServer.url.replace('127.0.0.1', 'localhost');
    await fetchClusterObjects({ apiServer: named, token: TOKEN, caData }, { ...fast, resources: ['services'] });
    expect(tlsServer.requests.map((q) => q.authorization)).toEqual(Array(3).fill(`Bearer ${TOKEN}`));
  });

  it('takes the CA from a kubeconfig', async () => {
    const kubeconfig = `clusters:\n- name: c\n  cluster: {server: "${tlsServer.url}", certificate-authority-data: ${caData}}\nusers:\n- name: u\n  user: {token: kc}\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\ncurrent-context: x\n`;
    await fetchClusterObjects({ apiServer: tlsServer.url, kubeconfig }, { ...fast, resources: ['pods'] });
    expect(tlsServer.requests.map((q) => q.authorization)).toEqual(['Bearer kc']);
  });

  it('refuses a server whose certificate it cannot verify, before sending the token', async () => {
    const e = await failure(fetchClusterObjects({ apiServer: tlsServer.url, token: TOKEN }, { ...fast, attempts: 1 }));
    expect(e.message).toMatch(/failed: network error: (DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE)/);
    expect(tlsServer.requests).toHaveLength(0);
    // insecureSkipTLSVerify still works (test servers)
    await fetchClusterObjects({ apiServer: tlsServer.url, token: TOKEN, insecureSkipTLSVerify: true }, { ...fast, resources: ['nodes'] });
    expect(tlsServer.requests).toHaveLength(2);
  });
});

describe('in-cluster source: the pod\'s service account, as rest.InClusterConfig reads it', () => {
  let tlsServer: RecordedApiServer;
  const dir = mkdtempSync(path.join(tmpdir(), 'portolan-sa-'));
  beforeEach(async () => {
    tlsServer = await startRecordedApiServer({}, { tls: true });
  });
  afterEach(() => tlsServer.close());

  it('sends the projected token and verifies the server with the cluster CA, re-reading the token at every run', async () => {
    const files = { server: tlsServer.url, tokenFile: path.join(dir, 'token'), caFile: path.join(dir, 'ca.crt') };
    writeFileSync(files.caFile, RECORDED_TLS.cert);
    writeFileSync(files.tokenFile, 'projected-token-1\n');
    await fetchClusterObjects(inClusterSource(files), { ...fast, resources: ['nodes'] });
    writeFileSync(files.tokenFile, 'projected-token-2'); // the kubelet rotated it
    await fetchClusterObjects(inClusterSource(files), { ...fast, resources: ['services'] });
    expect(tlsServer.requests.map((q) => q.authorization)).toEqual(['Bearer projected-token-1', 'Bearer projected-token-1', 'Bearer projected-token-2']);
  });

  it('says why when the worker is not in a pod or has no token mounted', () => {
    expect(() => inClusterSource({ tokenFile: '/nope', caFile: '/nope' })).toThrow('KUBERNETES_SERVICE_HOST is unset');
    expect(() => inClusterSource({ server: 'https://10.96.0.1:443', tokenFile: path.join(dir, 'missing'), caFile: '/nope' })).toThrow(/cannot read the service account .*automountServiceAccountToken/);
  });
});

describe('inspectKubeconfig', () => {
  const base = (user: string, cluster = '') =>
    `clusters:\n- name: c\n  cluster:\n    server: https://k8s.example:6443/\n${cluster}users:\n- name: u\n  user:\n${user}contexts:\n- name: x\n  context: {cluster: c, user: u}\ncurrent-context: x\n`;

  it('answers the current server', () => {
    expect(inspectKubeconfig(base('    token: abc\n'))).toEqual({ server: 'https://k8s.example:6443' });
  });

  it.each([
    ['    exec: {command: /bin/sh, apiVersion: client.authentication.k8s.io/v1}\n', /uses exec/],
    ['    token-file: /var/run/secrets/kubernetes.io/serviceaccount/token\n', /uses token-file/],
    ['    client-certificate: /etc/kubernetes/pki/admin.crt\n    client-key: /etc/kubernetes/pki/admin.key\n', /uses client-certificate/],
    ['    auth-provider: {name: gcp}\n', /uses auth-provider/],
  ])('refuses credentials that would run a command or read a local file (%#)', (user, msg) => {
    expect(inspectKubeconfig(base(user))).toEqual({ error: expect.stringMatching(msg) });
  });

  it('refuses a CA file and a proxy', () => {
    expect(inspectKubeconfig(base('    token: abc\n', '    certificate-authority: /etc/ssl/ca.pem\n'))).toEqual({ error: expect.stringMatching(/certificate-authority/) });
    expect(inspectKubeconfig(base('    token: abc\n', '    proxy-url: socks5://10.0.0.1:1080\n'))).toEqual({ error: expect.stringMatching(/proxy-url/) });
  });

  it('names what is missing', () => {
    expect(inspectKubeconfig('a: [')).toEqual({ error: expect.stringMatching(/^not valid YAML/) });
    expect(inspectKubeconfig(base('    token: abc\n').replace('current-context: x', 'current-context: y'))).toEqual({ error: 'context "y" is not in contexts' });
    expect(inspectKubeconfig(base('    username: ""\n'))).toEqual({ error: expect.stringMatching(/no inline credentials/) });
  });
});
