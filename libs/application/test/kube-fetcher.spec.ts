import { buildSnapshot, defaultProfile, parseDocuments } from '@portolan/netsim';
import { fetchClusterObjects, inspectKubeconfig, KubeFetchError, type FetchedList } from '../src/imports/kube-fetcher';
import { NODES_CONTINUE, startRecordedApiServer, type RecordedApiServer } from './kube-api-server';

// The real @kubernetes/client-node (undici fetch, KubeConfig auth, generated list calls) against a loopback server
// answering with recorded API responses.
const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.recorded-service-account-token';
const fast = { timeoutMs: 2000, attempts: 3, backoffMs: 10 };

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
    expect(Object.keys(r)).toEqual(['nodes', 'pods', 'services', 'endpointslices', 'deployments', 'daemonsets', 'statefulsets', 'replicasets']);
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
    ]);
    expect(server.requests.every((q) => q.method === 'GET' && q.authorization === `Bearer ${TOKEN}`)).toBe(true);

    // List items arrive without apiVersion/kind; the fetcher sets them, and keeps what the engine reads.
    const pods = r['pods']!.list.items as any[];
    expect(pods.map((p) => `${p.apiVersion}/${p.kind}`)).toEqual(Array(5).fill('v1/Pod'));
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
      pods: 5,
      services: 2,
      endpointSlices: 2,
    });
    expect(s.unknown).toHaveLength(0);
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
    const e = await failure(fetchClusterObjects(source(), { timeoutMs: 300, attempts: 2, backoffMs: 10 }));
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
