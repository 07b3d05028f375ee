import type { Browser, Page } from 'playwright-core';
import { consoleErrors, launch, screenshot } from './support/browser';
import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { base, closeProvisioner, createCluster, fixture, http, newTenant, waitSnapshot } from './support/client';

/** The portal in a real browser (Debian's chromium) against the started API and worker, with seed clusters. */

const portalFixture = (name: string) => readFileSync(path.resolve(__dirname, '../fixtures/portal', name), 'utf8');

let seed002Secret = '';

/** Waits for a condition of the page that no element's visibility shows (a textarea's value). */
async function until(ok: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`not so within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function clusterWith(key: string, file: string, text = fixture(file)): Promise<string> {
  const c = await createCluster(key);
  if (file.startsWith('seed-002')) seed002Secret = c.webhookSecret;
  const up = await http('POST', `/v1/clusters/${c.id}/snapshots`, { key, body: text, headers: { 'content-type': 'application/yaml', 'x-filename': file } });
  const s = await waitSnapshot(key, up.body.id);
  if (s.status !== 'ready') throw new Error(`fixture ${file} did not import: ${JSON.stringify(s.error)}`);
  return c.id;
}

const SEED_002_POD = `apiVersion: v1
kind: Pod
metadata: {name: nginx-6fdf99c8b-rglm7, namespace: default, labels: {app: nginx}}
spec:
  hostNetwork: true
  containers:
  - {image: "nginx:alpine", name: nginx}
`;
/** Seed 002's Deployment as a CI change would scale it: two hostNetwork replicas on the one node. */
const SEED_002_DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata: {name: nginx, namespace: default}
spec:
  replicas: 2
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

describe('the portal in a browser', () => {
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let key: string;
  let seed003: string;
  let seed002: string;
  let portMap: string;
  let seed001: string;

  beforeAll(async () => {
    key = (await newTenant('writer')).key;
    [seed003, seed002, portMap, seed001] = await Promise.all([
      clusterWith(key, 'seed-003-nodeport-and-hostport.yaml'),
      clusterWith(key, 'seed-002-hostnetwork-replicas.yaml'),
      clusterWith(key, 'port-map.yaml', portalFixture('port-map.yaml')),
      clusterWith(key, 'seed-001-exposure-modes.yaml'),
    ]);
    browser = await launch();
    page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    errors = consoleErrors(page);
    // the key goes in through the key bar, as a user pastes it; it stays in this tab's sessionStorage
    await page.goto(`${base()}/ui`);
    await page.getByLabel('API key', { exact: true }).fill(key);
    await page.getByRole('button', { name: 'use key' }).click();
    await page.getByText(/in use \(this tab only\)/).waitFor();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await closeProvisioner();
  });

  beforeEach(() => {
    errors.length = 0;
  });

  it('loads every page without a console error', async () => {
    for (const p of ['clusters', 'trace', 'ports', 'schedule', 'check', 'changes']) {
      await page.goto(`${base()}/ui/${p}?cluster=${seed003}`);
      await page.locator('main h1').waitFor();
      await page.waitForLoadState('networkidle');
      expect({ page: p, errors }).toEqual({ page: p, errors: [] });
    }
    // the clusters page shows the import's counts and the dataplane read from the snapshot
    await page.goto(`${base()}/ui/clusters?cluster=${seed003}`);
    const card = page.getByRole('region', { name: /^cluster / });
    await card.getByText('ready', { exact: true }).waitFor();
    await card.getByText(/kube-proxy-iptables/).waitFor();
    await card.getByText(/kube-proxy iptables \(clusterCIDR [^)]+\), NodePorts \d+-\d+, CNI .* with portmap/).waitFor();
    expect(await card.locator('tbody tr').count()).toBe(1);
    await screenshot(page, 'clusters');
  });

  it('seed 003: the path to k8s-master01:81 is drawn as the hostPort DNAT to the pod port 80', async () => {
    await page.goto(`${base()}/ui/trace?cluster=${seed003}`);
    // asked through the form, as a user would
    await page.getByLabel('host (node name or IP)').fill('k8s-master01');
    await page.getByLabel('port', { exact: true }).fill('81');
    await page.getByRole('button', { name: 'trace' }).click();
    const svg = page.locator('svg.path');
    await svg.waitFor();
    const text = (await svg.textContent()) ?? '';
    expect(text).toMatch(/nat CNI-DN-[0-9a-f]+: DNAT [\d.]+:81 → 10\.244\.0\.40:80/);
    expect(text).toContain('nat CNI-HOSTPORT-DNAT');
    expect(text).toContain('delivered to default/nginx-deployment-ff549cb9d-5t4bp');
    expect(text).toContain('10.244.0.40:80 · delivered · 100%');
    await expect(page.locator('.outcome').textContent()).resolves.toMatch(/^delivered — 1 destination/);
    // the URL reproduces the question
    expect(new URL(page.url()).searchParams.get('to')).toBe('k8s-master01:81/TCP');
    await screenshot(page, 'trace', { readme: true });
    // the raw hops are one click away
    await page.getByText(/^raw hops \(\d+\)$/).click();
    await expect(page.locator('table.hops tr.act-dnat td').nth(6).textContent()).resolves.toMatch(/--to-destination 10\.244\.0\.40:80/);
    expect(errors).toEqual([]);
  });

  it('seed 003: a deep link to a refused NodePort draws the REJECT where it happens', async () => {
    await page.goto(`${base()}/ui/trace?${new URLSearchParams({ cluster: seed003, to: 'k8s-master01:30001/TCP', from: 'external' })}`);
    await page.locator('svg.path').waitFor();
    await expect(page.locator('svg.path .step.bad').last().textContent()).resolves.toMatch(/KUBE-EXTERNAL-SERVICES: REJECT/);
    await expect(page.locator('.outcome').textContent()).resolves.toMatch(/^rejected/);
    expect(errors).toEqual([]);
  });

  it('seed 001: a NodePort with two endpoints parts into two branches, 50% each, each DNATed to its pod', async () => {
    await page.goto(`${base()}/ui/trace?${new URLSearchParams({ cluster: seed001, to: 'node-a:30080/TCP' })}`);
    const branches = page.locator('svg.path g.branch');
    await branches.first().waitFor();
    const text = await branches.allTextContents();
    expect(text).toHaveLength(2);
    expect(text[0]).toMatch(/^branch 1 · 50%node-a · PREROUTING.*DNAT 192\.168\.1\.10:30080 → 10\.244\.1\.5:8080.*route → node-b.*delivered to demo\/api-0.*10\.244\.1\.5:8080 · delivered · 50%$/);
    expect(text[1]).toMatch(/^branch 2 · 50%.*DNAT 192\.168\.1\.10:30080 → 10\.244\.2\.6:8080.*route → node-c.*delivered to demo\/api-1.*10\.244\.2\.6:8080 · delivered · 50%$/);
    // what both branches share is drawn once, above the split: the jump to the Service chain
    const shared = (await page.locator('svg.path > g.step').allTextContents()).join(' ');
    expect(shared).toContain('nat KUBE-NODEPORTS → jump KUBE-EXT-CSGFBKVOQQKWLMAT');
    expect(shared).not.toContain('DNAT');
    await screenshot(page, 'trace-branches');
    expect(errors).toEqual([]);
  });

  it('seed 003: the node port map lists every claim with its owner', async () => {
    await page.goto(`${base()}/ui/ports?cluster=${seed003}&node=k8s-master01`);
    const rows = page.locator('table.ports tbody tr');
    await rows.first().waitFor();
    const all = await rows.allTextContents();
    expect(all.some((r) => /:81\/TCP.*default\/nginx-deployment-ff549cb9d-5t4bp.*hostPort DNAT/.test(r))).toBe(true);
    expect(all.some((r) => /:30001\/TCP.*NodePort/.test(r))).toBe(true);
    expect(errors).toEqual([]);
  });

  it('a node where owners collide: every owner kind, the shadowed claims struck out, the conflicts marked', async () => {
    await page.goto(`${base()}/ui/ports?cluster=${portMap}&node=worker-1`);
    const rows = page.locator('table.ports tbody tr');
    await rows.first().waitFor();
    const kinds = await page.locator('table.ports .kind').allTextContents();
    expect(new Set(kinds)).toEqual(new Set(['host listener', 'hostPort DNAT', 'hostNetwork pod', 'NodePort', 'health-check port']));
    const shadowed = page.locator('table.ports tbody tr.shadowed');
    await expect(shadowed.allTextContents()).resolves.toEqual([
      expect.stringMatching(/^0\.0\.0\.0:9000\/TCPminio.*hostPort of pod shop\/legacy-proxy-0/),
      expect.stringMatching(/^0\.0\.0\.0:30443\/TCPshop\/legacy-proxy-0.*NodePort shop\/shop:https/),
    ]);
    // a conflict is a port two owners want; sshd's port 22 and the kubelet's 10248 stay unmarked
    const conflicting = await page.locator('table.ports tbody tr.conflict td:first-child').allTextContents();
    expect(conflicting.sort()).toEqual(['0.0.0.0:30443/TCP', '0.0.0.0:30443/TCP', '0.0.0.0:9000/TCP', '0.0.0.0:9000/TCP']);
    await screenshot(page, 'ports', { readme: true });
    expect(errors).toEqual([]);
  });

  it('seed 002: the hostNetwork replica is feasible on 10.1.0.55 with the bind() prediction', async () => {
    await page.goto(`${base()}/ui/schedule?cluster=${seed002}`);
    await page.getByLabel('Pod or workload (YAML or JSON)').fill(SEED_002_POD);
    await page.getByRole('button', { name: 'ask the scheduler' }).click();
    const row = page.locator('table.matrix tbody tr', { hasText: '10.1.0.55' });
    await row.waitFor();
    await expect(row.getAttribute('class')).resolves.toBe('feasible');
    await expect(row.locator('div.runtime').textContent()).resolves.toMatch(/predicted \(assumed\) bind\(\) to 0\.0\.0\.0:80 failed \(98: Address in use\) → .*CrashLoopBackOff/);
    await screenshot(page, 'schedule');
    expect(errors).toEqual([]);
  });

  it('seed 001: a hostPort pod is blocked on node-a by NodePorts, the cell naming the pod that holds the port', async () => {
    const pod = 'apiVersion: v1\nkind: Pod\nmetadata: {name: web2, namespace: demo}\nspec:\n  containers:\n  - name: web\n    image: nginx\n    ports: [{containerPort: 8081, hostPort: 8080}]\n';
    await page.goto(`${base()}/ui/schedule?${new URLSearchParams({ cluster: seed001, yaml: pod })}`);
    const rows = page.locator('table.matrix tbody tr');
    await rows.first().waitFor();
    // feasible nodes first
    await expect(rows.locator('th').allTextContents()).resolves.toEqual(['node-b ✓', 'node-c ✓', 'node-a']);
    const headers = await page.locator('table.matrix thead th').allTextContents();
    const failing = rows.nth(2).locator('td').nth(headers.indexOf('NodePorts') - 1);
    await expect(failing.getAttribute('class')).resolves.toBe('cell-fail');
    await expect(failing.textContent()).resolves.toMatch(/✕ node\(s\) didn't have free ports for the requested pod ports Unschedulable.*demo\/web-hostport.*0\.0\.0\.0:8080\/TCP/);
    // the filters after the failing one did not run
    await expect(rows.nth(2).locator('td').nth(headers.indexOf('NodeResourcesFit') - 1).textContent()).resolves.toBe('·');
    expect(errors).toEqual([]);
  });

  it("seed 002: a workload picked from the snapshot fills the question and answers its replicas' placement", async () => {
    await page.goto(`${base()}/ui/schedule?cluster=${seed002}`);
    const picker = page.getByLabel("or pick one of the snapshot's");
    await picker.locator('option', { hasText: 'Deployment default/nginx' }).waitFor({ state: 'attached' });
    await picker.selectOption({ label: 'Deployment default/nginx' });
    const yaml = page.getByLabel('Pod or workload (YAML or JSON)');
    await until(async () => (await yaml.inputValue()).length > 0);
    expect(await yaml.inputValue()).toMatch(/^apiVersion: apps\/v1\nkind: Deployment\n[\s\S]*hostNetwork: true/);
    expect(await yaml.inputValue()).not.toMatch(/^status:/m);
    await page.getByRole('button', { name: 'ask the scheduler' }).click();
    const placement = page.getByRole('region', { name: 'replica placement' });
    await placement.waitFor();
    await expect(placement.locator('h2').textContent()).resolves.toBe('Replicas of Deployment/default/nginx (1)');
    await expect(placement.locator('tbody tr td:nth-child(2)').allTextContents()).resolves.toEqual(['10.1.0.55']);
    expect(new URL(page.url()).searchParams.get('yaml')).toMatch(/kind: Deployment/);
    expect(errors).toEqual([]);
  });

  it("seed 002: checking the Deployment scaled to two shows the crash-loop finding on its line", async () => {
    await page.goto(`${base()}/ui/check?cluster=${seed002}`);
    await page.getByLabel('Manifests (YAML or JSON, several documents)').fill(SEED_002_DEPLOYMENT);
    await page.getByRole('button', { name: 'check against the cluster' }).click();
    const finding = page.locator('table.findings tbody tr', { hasText: 'runtime-bind-conflict' });
    await finding.waitFor({ timeout: 30_000 });
    await expect(finding.textContent()).resolves.toMatch(/error.*runtime-bind-conflict.*Deployment\/default\/nginx.*bind\(\) to 0\.0\.0\.0:80 failed \(98: Address in use\)/);
    await expect(page.locator('.outcome').textContent()).resolves.toMatch(/verdict fail/);
    await expect(page.locator('ol.source li.marked').count()).resolves.toBeGreaterThan(0);
    await screenshot(page, 'check');
    expect(errors).toEqual([]);
  });

  it("lists the cluster's analyses with their verdicts, the CI webhook's among them, each opening its findings", async () => {
    // a CI delivery, signed as the webhook documents it: `<timestamp>\n<delivery id>\n<body>`
    const delivery = randomUUID();
    const ts = String(Math.floor(Date.now() / 1000));
    const signature = `v1=${createHmac('sha256', seed002Secret).update(`${ts}\n${delivery}\n`).update(SEED_002_DEPLOYMENT).digest('hex')}`;
    const sent = await http('POST', `/v1/webhooks/ci/${seed002}?wait=20`, { body: SEED_002_DEPLOYMENT, headers: { 'content-type': 'application/yaml', 'x-portolan-delivery': delivery, 'x-portolan-timestamp': ts, 'x-portolan-signature': signature } });
    expect(sent.status).toBeLessThan(300);
    await page.goto(`${base()}/ui/check?cluster=${seed002}`);
    const rows = page.locator('table.recent tbody tr');
    await rows.first().waitFor();
    // newest first: the webhook's, then the one the previous test submitted through the page
    await expect(rows.allTextContents()).resolves.toEqual([expect.stringMatching(/webhookdonefail10findings$/), expect.stringMatching(/apidonefail10findings$/)]);
    await rows.first().getByRole('link', { name: 'findings' }).click();
    await page.locator('table.findings tbody tr', { hasText: 'runtime-bind-conflict' }).waitFor();
    expect(new URL(page.url()).searchParams.get('analysis')).toBe(sent.body.analysisId);
    expect(errors).toEqual([]);
  });

  it('what if: a Deployment taking hostPort 8082 on seed 003 is listed as a changed owner', async () => {
    await page.goto(`${base()}/ui/changes?cluster=${seed003}`);
    const manifests = `apiVersion: apps/v1
kind: Deployment
metadata: {name: edge, namespace: default}
spec:
  replicas: 1
  selector: {matchLabels: {app: edge}}
  template:
    metadata: {labels: {app: edge}}
    spec:
      containers:
      - {name: edge, image: "nginx:alpine", ports: [{containerPort: 80, hostPort: 8082}]}
`;
    await page.getByLabel('Manifests (YAML or JSON)').fill(manifests);
    await page.getByRole('button', { name: 'what if' }).click();
    const owners = page.getByRole('table').filter({ has: page.locator('caption', { hasText: /^Changed owners/ }) });
    await owners.waitFor();
    await expect(owners.locator('tbody tr').allTextContents()).resolves.toContainEqual(expect.stringMatching(/^k8s-master010\.0\.0\.0:8082\/TCPadded–default\/edge-.* \(hostPort\)$/));
    expect(new URL(page.url()).searchParams.get('m')).toContain('hostPort: 8082');
    // a changed path links to its trace, on the same cluster (the trace asks today's snapshot, where it is refused)
    await page.getByRole('link', { name: 'trace' }).click();
    await page.locator('svg.path').waitFor();
    expect(Object.fromEntries(new URL(page.url()).searchParams)).toEqual({ cluster: seed003, to: 'k8s-master01:8082/TCP' });
    await page.goBack();
    await owners.waitFor();
    await screenshot(page, 'changes');
    expect(errors).toEqual([]);
  });

  it("shows the API's own message for a bad question", async () => {
    await page.goto(`${base()}/ui/trace?${new URLSearchParams({ cluster: seed003, to: 'no-such-node:80/TCP' })}`);
    const alert = page.getByRole('alert');
    await alert.waitFor();
    await expect(alert.textContent()).resolves.toMatch(/no-such-node/);
  });
});
