import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../src/main';

const F = path.resolve(__dirname, '../../../test/fixtures/clusters');
function run(...argv: string[]): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const code = main(argv, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
}
const tmp = mkdtempSync(path.join(tmpdir(), 'portolan-cli-'));
const file = (name: string, text: string) => {
  const p = path.join(tmp, name);
  writeFileSync(p, text);
  return p;
};

describe('portolan CLI', () => {
  it('prints help with exit 0, and usage errors with exit 2', () => {
    expect(run('--help')).toMatchObject({ code: 0, out: expect.stringContaining('Verbs:') });
    expect(run()).toMatchObject({ code: 2 });
    expect(run('teleport')).toMatchObject({ code: 2, err: expect.stringContaining('unknown verb "teleport"') });
    expect(run('trace', '-f', path.join(F, 'seed-000-hostnetwork-and-hostport.yaml'))).toMatchObject({ code: 2, err: expect.stringContaining('--to') });
    expect(run('trace', '-f', path.join(F, 'missing.yaml'), '--to', 'x:1')).toMatchObject({ code: 2, err: expect.stringContaining('no such file') });
  });

  it('schedule -o json: every node with its verdict, for a Pod', () => {
    const pod = file('pod.yaml', 'apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: demo}\nspec:\n  containers:\n  - name: web\n    image: nginx\n    ports: [{containerPort: 8081, hostPort: 8080}]\n');
    const r = run('schedule', '-f', path.join(F, 'seed-001-exposure-modes.yaml'), '--pod', pod, '-o', 'json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.pod).toBe('demo/web');
    expect(j.feasibleNodes).toEqual(['node-b', 'node-c']);
    const a = j.nodes.find((n: { node: string }) => n.node === 'node-a');
    expect(a).toMatchObject({ feasible: false, plugin: 'NodePorts', reason: "node(s) didn't have free ports for the requested pod ports", code: 'Unschedulable' });
    expect(a.blockers[0]).toMatchObject({ kind: 'hostPort', port: 8080, protocol: 'TCP', pod: { name: 'web-hostport' } });
  });

  it('trace -o json: node:8080 on seed 000 goes through the portmap DNAT to the pod, with no socket on the node', () => {
    const r = run('trace', '-f', path.join(F, 'seed-000-hostnetwork-and-hostport.yaml'), '--to', 'node1:8080/tcp', '-o', 'json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.outcome).toBe('delivered');
    expect(j.destinations).toEqual([expect.objectContaining({ kind: 'pod', pod: 'default/nginx-hostport', ip: '10.244.1.19', port: 80, probability: 1 })]);
    expect(j.hops.map((h: { chain: string }) => h.chain)).toContain('CNI-HOSTPORT-DNAT');
  });

  it('trace: the hostNetwork nginx on node2 answers on the node itself', () => {
    const j = JSON.parse(run('trace', '-f', path.join(F, 'seed-000-hostnetwork-and-hostport.yaml'), '--to', 'node2:80', '-o', 'json').out);
    expect(j.outcome).toBe('delivered-to-host-socket');
    expect(j.sourceSeen).toBe('203.0.113.2');
  });

  it('iptables prints the CNI rules of seed 004 with the chain name the kind node really had', () => {
    const r = run('iptables', '-f', path.join(F, 'seed-004-daemonset-hostport.yaml'), '--node', 'kubeflow-worker');
    expect(r.code).toBe(0);
    expect(r.out).toContain('-A CNI-HOSTPORT-DNAT');
    expect(r.out).toContain(':CNI-DN-2a6b9967ebd3cd7a5eeb3 - [0:0]');
    expect(r.out).toMatch(/-j DNAT --to-destination 10\.244\.1\.155:8000/);
  });

  it('nft prints the ip kube-proxy table of a kubeadm nftables cluster, and refuses an iptables one', () => {
    const snap = file('nft.yaml', [
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: kube-proxy, namespace: kube-system}\ndata:\n  config.conf: |\n    apiVersion: kubeproxy.config.k8s.io/v1alpha1\n    kind: KubeProxyConfiguration\n    mode: nftables\n    clusterCIDR: 10.244.0.0/16\n    nftables: {masqueradeBit: 15}',
      'apiVersion: v1\nkind: Node\nmetadata: {name: node-a}\nspec: {podCIDR: 10.244.0.0/24, podCIDRs: [10.244.0.0/24]}\nstatus: {addresses: [{type: InternalIP, address: 192.168.1.10}]}',
      'apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: demo}\nspec: {type: NodePort, clusterIP: 10.96.0.20, clusterIPs: [10.96.0.20], selector: {app: web}, ports: [{name: http, port: 80, targetPort: 8080, nodePort: 30080, protocol: TCP}]}',
    ].join('\n---\n'));
    const r = run('nft', '-f', snap, '--node', 'node-a');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^table ip kube-proxy \{\n\tcomment "rules for kube-proxy"\n/);
    expect(r.out).toContain('\t\telements = { 192.168.1.10 }');
    // no endpoints: the NodePort and the ClusterIP are rejected through reject-chain
    expect(r.out).toContain('elements = { tcp . 30080 comment "demo/web:http" : goto reject-chain }');
    expect(r.out).toContain('\t\tmeta mark set meta mark | 0x00008000\n');
    expect(run('nft', '-f', path.join(F, 'seed-004-daemonset-hostport.yaml'), '--node', 'kubeflow-worker')).toMatchObject({ code: 2, err: expect.stringContaining('iptables mode') });
    expect(run('nft', '-f', snap)).toMatchObject({ code: 2, err: expect.stringContaining('--node') });
  });

  it('claims shows the hostPort and the NodePort on node-a', () => {
    const j = JSON.parse(run('claims', '-f', path.join(F, 'seed-001-exposure-modes.yaml'), '--node', 'node-a', '-o', 'json').out);
    expect(j.map((c: { kind: string; port: number }) => `${c.kind}:${c.port}`)).toEqual(expect.arrayContaining(['hostPort:8080', 'nodePort:30080']));
  });

  it('check exits 1 on an API-server rejection, with its exact text, and renders SARIF 2.1.0', () => {
    const bad = file('bad.yaml', 'apiVersion: v1\nkind: Pod\nmetadata: {name: hn-bad, namespace: demo}\nspec:\n  hostNetwork: true\n  containers:\n  - name: app\n    image: registry.k8s.io/pause:3.9\n    ports: [{containerPort: 8080, hostPort: 9090}]\n');
    const r = run('check', '--manifests', bad, '-o', 'json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).findings.map((f: { message: string }) => f.message)).toContain(
      'Pod "hn-bad" is invalid: spec.containers[0].ports[0].hostPort: Invalid value: 9090: must match `containerPort` when `hostNetwork` is true',
    );
    const sarif = JSON.parse(run('check', '--manifests', bad, '-o', 'sarif').out);
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0].results[0]).toMatchObject({ level: 'error', locations: [{ physicalLocation: { artifactLocation: { uri: expect.stringContaining('bad.yaml') } } }] });
  });

  it('names the document, line and field of malformed input (exit 2)', () => {
    const broken = file('broken.yaml', 'apiVersion: v1\nkind: Node\nmetadata: {name: n}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    ports: [{containerPort: http}]\n');
    const r = run('inspect', '-f', broken);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/broken\.yaml: document 2, line 11: spec\.containers\[0\]\.ports\[0\]\.containerPort/);
  });

  it('inspect shows every guess it made, and parses an uploaded iptables dump as traces will', () => {
    const fixtures = path.resolve(__dirname, '../../../test/fixtures/dumps');
    const dump = JSON.parse(run('inspect', '-f', path.join(fixtures, 'cluster-info-dump.json'), '-o', 'json').out);
    expect(dump.nodes).toBe(2);
    const codes = dump.guesses.map((g: { code: string; field?: string }) => (g.code === 'profile-default' ? `${g.code}:${g.field}` : g.code));
    expect(new Set(codes)).toEqual(new Set(['dump-logs-skipped', 'list-item-kind', 'profile-default:kubernetesVersion', 'profile-default:kubeProxy', 'profile-default:cni', 'profile-default:nodePortRange', 'dataplane-assumed']));

    // a node's `iptables -S -v -t nat` listing (no *table header) in a NodeHostState, with a profile that says the rest
    const hostState = file('host-state.yaml', [
      'apiVersion: portolan.dev/v1alpha1\nkind: ClusterProfile\nmetadata: {name: prod}\nspec: {kubernetesVersion: "1.34", nodePortRange: 30000-32767, kubeProxy: {mode: iptables, clusterCIDR: 10.244.0.0/16}, cniConflist: {cniVersion: 1.0.0, name: cbr0, plugins: [{type: bridge, bridge: cni0}, {type: portmap, capabilities: {portMappings: true}}]}}',
      'apiVersion: v1\nkind: Node\nmetadata: {name: node-a}\nstatus: {addresses: [{type: InternalIP, address: 10.0.0.11}], allocatable: {pods: "110"}}',
      `apiVersion: portolan.dev/v1alpha1\nkind: NodeHostState\nmetadata: {name: node-a}\nspec:\n  nodeName: node-a\n  iptablesSave: |\n${readFileSync(path.join(fixtures, 'iptables-S-v-nat.txt'), 'utf8').split('\n').map((l) => `    ${l}`).join('\n')}`,
    ].join('\n---\n'));
    const r = JSON.parse(run('inspect', '-f', hostState, '-o', 'json').out);
    // the profile and kube-proxy mode were given: the table of the headerless listing is the only guess
    expect(r.guesses.map((g: { code: string }) => g.code)).toEqual(['table-inferred']);
    expect(r.guesses.find((g: { code: string }) => g.code === 'table-inferred')).toMatchObject({ node: 'node-a', message: expect.stringMatching(/table nat inferred/) });
    expect(r.hostStates[0].iptables).toMatchObject({ tables: ['nat'], complete: false });
    expect(r.hostStates[0].iptables.rules).toBeGreaterThan(5);
    expect(r.hostStates[0].iptables.incomplete.map((x: { code: string }) => x.code)).toContain('table-inferred');
    const text = run('inspect', '-f', hostState).out;
    expect(text).toMatch(/host state node-a: 0 listener\(s\); iptables dump: nat \(\d+ chains, \d+ rules\), incomplete: .*table-inferred/);
    expect(text).toMatch(/^guesses:\n {2}table-inferred: node-a: no \*table header/m);
  });
});
