import { aContainer, aNode, aPod, aSnapshot } from '../testing';
import type { HostListener, Pod } from '../model/types';
import { buildSnapshot } from '../adapter/build';
import { fromObjects } from '../adapter/parse';
import { portClaims } from '../claims/claims';
import { bindsConflict, hostNetworkBinds, listenerBind, NODE_IP, parseListenAddress, type SocketBind } from './binds';
import { schedulePod } from './schedule';
import { buildSchedulingState } from './state';

const tcp = (address: string, port = 9100, v6only?: boolean): SocketBind => ({ address, port, protocol: 'TCP', ...(v6only === undefined ? {} : { v6only }) });

describe('bindsConflict (Linux inet_rcv_saddr_equal / ipv6_rcv_saddr_equal)', () => {
  type Row = [string, SocketBind, SocketBind, boolean];
  const rows: Row[] = [
    ['0.0.0.0 vs a specific IPv4', tcp('0.0.0.0'), tcp('10.0.0.1'), true],
    ['two distinct specific IPv4 addresses', tcp('127.0.0.1'), tcp('10.0.0.1'), false],
    ['the same specific address', tcp('10.0.0.1'), tcp('10.0.0.1'), true],
    ['other port', tcp('0.0.0.0', 9100), tcp('0.0.0.0', 9101), false],
    ['TCP and UDP apart', tcp('0.0.0.0'), { address: '0.0.0.0', port: 9100, protocol: 'UDP' }, false],
    ['dual-stack [::] covers IPv4 wildcard', tcp('::', 9100, false), tcp('0.0.0.0'), true],
    ['dual-stack [::] covers a specific IPv4', tcp('::', 9100, false), tcp('127.0.0.1'), true],
    ['V6ONLY [::] leaves IPv4 alone', tcp('::', 9100, true), tcp('0.0.0.0'), false],
    ["ss's '*' is dual-stack", tcp('*'), tcp('10.0.0.1'), true],
    ['IPv4 wildcard vs a specific IPv6', tcp('0.0.0.0'), tcp('2001:db8::1'), false],
    ['::1 vs 127.0.0.1', tcp('[::1]'), tcp('127.0.0.1'), false],
    ['IPv4-mapped IPv6 is IPv4', tcp('::ffff:10.0.0.1'), tcp('10.0.0.1'), true],
    ['two IPv6 wildcards, both V6ONLY', tcp('::', 9100, true), tcp('[::]', 9100, true), true],
  ];
  it.each(rows)('%s', (_n, a, b, want) => {
    expect(bindsConflict(a, b)).toBe(want);
    expect(bindsConflict(b, a)).toBe(want);
  });
  it('resolves the node IP placeholder per node', () => {
    expect(bindsConflict(tcp(NODE_IP), tcp('10.0.0.1'), '10.0.0.1')).toBe(true);
    expect(bindsConflict(tcp(NODE_IP), tcp('10.0.0.2'), '10.0.0.1')).toBe(false);
    expect(bindsConflict(tcp(NODE_IP), tcp('127.0.0.1'), '10.0.0.1')).toBe(false);
  });
  it("reads listeners as ss prints them: '[::]' is V6ONLY, '*' is dual-stack", () => {
    const l = (address: string): HostListener => ({ address, port: 9100, protocol: 'TCP' });
    expect(bindsConflict(listenerBind(l('[::]')), tcp('0.0.0.0'))).toBe(false);
    expect(bindsConflict(listenerBind(l('*')), tcp('0.0.0.0'))).toBe(true);
    expect(bindsConflict(listenerBind({ ...l('::'), v6only: false }), tcp('0.0.0.0'))).toBe(true);
  });
});

describe('listen addresses from args', () => {
  it('parses host:port forms, Go empty host as dual-stack, $(VAR) from status.podIP as the node IP', () => {
    expect(parseListenAddress(':9100')).toEqual({ address: '*', port: 9100 });
    expect(parseListenAddress('127.0.0.1:8080')).toEqual({ address: '127.0.0.1', port: 8080 });
    expect(parseListenAddress('[::1]:9100')).toEqual({ address: '::1', port: 9100 });
    expect(parseListenAddress('[$(IP)]:9100', { IP: 'status.podIP' })).toEqual({ address: NODE_IP, port: 9100 });
    expect(parseListenAddress('9100')).toBeUndefined();
    expect(parseListenAddress(':70000')).toBeUndefined();
  });

  it('the adapter keeps command/args and fieldRef env, and the image table knows the flags', () => {
    const [po] = fromObjects([
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'node-exporter-x', namespace: 'monitoring' },
        spec: {
          hostNetwork: true,
          containers: [
            { name: 'node-exporter', image: 'quay.io/prometheus/node-exporter:v1.8.2', args: ['--web.listen-address=127.0.0.1:9100', '--path.procfs=/host/proc'] },
            {
              name: 'kube-rbac-proxy',
              image: 'quay.io/brancz/kube-rbac-proxy:v0.18.1',
              args: ['--secure-listen-address', '[$(IP)]:9100', '--upstream=http://127.0.0.1:9100/'],
              env: [{ name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }],
              ports: [{ containerPort: 9100, hostPort: 9100, name: 'https' }],
            },
            { name: 'other', image: 'example.com/unknown:1', args: ['--web.listen-address=:7000'] },
          ],
        },
      },
    ]);
    const pod = buildSnapshot([po]).snapshot.pods[0];
    const { binds, unknownImages } = hostNetworkBinds(pod);
    expect(binds).toEqual([
      { address: '127.0.0.1', port: 9100, protocol: 'TCP', certainty: 'declared' },
      { address: NODE_IP, port: 9100, protocol: 'TCP', certainty: 'declared' },
    ]);
    // an image the table does not know: its flag is not read
    expect(unknownImages).toEqual(['example.com/unknown:1']);
  });
});

