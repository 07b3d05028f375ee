/** Traces over uploaded dumps that cannot be the whole truth say so, machine-readably. */
import { aNode, aPod, aService, aSnapshot } from '../testing';
import type { EndpointSlice, Snapshot } from '../model/types';
import { renderNode } from '../iptables/render';
import { toIptablesSave } from '../iptables/save';
import { trace } from './trace';

function cluster(): Snapshot {
  const web = aPod('web-0', { namespace: 'demo', node: 'node-a', podIPs: ['10.244.0.5'], labels: { app: 'web' } });
  const slice: EndpointSlice = { namespace: 'demo', name: 'web-x', serviceName: 'web', addressType: 'IPv4', ports: [{ name: '', port: 8080, protocol: 'TCP' }], endpoints: [{ addresses: ['10.244.0.5'], ready: true, serving: true, terminating: false, nodeName: 'node-a' }], derived: false };
  const s = aSnapshot({
    nodes: [aNode('node-a', { ip: '192.168.1.10', podCIDRs: ['10.244.0.0/24'] })],
    pods: [web],
    services: [aService('web', { namespace: 'demo', clusterIP: '10.96.0.10', ports: [{ port: 80, targetPort: 8080, nodePort: 30080 }] })],
    endpointSlices: [slice],
  });
  s.profile.kubeProxy.clusterCIDR = '10.244.0.0/16';
  s.profile.kubeProxy.detectLocalMode = 'ClusterCIDR';
  return s;
}

function withDump(dump: string): Snapshot {
  const s = cluster();
  s.hostStates.push({ node: 'node-a', listeners: [], extraAddresses: [], iptablesSave: dump });
  return s;
}

const ASK = { toHost: 'node-a', port: 30080, protocol: 'TCP', from: { kind: 'external' } } as const;
const FULL = toIptablesSave(renderNode(cluster(), 'node-a'));

describe('trace completeness over dumps', () => {
  it('a dump holding everything the snapshot implies is complete', () => {
    const r = trace(withDump(FULL), ASK);
    expect(r.fromDump).toBe(true);
    expect(r).toMatchObject({ complete: true, incomplete: [] });
    expect(r.outcome).toBe('delivered');
  });

  it('rendered rules are complete by construction', () => {
    expect(trace(cluster(), ASK)).toMatchObject({ complete: true, incomplete: [] });
  });

  it("kube-proxy's restore payload (no -A PREROUTING -j KUBE-SERVICES) names the unreachable entry chain", () => {
    const payload = FULL.split('\n').filter((l) => !/^-A (PREROUTING|OUTPUT|POSTROUTING|FORWARD|INPUT) .*-j (KUBE-SERVICES|KUBE-POSTROUTING|KUBE-FORWARD|KUBE-NODEPORTS|KUBE-EXTERNAL-SERVICES|KUBE-PROXY-FIREWALL|KUBE-FIREWALL)/.test(l)).join('\n');
    const r = trace(withDump(payload), ASK);
    expect(r.complete).toBe(false);
    expect(r.incomplete).toContainEqual(expect.objectContaining({ code: 'entry-unreachable', node: 'node-a', table: 'nat', chain: 'KUBE-SERVICES' }));
  });

  it('a grep cut: referenced chains absent, endpoint bodies missing, implied chains absent', () => {
    const sep = /KUBE-SEP-[A-Z0-9]+/.exec(FULL)?.[0] as string;
    const svc = /KUBE-SVC-[A-Z0-9]+/.exec(FULL)?.[0] as string;
    // keep the SEP declared but drop its rules; drop the SVC chain entirely (its jumps stay)
    const cut = FULL.split('\n').filter((l) => !l.startsWith(`-A ${sep} `) && !l.startsWith(`-A ${svc} `) && l !== `:${svc} - [0:0]`).join('\n');
    const r = trace(withDump(cut), ASK);
    expect(r.complete).toBe(false);
    const codes = r.incomplete.map((i) => `${i.code} ${i.chain ?? ''}`);
    expect(codes).toContain(`chain-missing ${svc}`);
    // every line of the Service gone (a dump older than the Service): only the plan can tell
    const older = trace(withDump(FULL.split('\n').filter((l) => !l.includes(svc)).join('\n')), ASK);
    expect(older.complete).toBe(false);
    expect(older.incomplete.map((i) => `${i.code} ${i.chain ?? ''}`)).toContain(`chain-absent-from-dump ${svc}`);
    // the SEP is not reachable any more once its SVC is gone, so it is named only if something jumps to it
    const withSep = FULL.split('\n').filter((l) => !l.startsWith(`-A ${sep} `)).join('\n');
    expect(trace(withDump(withSep), ASK).incomplete).toContainEqual(expect.objectContaining({ code: 'endpoint-chain-empty', chain: sep }));
  });

  it('a headerless fragment: the inferred table is a reason', () => {
    const nat = FULL.slice(FULL.indexOf('*nat'));
    const fragment = nat.slice(0, nat.indexOf('COMMIT')).split('\n').filter((l) => l.startsWith('-A ') || l.startsWith(':')).map((l) => (l.startsWith(':') ? `-N ${l.slice(1).split(' ')[0]}` : l)).filter((l) => !/^-N (PREROUTING|INPUT|OUTPUT|POSTROUTING)$/.test(l)).join('\n');
    const r = trace(withDump(fragment), ASK);
    expect(r.complete).toBe(false);
    expect(r.incomplete).toContainEqual(expect.objectContaining({ code: 'table-inferred', table: 'nat' }));
  });
});
