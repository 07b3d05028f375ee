import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadSnapshot } from './adapter';
import { ClusterEngine, parseTraceSource, parseTraceTarget } from './engine';
import { QueryError } from './model/errors';

const fixture = (f: string) => {
  const file = path.join(__dirname, '../../../test/fixtures/clusters', f);
  return new ClusterEngine(loadSnapshot([{ name: f, text: readFileSync(file, 'utf8') }]).snapshot);
};

describe('parseTraceTarget', () => {
  it.each([
    ['node-b:81', { host: 'node-b', port: 81, protocol: 'TCP' }],
    ['node-b:81/TCP', { host: 'node-b', port: 81, protocol: 'TCP' }],
    ['10.96.0.10:53/udp', { host: '10.96.0.10', port: 53, protocol: 'UDP' }],
    ['192.168.1.10:30080/Sctp', { host: '192.168.1.10', port: 30080, protocol: 'SCTP' }],
    ['[2001:db8::10]:30080/TCP', { host: '2001:db8::10', port: 30080, protocol: 'TCP' }],
    // written out in full, printed in RFC 5952 form
    ['[2001:0DB8:0:0:0:0:0:10]:8080', { host: '2001:db8::10', port: 8080, protocol: 'TCP' }],
  ])('reads %s', (text, want) => expect(parseTraceTarget(text)).toEqual(want));

  it.each(['node-b', 'node-b:http', 'node-b:0', 'node-b:70000', 'node-b:81/icmp', ':81', '[node-b]:81', '2001:db8::10:80'])('rejects %s with a QueryError on "to"', (text) => {
    expect(() => parseTraceTarget(text)).toThrow(QueryError);
    try {
      parseTraceTarget(text);
    } catch (e) {
      expect((e as QueryError).field).toBe('to');
    }
  });
});

describe('parseTraceSource', () => {
  it('reads every source form', () => {
    expect(parseTraceSource(undefined)).toEqual({ kind: 'external' });
    expect(parseTraceSource('external:203.0.113.9')).toEqual({ kind: 'external', ip: '203.0.113.9' });
    expect(parseTraceSource('node:node-a')).toEqual({ kind: 'node', node: 'node-a' });
    expect(parseTraceSource('localhost:node-a')).toEqual({ kind: 'localhost', node: 'node-a' });
    expect(parseTraceSource('pod:demo/client-0')).toEqual({ kind: 'pod', namespace: 'demo', name: 'client-0' });
    expect(parseTraceSource('ip:10.244.0.9@node-a')).toEqual({ kind: 'ip', ip: '10.244.0.9', node: 'node-a' });
    expect(parseTraceSource('external:2001:db8::2')).toEqual({ kind: 'external', ip: '2001:db8::2' });
    expect(parseTraceSource('external:[2001:DB8:0::2]')).toEqual({ kind: 'external', ip: '2001:db8::2' });
    expect(parseTraceSource('ip:fd00:10:244::5@node-a')).toEqual({ kind: 'ip', ip: 'fd00:10:244::5', node: 'node-a' });
  });
  it.each(['satellite', 'external:not-an-ip', 'pod:client-0', 'ip:10.0.0.1', 'node:', 'external:2001:db8::zz', 'ip:fd00::5'])('rejects %s', (text) => {
    expect(() => parseTraceSource(text)).toThrow(QueryError);
  });
});

describe('ClusterEngine', () => {
  const seed003 = fixture('seed-003-nodeport-and-hostport.yaml');

  it('traces node:81 on the seed 003 cluster through the portmap DNAT to the pod port 80', () => {
    const r = seed003.traceText('k8s-master01:81');
    expect(r.outcome).toBe('delivered');
    expect(r.hops.map((h) => h.chain)).toEqual(expect.arrayContaining(['CNI-HOSTPORT-DNAT']));
    expect(r.hops.some((h) => h.chain.startsWith('CNI-DN-') && h.verdict.startsWith('DNAT'))).toBe(true);
    expect(r.destinations).toEqual([expect.objectContaining({ pod: 'default/nginx-deployment-ff549cb9d-5t4bp', ip: '10.244.0.40', port: 80, probability: 1 })]);
  });

  it('names unknown nodes and pods as query errors, not engine failures', () => {
    expect(() => seed003.iptablesSave('node-z')).toThrow(/node "node-z" is not in this snapshot/);
    expect(() => seed003.claims('node-z')).toThrow(QueryError);
    expect(() => seed003.traceText('node-z:81')).toThrow(QueryError);
    expect(() => seed003.traceText('k8s-master01:81', 'pod:default/ghost')).toThrow(/pod default\/ghost is not in this snapshot/);
    expect(() => seed003.scheduleObject({ kind: 'Service' })).toThrow(/expected a Pod, Deployment/);
    // an address no node owns, from outside, with no ingress node named: the question is incomplete
    expect(() => seed003.traceText('198.51.100.20:80')).toThrow(QueryError);
    expect(() => seed003.traceText('198.51.100.20:80')).toThrow(/name it with 'at'/);
  });

  it('builds the scheduling state once and reuses it', () => {
    const e = fixture('seed-002-hostnetwork-replicas.yaml');
    expect(e.scheduling).toBe(e.scheduling);
  });

  it('renders iptables-save text for a node', () => {
    const text = seed003.iptablesSave('k8s-master01');
    expect(text).toMatch(/^\*nat$/m);
    expect(text).toContain('-A CNI-HOSTPORT-DNAT');
    expect(text).toMatch(/COMMIT\s*$/);
  });
});

describe('ClusterEngine.placeWorkload', () => {
  it("re-applies a workload the snapshot runs: seed 002's Deployment at 2 replicas is one placed, one crashing on bind()", () => {
    const e = fixture('seed-002-hostnetwork-replicas.yaml');
    const deploy = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'nginx', namespace: 'default' }, spec: { replicas: 2, selector: { matchLabels: { app: 'nginx' } }, template: { metadata: { labels: { app: 'nginx' } }, spec: { hostNetwork: true, containers: [{ name: 'nginx', image: 'nginx:alpine' }] } } } };
    const r = e.scheduleObject(deploy);
    expect(r.kind).toBe('workload');
    if (r.kind !== 'workload') return;
    expect(r.result.placed).toHaveLength(1);
    expect(r.result.crashing).toEqual([expect.objectContaining({ node: '10.1.0.55', reason: expect.stringContaining('bind() to 0.0.0.0:80 failed (98: Address in use)') })]);
    expect(r.result.pending).toEqual([]);
  });
});
