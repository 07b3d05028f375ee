/**
 * Real input forms (test/fixtures/dumps, written after the shapes kubectl and the API server print): each loads
 * with the right counts, or is refused with the line and a hint.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError, loadSnapshot, parseDocuments, parseDocumentsWithNotes } from '../src/adapter';

const DIR = path.join(__dirname, '../../../test/fixtures/dumps');
const read = (f: string) => ({ name: f, text: fs.readFileSync(path.join(DIR, f), 'utf8') });

function errorOf(fn: () => unknown): InputError {
  try {
    fn();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('expected an InputError');
}

describe('kubectl cluster-info dump stream', () => {
  const input = read('cluster-info-dump.json');

  it('loads every List of the stream, skipping the log sections', () => {
    const { snapshot, diagnostics } = loadSnapshot([input]);
    expect(snapshot.nodes.map((n) => n.name).sort()).toEqual(['kind-control-plane', 'kind-worker']);
    expect(snapshot.pods).toHaveLength(4);
    expect(snapshot.services.map((s) => s.name).sort()).toEqual(['kubernetes', 'web']);
    expect(snapshot.workloads.map((w) => `${w.kind}/${w.name}`).sort()).toEqual(['DaemonSet/node-exporter', 'Deployment/web', 'ReplicaSet/web-7c5ddbdf54']);
    const logNote = diagnostics.find((d) => d.message.includes('log section'));
    expect(logNote?.message).toContain('skipped 4 container log section(s) of 4 pod(s)');
    expect(logNote?.line).toBe(input.text.split('\n').findIndex((l) => l.startsWith('==== START logs')) + 1);
  });

  it('reads the items of typed Lists as the List kind and says so', () => {
    const { objects, notes } = parseDocumentsWithNotes([input]);
    const kinds = objects.map((o) => `${o.obj['apiVersion']}/${o.obj['kind']}`);
    expect(kinds.filter((k) => k === 'v1/Pod')).toHaveLength(4);
    expect(kinds.filter((k) => k === 'apps/v1/DaemonSet')).toHaveLength(1);
    expect(kinds.filter((k) => k === 'v1/Event')).toHaveLength(1);
    expect(notes.map((n) => n.message)).toContain('2 item(s) of NodeList carry no kind: read as Node (v1), the List\'s own type');
  });

  it('keeps each object on its own line of the file (documents are the stream values)', () => {
    const objs = parseDocuments([input]);
    const lines = input.text.split('\n');
    const pod = objs.find((o) => o.obj['kind'] === 'Pod' && (o.obj['metadata'] as { name: string }).name === 'web-7c5ddbdf54-r4m9z');
    expect(pod?.source.line).toBeDefined();
    // the line a pod starts on is an object opening inside a PodList's items
    expect(lines[(pod?.source.line ?? 0) - 1].trim()).toBe('{');
    expect(lines.slice(pod?.source.line, (pod?.source.line ?? 0) + 3).join('\n')).toContain('"name": "web-7c5ddbdf54-r4m9z"');
    expect(pod?.source.doc).toBe(14); // NodeList + 7 Lists of kube-system + 7th List of default
    expect(lines[(pod?.lineOf(['spec', 'nodeName']) ?? 0) - 1]).toContain('"nodeName": "kind-worker"');
  });

  it('refuses a stream with stray text between values, naming the line', () => {
    const text = '{"kind":"NodeList","apiVersion":"v1","items":[]}\n{"kind":"PodList","apiVersion":"v1","items":[]}\nerror: the server doesn\'t have a resource type "pods"\n';
    const err = errorOf(() => parseDocuments([{ name: 'dump.txt', text }]));
    expect(err.diagnostics[0]).toMatchObject({ line: 3, doc: 2 });
    expect(err.diagnostics[0].message).toContain('error: the server doesn\'t have a resource type');
    expect(err.diagnostics[0].message).toContain('cluster-info dump');
  });

  it('refuses a truncated log section at its START line', () => {
    const text = '{"kind":"PodList","apiVersion":"v1","items":[]}\n==== START logs for container web of pod default/web-0 ====\nline\n';
    const err = errorOf(() => parseDocuments([{ name: 'dump.txt', text }]));
    expect(err.diagnostics[0].line).toBe(2);
    expect(err.diagnostics[0].message).toContain('no matching "==== END logs');
  });

  it('positions a malformed value of the stream at its line in the file', () => {
    const text = '{"kind":"NodeList","apiVersion":"v1","items":[]}\n{\n  "kind": "PodList",\n  "items": [ {"metadata": {"name": "a"} ]\n}\n';
    const err = errorOf(() => parseDocuments([{ name: 'dump.txt', text }]));
    expect(err.diagnostics[0].doc).toBe(1);
    expect(err.diagnostics[0].line).toBe(4);
  });

  it('reads the -o yaml flavour (documents separated by ---, logs in between)', () => {
    const text = [
      'apiVersion: v1', 'kind: NodeList', 'metadata: {resourceVersion: "1"}', 'items:', '- metadata: {name: n1}', '  status: {addresses: [{type: InternalIP, address: 10.0.0.1}]}',
      '---', 'apiVersion: v1', 'kind: PodList', 'items:', '- metadata: {name: p, namespace: default}', '  spec: {nodeName: n1, containers: [{name: c, image: x}]}',
      '==== START logs for container c of pod default/p ====', 'key: not yaml of an object: [', '==== END logs for container c of pod default/p ====', '',
    ].join('\n');
    const { snapshot } = loadSnapshot([{ name: 'dump.yaml', text }]);
    expect(snapshot.nodes.map((n) => n.name)).toEqual(['n1']);
    expect(snapshot.pods.map((p) => p.name)).toEqual(['p']);
  });
});

describe('typed Lists and kubectl get output', () => {
  it('loads a raw API PodList whose items carry no kind', () => {
    const { snapshot, diagnostics } = loadSnapshot([read('podlist-raw-api.json')]);
    expect(snapshot.pods).toHaveLength(4);
    expect(snapshot.pods.filter((p) => p.hostNetwork)).toHaveLength(2);
    expect(diagnostics.some((d) => d.message.startsWith('4 item(s) of PodList carry no kind'))).toBe(true);
  });

  it('loads kubectl get -o json and -o yaml in any mix', () => {
    const { snapshot } = loadSnapshot([read('kubectl-get-mixed.yaml'), read('kubectl-get-pods.json')]);
    expect(snapshot.nodes.map((n) => n.name)).toEqual(['kind-worker']);
    expect(snapshot.services.map((s) => s.name)).toEqual(['web']);
    expect(snapshot.pods.map((p) => p.name)).toEqual(['web-0']);
  });

  it('refuses a generic List item without kind, with a hint', () => {
    const err = errorOf(() => parseDocuments([{ name: 'l.yaml', text: 'apiVersion: v1\nkind: List\nitems:\n- metadata: {name: a}\n' }]));
    expect(err.diagnostics[0]).toMatchObject({ line: 4, field: 'kind' });
    expect(err.diagnostics[0].message).toContain('a typed List such as PodList lends its kind');
  });
});

describe('raw node dumps where objects are expected', () => {
  it.each([
    ['iptables-save', '# Generated by iptables-nft-save v1.8.9 (nf_tables) on Thu Dec  3 10:00:00 2026\n*nat\n:PREROUTING ACCEPT [0:0]\nCOMMIT\n', 1, 'iptablesSave'],
    ['iptables-save -c', '*filter\n:INPUT ACCEPT [12:3400]\n[3:180] -A INPUT -j KUBE-FIREWALL\nCOMMIT\n', 1, 'iptablesSave'],
    ['iptables -S', '-P INPUT ACCEPT\n-N KUBE-SERVICES\n-A INPUT -j KUBE-SERVICES\n', 1, 'iptablesSave'],
    ['ss', '\nNetid State Recv-Q Send-Q Local Address:Port Peer Address:Port Process\ntcp LISTEN 0 4096 *:22 *:*\n', 2, 'ss:'],
    ['netstat', 'Active Internet connections (only servers)\nProto Recv-Q Send-Q Local Address Foreign Address State\n', 1, 'netstat:'],
  ])('refuses %s with a hint naming NodeHostState and the field', (_name, text, line, field) => {
    const err = errorOf(() => parseDocuments([{ name: 'node.txt', text }]));
    expect(err.diagnostics).toHaveLength(1);
    expect(err.diagnostics[0].line).toBe(line);
    expect(err.diagnostics[0].message).toContain('NodeHostState');
    expect(err.diagnostics[0].message).toContain(field);
  });

  it('says an nft ruleset belongs in a NodeHostState and how to wrap it', () => {
    const err = errorOf(() => parseDocuments([{ name: 'nft.txt', text: 'table ip nat {\n\tchain PREROUTING {\n\t}\n}\n' }]));
    expect(err.diagnostics[0].message).toContain('nft list ruleset');
    expect(err.diagnostics[0].message).toContain('nftRuleset: |');
  });

  it('still reads YAML whose comments look like a dump', () => {
    const objs = parseDocuments([{ name: 'a.yaml', text: '# *nat\n# -A INPUT -j DROP\nkind: Namespace\napiVersion: v1\nmetadata: {name: a}\n' }]);
    expect(objs.map((o) => o.obj['kind'])).toEqual(['Namespace']);
  });
});
