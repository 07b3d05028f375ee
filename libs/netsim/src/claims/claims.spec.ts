import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadSnapshot } from '../adapter';
import { snapshotForCase, traceCases } from '../../test/fixture-cases';
import type { Snapshot } from '../model/types';
import { portClaims } from './claims';

function caseSnapshot(id: string): Snapshot {
  const c = traceCases().find((x) => x.id === id);
  if (!c) throw new Error(`no case ${id}`);
  return snapshotForCase(c);
}

function listen(s: Snapshot, node: string, port: number, process: string, address = '0.0.0.0'): void {
  const hs = s.hostStates.find((h) => h.node === node);
  if (hs) hs.listeners.push({ address, port, protocol: 'TCP', process });
  else s.hostStates.push({ node, listeners: [{ address, port, protocol: 'TCP', process }], extraAddresses: [] });
}

describe('portClaims', () => {
  it('a NodePort beats a hostPort of the same number and protocol', () => {
    const claims = portClaims(caseSnapshot('np-hostport-equal-to-nodeport-nodeport-wins'), 'node-a', 30080);
    expect(claims.map((c) => [c.kind, c.owner, c.effective])).toEqual([
      ['hostPort', 'demo/hp-30080', false],
      ['nodePort', 'demo/web:http', true],
    ]);
    expect(claims[0].shadowedBy).toMatch(/^NodePort demo\/web:http/);
  });

  it('a NodePort with endpoints shadows a hostNetwork socket on the same port', () => {
    const claims = portClaims(caseSnapshot('np-hostnetwork-listener-on-nodeport-is-shadowed'), 'node-a', 30080);
    const squatter = claims.find((c) => c.kind === 'hostNetwork');
    expect(squatter).toMatchObject({ owner: 'demo/squatter', effective: false });
    expect(squatter?.shadowedBy).toMatch(/NodePort demo\/web:http/);
    expect(claims.find((c) => c.kind === 'nodePort')?.effective).toBe(true);
  });

  it('a NodePort without endpoints REJECTs even a host listener on that port', () => {
    const s = caseSnapshot('svc-selector-matches-nothing-clusterip-rejected');
    listen(s, 'node-a', 30090, 'node-exporter');
    const claims = portClaims(s, 'node-a', 30090);
    const l = claims.find((c) => c.kind === 'host-listener');
    expect(l).toMatchObject({ owner: 'node-exporter', effective: false });
    expect(l?.shadowedBy).toMatch(/^rejected by filter KUBE-EXTERNAL-SERVICES \(demo\/empty:http\)/);
    expect(claims.find((c) => c.kind === 'nodePort')).toMatchObject({ effective: true, owner: 'demo/empty:http' });
  });

  it('a portmap hostPort silently captures a host listener on the same port', () => {
    const s = caseSnapshot('hp-external-to-hostport');
    listen(s, 'node-a', 8080, 'java');
    const claims = portClaims(s, 'node-a', 8080);
    expect(claims.find((c) => c.kind === 'hostPort')).toMatchObject({ owner: 'demo/web-hp-0', effective: true });
    const l = claims.find((c) => c.kind === 'host-listener');
    expect(l).toMatchObject({ owner: 'java', effective: false });
    expect(l?.shadowedBy).toMatch(/hostPort of pod demo\/web-hp-0/);
  });

  it('a hostPort on a specific hostIP does not capture other addresses', () => {
    const s = caseSnapshot('hp-specific-hostip-other-node-address');
    listen(s, 'node-a', 8443, 'nginx', '10.0.0.10');
    const claims = portClaims(s, 'node-a', 8443);
    expect(claims.find((c) => c.kind === 'hostPort')).toMatchObject({ address: '192.168.1.10', effective: true });
    expect(claims.find((c) => c.kind === 'host-listener')).toMatchObject({ address: '10.0.0.10', effective: true });
  });

  it('lists hostNetwork declared ports and host listeners as sockets', () => {
    const claims = portClaims(caseSnapshot('net-port-nothing-listens'), 'node-b');
    expect(claims).toEqual([
      expect.objectContaining({ kind: 'hostNetwork', owner: 'demo/agent-b', port: 9100, address: '0.0.0.0', effective: true }),
    ]);
  });
});

describe('portClaims without portmap', () => {
  it('a hostPort with a CNI that has no portmap plugin is bookkeeping only', () => {
    const c = traceCases().find((x) => x.id === 'hp-external-to-hostport');
    if (!c) throw new Error('missing case');
    const s = snapshotForCase(c);
    s.profile.cni = { networkName: 'cbr0', conflist: null, ipMasq: false, bridge: 'cni0' };
    expect(portClaims(s, 'node-a', 8080)).toEqual([expect.objectContaining({ kind: 'hostPort', effective: false, note: expect.stringMatching(/no portmap plugin/) })]);
  });
});

describe('portClaims across families and dataplanes', () => {
  const load = (f: string) => loadSnapshot([{ name: f, text: readFileSync(path.join(__dirname, '../../../../test/fixtures', f.startsWith('cilium') ? 'dataplanes' : 'clusters', f), 'utf8') }]).snapshot;

  it('a dual-stack node holds each claim in each family its owner has, and traces each in its own family', () => {
    const claims = portClaims(load('dualstack-kubeadm.yaml'), 'cp-1');
    expect(claims.map((c) => [c.kind, c.address, c.port, c.owner, c.effective])).toEqual([
      ['hostPort', '0.0.0.0', 443, 'demo/ingress-hp', true],
      ['hostPort', '::', 443, 'demo/ingress-hp', true],
      ['nodePort', '0.0.0.0', 30080, 'demo/web:http', true],
      ['nodePort', '::', 30080, 'demo/web:http', true],
    ]);
  });

  it('an IPv4-only Service claims its NodePort in IPv4 only; a hostPort with hostIP 0.0.0.0 is IPv4 only, :: IPv6 only', () => {
    const s = load('dualstack-kubeadm.yaml');
    const svc = s.services.find((x) => x.name === 'web');
    if (!svc) throw new Error('no web Service');
    svc.clusterIPs = ['10.96.30.30'];
    const pod = s.pods.find((p) => p.name === 'ingress-hp');
    if (!pod) throw new Error('no ingress-hp');
    pod.containers[0].ports.push({ ...pod.containers[0].ports[0], hostPort: 8443, hostIP: '::' });
    const claims = portClaims(s, 'cp-1');
    expect(claims.filter((c) => c.port === 30080).map((c) => c.address)).toEqual(['0.0.0.0']);
    expect(claims.filter((c) => c.port === 8443).map((c) => c.address)).toEqual(['::']);
  });

  it('under Cilium the NodePort wins over a hostNetwork socket on its number, named by its eBPF lookup', () => {
    const s = load('cilium-kpr.yaml');
    s.pods.push({ ...s.pods[0], name: 'squatter', nodeName: 'worker-1', hostNetwork: true, podIPs: ['172.18.0.3'], containers: [{ ...s.pods[0].containers[0], ports: [{ ...s.pods[0].containers[0].ports[0], containerPort: 31234 }] }] });
    const claims = portClaims(s, 'worker-1', 31234);
    expect(claims.map((c) => [c.kind, c.owner, c.effective])).toEqual([
      ['hostNetwork', 'apps/squatter', false],
      ['nodePort', 'apps/echo:http', true],
    ]);
    expect(claims[0].shadowedBy).toMatch(/^NodePort apps\/echo:http \(Cilium's NodePort lookup/);
    expect(claims[1].note).toMatch(/bind\(\) to it is refused \(node-port-bind-protection\)/);
  });
});
