import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KUBE_API_FIXTURES, startRecordedApiServer, type RecordedApiServer } from '@portolan/application/kube-testing';
import { main, run } from '../src/main';

/**
 * The verbs on a live cluster: a kubeconfig pointing at the recorded API server (paged nodes, every list the
 * scheduled imports read, /version), answered like the same objects given as files.
 */
let kube: RecordedApiServer;
const tmp = mkdtempSync(path.join(tmpdir(), 'portolan-live-'));
let kubeconfig = '';
const PENDING = 'report-29410560-zx9kd';

function capture() {
  let out = '';
  let err = '';
  return { io: { out: (s: string) => (out += s), err: (s: string) => (err += s) }, get out() { return out; }, get err() { return err; } };
}

/** The recording as a user would have exported it with kubectl: one List per resource, in a folder. */
function exportedFolder(): string {
  const dir = path.join(tmp, 'exported');
  require('node:fs').mkdirSync(dir);
  for (const f of readdirSync(KUBE_API_FIXTURES).filter((n) => n.endsWith('.json') && n !== 'version.json')) {
    // kubectl get -o json writes each item's apiVersion and kind (the raw API leaves them to the List's kind)
    const list = JSON.parse(readFileSync(path.join(KUBE_API_FIXTURES, f), 'utf8'));
    // a single object (kubectl get configmap NAME -o json) is exported as it is
    if (!Array.isArray(list.items)) {
      writeFileSync(path.join(dir, f), JSON.stringify(list));
      continue;
    }
    const items = list.items.map((i: object) => ({ apiVersion: list.apiVersion, kind: String(list.kind).replace(/List$/, ''), ...i }));
    writeFileSync(path.join(dir, f), JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
  }
  // what --live adds from /version: the cluster's release selects the scheduler's texts
  writeFileSync(path.join(dir, 'zz-profile.yaml'), 'apiVersion: portolan.dev/v1alpha1\nkind: ClusterProfile\nmetadata: {name: recorded}\nspec: {kubernetesVersion: "1.33.4"}\n');
  return dir;
}

beforeAll(async () => {
  kube = await startRecordedApiServer();
  kubeconfig = path.join(tmp, 'config');
  writeFileSync(
    kubeconfig,
    `apiVersion: v1
kind: Config
clusters:
- name: recorded
  cluster: {server: "${kube.url}", insecure-skip-tls-verify: true}
users:
- name: reader
  user: {token: recorded-reader-token}
contexts:
- name: recorded
  context: {cluster: recorded, user: reader, namespace: batch}
- name: other
  context: {cluster: recorded, user: reader}
current-context: other
`,
  );
});
afterAll(() => kube.close());

describe('portolan on the cluster of a kubeconfig context', () => {
  it('why pod/NAME: the Pending pod asked of the scheduler again, as its own PodScheduled condition says', async () => {
    const c = capture();
    const code = await run(['why', `pod/${PENDING}`, '--kubeconfig', kubeconfig, '--context', 'recorded', '-o', 'json'], c.io);
    expect(code).toBe(0);
    expect(c.err).toContain(`read ${kube.url} (context recorded, Kubernetes v1.33.4): 3 nodes, 6 pods, 2 services`);
    const answer = JSON.parse(c.out);
    expect(answer).toMatchObject({ pod: `batch/${PENDING}`, bound: false, phase: 'Pending' });
    expect(answer.schedule.feasibleNodes).toEqual([]);
    const recorded = JSON.parse(readFileSync(path.join(KUBE_API_FIXTURES, 'pods.json'), 'utf8')).items.find((p: { metadata: { name: string } }) => p.metadata.name === PENDING);
    expect(answer.schedule.message).toBe(recorded.status.conditions[0].message);
    // the context's namespace was used, nodes were paged, and the token went to the server
    expect(kube.requests.filter((r) => r.path === '/api/v1/nodes')).toHaveLength(2);
    expect(new Set(kube.requests.map((r) => r.authorization))).toEqual(new Set(['Bearer recorded-reader-token']));
  });

  it('answers why and trace exactly like the file-based verbs on the same objects', async () => {
    const folder = exportedFolder();
    for (const argv of [
      ['why', PENDING, '-n', 'batch', '-o', 'json'],
      ['why', 'pod/web-7d4b9c8f6d-2xkqp', '-n', 'shop', '-o', 'json'],
      ['trace', '--to', 'node-a:8080/TCP', '-o', 'json'],
      ['schedule', '--pod', path.join(folder, '..', 'pod.yaml'), '-o', 'json'],
    ]) {
      writeFileSync(path.join(tmp, 'pod.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata: {name: probe, namespace: shop}\nspec:\n  containers: [{name: c, image: nginx, ports: [{containerPort: 80, hostPort: 8080}]}]\n');
      const live = capture();
      expect(await run([...argv, '--kubeconfig', kubeconfig], live.io)).toBe(0);
      const file = capture();
      const code = main([...argv, '-f', folder], file.io);
      expect(code).toBe(0);
      expect(JSON.parse(live.out)).toEqual(JSON.parse(file.out));
    }
  });

  it('refuses clearly: an unknown context, -f with --live, and --live without the async runner', async () => {
    const c = capture();
    expect(await run(['why', 'pod/x', '--kubeconfig', kubeconfig, '--context', 'prod'], c.io)).toBe(2);
    expect(c.err).toContain('context "prod" is not in the kubeconfig (contexts: recorded, other)');
    const both = capture();
    expect(await run(['trace', '--to', 'node-a:80', '-f', exportedFolderOnce(), '--kubeconfig', kubeconfig], both.io)).toBe(2);
    expect(both.err).toContain('not both');
    const missing = capture();
    expect(await run(['why', 'pod/nope', '--kubeconfig', kubeconfig, '-n', 'shop'], missing.io)).toBe(2);
    expect(missing.err).toContain('pod shop/nope is not in this snapshot');
    const sync = capture();
    expect(main(['why', 'pod/x', '--live'], sync.io)).toBe(2);
  });

  it('says which server failed when the API server refuses the token', async () => {
    kube.behaviour = { status: 401 };
    try {
      const c = capture();
      expect(await run(['trace', '--to', 'node-a:8080', '--kubeconfig', kubeconfig], c.io)).toBe(2);
      expect(c.err).toMatch(new RegExp(`listing nodes \\(GET ${kube.url.replace(/[.]/g, '\\.')}/api/v1/nodes\\) failed: HTTP 401`));
    } finally {
      kube.behaviour = {};
    }
  });
});

let once = '';
function exportedFolderOnce(): string {
  once ||= path.join(tmp, 'exported');
  return once;
}
