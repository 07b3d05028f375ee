import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadSnapshot } from '@portolan/netsim';
import { root } from './support/apps';
import { closeProvisioner, fixture, gql, http, newTenant, waitSnapshot } from './support/client';

// One engine, one answer: every fixture question asked through the CLI (dist/apps/cli/main.js -o json) and through
// the API (REST and GraphQL) after uploading the same file must get the same answer; only snapshot ids differ.

afterAll(closeProvisioner);

const FIXTURES = path.join(root, 'test/fixtures/clusters');
const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.yaml')).sort();
const tmp = mkdtempSync(path.join(tmpdir(), 'portolan-parity-'));

function cli(args: string[]): string {
  return execFileSync(process.execPath, [path.join(root, 'dist/apps/cli/main.js'), ...args], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}
/** The CLI ends what it prints with one newline; the API returns the engine's text as it is. */
const line = (s: string): string => (s.endsWith('\n') ? s : `${s}\n`);
const cliJson = (args: string[]): any => JSON.parse(cli([...args, '-o', 'json']));

/** Fields GraphQL types as enums of the engine's codes; an enum value's name is the code with '-' and '(' as '_' (graphql/codes.ts). */
const ENUM_FIELDS = new Set(['outcome', 'plugin', 'code', 'certainty', 'action']);
const enumName = (code: string): string => code.replace(/[^A-Za-z0-9_]+/g, '_').replace(/_+$/, '');

/** The CLI's answer cut to the fields a GraphQL query selected; absent optional fields are GraphQL's nulls. */
function project(full: any, selected: any, key?: string): any {
  if (Array.isArray(selected)) return Array.isArray(full) ? full.map((v, i) => project(v, selected[i] ?? selected[0], key)) : full;
  if (selected && typeof selected === 'object') {
    if (full === undefined || full === null) return null;
    return Object.fromEntries(Object.keys(selected).map((k) => [k, project(full[k], selected[k], k)]));
  }
  if (typeof full === 'string' && key && ENUM_FIELDS.has(key)) return enumName(full);
  return full ?? null;
}

/** GraphQL prints a runtime prediction's holder as one string, `kind name` (exposure.models.ts). */
function holderAsText(schedule: any): any {
  return { ...schedule, nodes: schedule.nodes.map((n: any) => ({ ...n, runtime: n.runtime.map((r: any) => ({ ...r, holder: r.holder ? `${r.holder.kind} ${r.holder.name}` : null })) })) };
}

function withoutSnapshotId<T extends Record<string, unknown>>(o: T): Omit<T, 'snapshotId'> {
  const { snapshotId: _s, ...rest } = o;
  return rest;
}

/** The questions a user asks of a fixture: every node's rules and claims, traffic to each claimed port, two probe pods. */
function questionsOf(file: string) {
  const { snapshot } = loadSnapshot([{ name: file, text: fixture(file) }]);
  const nodes = snapshot.nodes.map((n) => n.name);
  const targets = new Set<string>();
  for (const n of nodes) {
    for (const s of snapshot.services) for (const p of s.ports) if (p.nodePort) targets.add(`${n}:${p.nodePort}/${p.protocol}`);
    for (const pod of snapshot.pods) {
      if (pod.nodeName !== n) continue;
      for (const c of pod.containers) for (const p of c.ports) if (p.hostPort) targets.add(`${n}:${p.hostPort}/${p.protocol}`);
    }
    targets.add(`${n}:22/TCP`);
  }
  return { nodes, targets: [...targets] };
}

const PROBES = {
  hostport: 'apiVersion: v1\nkind: Pod\nmetadata: {name: probe-hostport, namespace: default}\nspec:\n  containers:\n  - name: web\n    image: nginx\n    ports: [{containerPort: 80, hostPort: 80}]\n',
  hostnetwork: 'apiVersion: v1\nkind: Pod\nmetadata: {name: probe-hostnet, namespace: default}\nspec:\n  hostNetwork: true\n  containers:\n  - name: nginx\n    image: nginx:alpine\n    ports: [{containerPort: 80}]\n',
};

const TRAFFIC = `query($c: ID!, $to: String!, $from: String) { trafficPath(clusterId: $c, to: $to, from: $from) {
  outcome masquerade sourceSeen fromDump notes hops { node hook table chain rule verdict action target before after }
  destinations { kind node pod ip port probability masquerade sourceSeen outcome } } }`;
const CLAIMS = `query($c: ID!, $n: String!) { portClaims(clusterId: $c, node: $n) { node address port protocol kind owner effective shadowedBy note } }`;
const SCHEDULE = `query($c: ID!, $y: String) { schedulePod(clusterId: $c, podYaml: $y) { pod feasibleNodes message
  nodes { node feasible plugin reason reasons code runtime { kind message consequence certainty holder port protocol } } } }`;

/** A cluster record whose own profile differs from every fixture's: the file's ClusterProfile must still win. */
const RECORD = {
  kubeProxy: { clusterCIDR: '10.0.0.0/8' },
  cniConflist: { cniVersion: '1.0.0', name: 'record-net', plugins: [{ type: 'bridge', bridge: 'br-record' }, { type: 'portmap', snat: false }] },
};

async function upload(key: string, file: string, record: Record<string, unknown>): Promise<string> {
  const c = await http('POST', '/v1/clusters', { key, json: { name: `parity-${path.basename(file, '.yaml')}`.slice(0, 60), ...record } });
  if (c.status !== 201) throw new Error(`create cluster: ${c.status} ${JSON.stringify(c.body)}`);
  const up = await http('POST', `/v1/clusters/${c.body.cluster.id}/snapshots`, { key, body: fixture(file), headers: { 'content-type': 'application/yaml', 'x-filename': file } });
  const s = await waitSnapshot(key, up.body.id);
  if (s.status !== 'ready') throw new Error(`fixture ${file} did not import: ${JSON.stringify(s.error)}`);
  return c.body.cluster.id;
}

describe.each([
  ['a default cluster record', {}],
  ['a cluster record with another CNI and cluster CIDR', RECORD],
])('CLI and API give one answer (%s)', (_what, record) => {
  it.each(files)('%s', async (file) => {
    const t = await newTenant();
    const id = await upload(t.key, file, record);
    const f = path.join(FIXTURES, file);
    const { nodes, targets } = questionsOf(file);
    expect(nodes.length).toBeGreaterThan(0);

    for (const node of nodes) {
      const rules = cli(['iptables', '-f', f, '--node', node]);
      expect(rules).toContain('*nat');
      const rest = await http('GET', `/v1/clusters/${id}/nodes/${encodeURIComponent(node)}/iptables`, { key: t.key });
      expect(rest.status).toBe(200);
      expect(line(rest.body)).toBe(rules);
      const g = await gql(t.key, 'query($c: ID!, $n: String!) { nodeIptables(clusterId: $c, node: $n) }', { c: id, n: node });
      expect(g.body.errors).toBeUndefined();
      expect(line(g.body.data.nodeIptables)).toBe(rules);

      const claims = cliJson(['claims', '-f', f, '--node', node]);
      const rc = await http('GET', `/v1/clusters/${id}/nodes/${encodeURIComponent(node)}/port-claims`, { key: t.key });
      expect(rc.body.claims).toEqual(claims);
      const gc = await gql(t.key, CLAIMS, { c: id, n: node });
      expect(gc.body.errors).toBeUndefined();
      expect(gc.body.data.portClaims).toEqual(project(claims, gc.body.data.portClaims));
    }

    for (const to of targets) {
      for (const from of [undefined, `node:${nodes[0]}`]) {
        const trace = cliJson(['trace', '-f', f, '--to', to, ...(from ? ['--from', from] : [])]);
        const rt = await http('GET', `/v1/clusters/${id}/traffic-path?to=${encodeURIComponent(to)}${from ? `&from=${encodeURIComponent(from)}` : ''}`, { key: t.key });
        expect(rt.status).toBe(200);
        expect(withoutSnapshotId(rt.body)).toEqual(trace);
        const gt = await gql(t.key, TRAFFIC, { c: id, to, from: from ?? null });
        expect(gt.body.errors).toBeUndefined();
        expect(gt.body.data.trafficPath).toEqual(project(trace, gt.body.data.trafficPath));
      }
    }

    for (const [name, pod] of Object.entries(PROBES)) {
      const podFile = path.join(tmp, `${name}.yaml`);
      writeFileSync(podFile, pod);
      const s = cliJson(['schedule', '-f', f, '--pod', podFile]);
      const rs = await http('POST', `/v1/clusters/${id}/schedule`, { key: t.key, json: { pod } });
      expect(rs.status).toBe(201);
      const { kind, ...restAnswer } = withoutSnapshotId(rs.body);
      expect(kind).toBe('pod');
      expect(restAnswer).toEqual(s);
      const gs = await gql(t.key, SCHEDULE, { c: id, y: pod });
      expect(gs.body.errors).toBeUndefined();
      expect(gs.body.data.schedulePod).toEqual(project(holderAsText(s), gs.body.data.schedulePod));
    }
  });
});