function exporter(address: string): Pod {
  const c = aContainer('node-exporter', { image: 'quay.io/prometheus/node-exporter:v1.8.2', args: [`--web.listen-address=${address}`] });
  return aPod('exp', { hostNetwork: true, containers: [c] });
}

describe('runtime predictions are address-aware', () => {
  const snap = (listener: HostListener) => aSnapshot({ nodes: [aNode('n1', { ip: '10.0.0.1' })], hostStates: [{ node: 'n1', listeners: [listener], extraAddresses: [] }] });
  const crash = (s: ReturnType<typeof snap>, p: Pod) => schedulePod(buildSchedulingState(s), p).nodes[0].runtime.find((r) => r.kind === 'bind-conflict');

  it('a host process on 127.0.0.1:P does not crash a pod binding the node IP', () => {
    const s = snap({ address: '127.0.0.1', port: 9100, protocol: 'TCP', process: 'sshd-tunnel' });
    const c = aContainer('proxy', { image: 'quay.io/brancz/kube-rbac-proxy:v0.18.1', args: ['--secure-listen-address=$(IP):9100'], fieldEnv: { IP: 'status.hostIP' } });
    expect(crash(s, aPod('p', { hostNetwork: true, containers: [c] }))).toBeUndefined();
  });
  it('a pod binding 0.0.0.0:P or :P does conflict with 127.0.0.1:P', () => {
    const s = snap({ address: '127.0.0.1', port: 9100, protocol: 'TCP', process: 'sshd-tunnel' });
    expect(crash(s, exporter('0.0.0.0:9100'))).toMatchObject({ certainty: 'observed', message: 'bind() to 0.0.0.0:9100 failed (98: Address in use)' });
    expect(crash(s, exporter(':9100'))).toMatchObject({ certainty: 'observed' });
    expect(crash(s, exporter('127.0.0.2:9100'))).toBeUndefined();
  });
  it('a V6ONLY [::] listener leaves an IPv4 bind alone; a dual-stack one does not', () => {
    expect(crash(snap({ address: '[::]', port: 9100, protocol: 'TCP' }), exporter('0.0.0.0:9100'))).toBeUndefined();
    expect(crash(snap({ address: '*', port: 9100, protocol: 'TCP' }), exporter('0.0.0.0:9100'))).toBeDefined();
  });
  it('UDP listener does not block a TCP bind', () => {
    expect(crash(snap({ address: '0.0.0.0', port: 9100, protocol: 'UDP' }), exporter('0.0.0.0:9100'))).toBeUndefined();
  });
});

describe('claims: distinct specific addresses coexist', () => {
  it('notes "only one bind()" only when the addresses overlap', () => {
    const s = aSnapshot({
      nodes: [aNode('n1', { ip: '10.0.0.1' })],
      pods: [aPod('exp', { hostNetwork: true, node: 'n1', containers: [aContainer('node-exporter', { image: 'quay.io/prometheus/node-exporter:v1.8.2', args: ['--web.listen-address=10.0.0.1:9100'], ports: [9100] })] })],
      hostStates: [{ node: 'n1', listeners: [{ address: '127.0.0.1', port: 9100, protocol: 'TCP', process: 'tunnel' }], extraAddresses: [] }],
    });
    const claims = portClaims(s, 'n1', 9100);
    expect(claims.map((c) => [c.kind, c.address])).toEqual([
      ['host-listener', '127.0.0.1'],
      ['hostNetwork', '10.0.0.1'],
    ]);
    for (const c of claims) expect(c.note ?? '').not.toMatch(/only one bind/);
    s.hostStates[0].listeners.push({ address: '0.0.0.0', port: 9100, protocol: 'TCP', process: 'rogue' });
    expect(portClaims(s, 'n1', 9100).some((c) => /only one bind\(\) succeeds/.test(c.note ?? ''))).toBe(true);
  });
});
