/**
 * Severities calibrated on widely deployed infrastructure manifests (test/fixtures/infra, written after the shapes
 * the projects document): their intentional patterns give no warning, and a negative fixture per calibrated rule
 * still shows the real problem.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadSnapshot, parseDocuments } from '../src/adapter';
import { checkManifests } from '../src/checks';

const DIR = path.join(__dirname, '../../../test/fixtures/infra');
const read = (f: string) => ({ name: f, text: readFileSync(path.join(DIR, f), 'utf8') });
const cluster = () => loadSnapshot([read('cluster.yaml')]).snapshot;
const check = (f: string) => checkManifests(parseDocuments([read(f)]), cluster());

const INFRA = readdirSync(DIR).filter((f) => f.endsWith('.yaml') && f !== 'cluster.yaml');

describe('infra manifests: documented intentional patterns are not warnings', () => {
  it('covers the CNI agents, kube-proxy, exporter, LB speakers, kube-vip and ingress controller', () => {
    expect(INFRA.sort()).toEqual(['calico-node.yaml', 'cilium-agent.yaml', 'cilium-operator.yaml', 'flannel.yaml', 'ingress-nginx.yaml', 'kube-proxy.yaml', 'kube-vip.yaml', 'metallb-speaker.yaml', 'node-exporter.yaml']);
  });
  it.each(INFRA)('%s passes with no warning or error', (f) => {
    const r = check(f);
    expect(r.findings.filter((x) => x.severity !== 'info')).toEqual([]);
    expect(r.verdict).toBe('pass');
  });
  it('all of them applied together still pass (node-exporter binds 127.0.0.1:9100 and the node IP:9100, no one else 9100)', () => {
    const r = checkManifests(parseDocuments(INFRA.map(read)), cluster());
    expect(r.findings.filter((x) => x.severity !== 'info')).toEqual([]);
  });
});

describe('infra negatives: real problems still show', () => {
  it.each([
    ['hostnetwork-dnspolicy.yaml', 'hostnetwork-dnspolicy', 'warning', /loki-gateway\.monitoring\.svc\.cluster\.local/],
    ['hostnetwork-networkpolicy.yaml', 'hostnetwork-networkpolicy', 'warning', /kube-system\/agent-ingress selects this hostNetwork pod/],
    ['runtime-bind-conflict.yaml', 'runtime-bind-conflict', 'error', /bind\(\) to 0\.0\.0\.0:9100 failed/],
    ['hostport-replicas-exceed-nodes.yaml', 'hostport-replicas-exceed-nodes', 'error', /3 replicas but only 2 nodes/],
    ['hostnetwork-hostport-mismatch.yaml', 'hostnetwork-hostport-mismatch', 'error', /must match `containerPort`/],
    ['service-selector-matches-nothing.yaml', 'service-selector-matches-nothing', 'warning', /./],
    ['hostport-shadowed-by-nodeport.yaml', 'hostport-shadowed-by-nodeport', 'warning', /30080/],
  ] as const)('%s -> %s', (f, rule, severity, message) => {
    const r = check(`negative/${f}`);
    const hit = r.findings.find((x) => x.rule === rule);
    expect(hit).toMatchObject({ severity });
    expect(hit?.message).toMatch(message);
  });
});
