import { aNode, aPod, aService, aSnapshot } from '../testing';
import { buildSnapshot } from '../adapter';
import type { EndpointSlice, Snapshot } from '../model/types';
import { trace } from '../trace';
import { parseNftRuleset, parsePriority } from './parse';
import { printNftRuleset } from './print';
import { nftListRuleset } from './render';

const web = [aPod('web-0', { namespace: 'demo', node: 'node-a', podIPs: ['10.244.0.5'], labels: { app: 'web' } }), aPod('web-1', { namespace: 'demo', node: 'node-b', podIPs: ['10.244.1.5'], labels: { app: 'web' } })];
const slice: EndpointSlice = { namespace: 'demo', name: 'web-x', serviceName: 'web', addressType: 'IPv4', ports: [{ name: '', port: 8080, protocol: 'TCP' }], endpoints: web.map((p) => ({ addresses: p.podIPs, ready: true, serving: true, terminating: false, nodeName: p.nodeName })), derived: false };

function demo(dump?: string): Snapshot {
  const s = aSnapshot({
    nodes: [aNode('node-a', { ip: '192.168.1.10', podCIDRs: ['10.244.0.0/24'] }), aNode('node-b', { ip: '192.168.1.11', podCIDRs: ['10.244.1.0/24'] })],
    pods: web,
    services: [aService('web', { namespace: 'demo', clusterIP: '10.96.0.10', sessionAffinity: 'ClientIP', ports: [{ port: 80, targetPort: 8080, nodePort: 30080 }] })],
    endpointSlices: [slice],
  });
  s.profile.kubeProxy = { ...s.profile.kubeProxy, mode: 'nftables', clusterCIDR: '10.244.0.0/16', detectLocalMode: 'ClusterCIDR', nodePortAddresses: ['192.168.0.0/16', '10.0.0.0/24'] };
  s.serviceCIDRs = ['10.96.0.0/16'];
  if (dump !== undefined) s.hostStates.push({ node: 'node-a', listeners: [], extraAddresses: ['10.0.0.10/24', '10.0.0.11/24'], nftRuleset: dump });
  else s.hostStates.push({ node: 'node-a', listeners: [], extraAddresses: ['10.0.0.10/24', '10.0.0.11/24'] });
  return s;
}

describe('parseNftRuleset (nft list ruleset output)', () => {
  it('reads back what it prints: sets with several elements per line, maps, affinity sets, base chains, comments', () => {
    const text = nftListRuleset(demo(), 'node-a');
    expect(text).toContain('elements = { 192.168.1.10, 10.0.0.10,\n\t\t\t     10.0.0.11 }');
    const { tables, diagnostics } = parseNftRuleset(text);
    expect(diagnostics).toEqual([]);
    expect(printNftRuleset(tables)).toBe(text);
  });

  it('reads named and offset priorities, `nft -a` handles, and reports what it does not model with line numbers', () => {
    expect([parsePriority('dstnat - 10'), parsePriority('srcnat'), parsePriority('-90'), parsePriority('filter + 5')]).toEqual([-110, 100, -90, 5]);
    const { tables, diagnostics } = parseNftRuleset('table ip t { # handle 3\n\tflowtable f {\n\t\thook ingress priority 0\n\t}\n\tchain c { # handle 1\n\t\ttype filter hook input priority filter; policy drop;\n\t\tiifname "lo" accept # handle 4\n\t}\n\tbogus line\n}\n');
    expect(tables[0].chains[0]).toEqual({ name: 'c', base: { type: 'filter', hook: 'input', priority: 0, policy: 'drop' }, rules: [{ text: 'iifname "lo" accept' }] });
    expect(diagnostics.map((d) => d.line)).toEqual([2, 9]);
  });
});

describe('traces over an uploaded nft list ruleset', () => {
  const req = { toHost: '192.168.1.10', port: 30080, protocol: 'TCP', from: { kind: 'external' } } as const;

  it('the node\'s own listing walks like the rendered table, says so, and is complete', () => {
    const rendered = trace(demo(), req);
    const fromDump = trace(demo(nftListRuleset(demo(), 'node-a')), req);
    expect(fromDump.fromDump).toBe(true);
    expect(fromDump.complete).toBe(true);
    expect(fromDump.notes).toContain('walked the nft list ruleset dump uploaded for node-a');
    expect(fromDump.destinations.map((d) => [d.pod, d.probability, d.masquerade])).toEqual(rendered.destinations.map((d) => [d.pod, d.probability, d.masquerade]));
    expect(fromDump.hops.map((h) => `${h.chain} ${h.verdict}`)).toEqual(rendered.hops.map((h) => `${h.chain} ${h.verdict}`));
  });

  it('a dump without the nat-prerouting jump is walked as it is and flagged entry-unreachable; a removed endpoint chain flags chain-missing and chain-absent-from-dump', () => {
    // kube-proxy's table as `nft list table` of a node where someone flushed the nat base chains
    const cut = nftListRuleset(demo(), 'node-a').replace(/(type nat hook (?:prerouting priority dstnat|output priority -100); policy accept;\n)\t\tjump services\n/g, '$1');
    const r = trace(demo(cut), req);
    expect(r.outcome).toBe('refused');
    expect(r.complete).toBe(false);
    expect(r.incomplete).toEqual([expect.objectContaining({ code: 'entry-unreachable', table: 'ip kube-proxy', chain: 'services' })]);
    const noEndpoint = nftListRuleset(demo(), 'node-a').replace(/\tchain endpoint-[^\n]*10\.244\.1\.5[^\n]*\{\n(\t\t[^\n]*\n)*\t\}\n\n/, '');
    const r2 = trace(demo(noEndpoint), req);
    expect(r2.incomplete?.map((i) => i.code)).toEqual(expect.arrayContaining(['chain-missing', 'chain-absent-from-dump']));
  });

  it('NodeHostState spec.nftRuleset is read from a document', () => {
    const dump = 'table ip kube-proxy {\n\tchain nat-prerouting {\n\t\ttype nat hook prerouting priority dstnat; policy accept;\n\t}\n}\n';
    const { snapshot } = buildSnapshot([{ apiVersion: 'portolan.dev/v1alpha1', kind: 'NodeHostState', metadata: { name: 'node-a' }, spec: { nodeName: 'node-a', nftRuleset: dump } }]);
    expect(snapshot.hostStates[0].nftRuleset).toBe(dump);
  });
});
