/** Listener inventories from ss and netstat (fixtures in test/fixtures/dumps, after real outputs). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadSnapshot, parseListeners, splitAddress, SERVICE_PORTS } from '../src/adapter';

const DIR = path.join(__dirname, '../../../test/fixtures/dumps');
const read = (f: string) => fs.readFileSync(path.join(DIR, f), 'utf8');
const brief = (ls: Array<{ address: string; port: number; protocol: string; device?: string; process?: string }>) =>
  ls.map((l) => `${l.protocol} ${l.address}${l.device ? `%${l.device}` : ''}:${l.port} ${l.process ?? '-'}`);

describe('ss', () => {
  it('reads ss -tulp (no -n): service names resolved, devices, mapped addresses, first process', () => {
    const p = parseListeners(read('ss-tulp.txt'));
    expect(p.format).toBe('ss');
    expect(brief(p.listeners)).toEqual([
      'UDP 127.0.0.53%lo:53 systemd-resolve',
      'UDP 0.0.0.0%lo:53 coredns',
      'UDP 0.0.0.0:111 rpcbind',
      'UDP 0.0.0.0%eth0:68 dhclient',
      'TCP 0.0.0.0:22 sshd',
      'TCP 0.0.0.0:80 nginx',
      'TCP 127.0.0.1:8080 kubelet',
      'TCP 127.0.0.1:5432 postgres',
      'TCP *:10250 kubelet',
      'TCP :::443 nginx',
      'TCP 127.0.0.1:3306 mysqld',
    ]);
    expect(p.listeners.find((l) => l.process === 'nginx')?.pid).toBe(1020);
    expect(p.resolved.map((r) => `${r.name}=${r.port}`)).toEqual(['domain=53', 'domain=53', 'sunrpc=111', 'bootpc=68', 'ssh=22', 'http=80', 'http-alt=8080', 'postgresql=5432', 'https=443', 'mysql=3306']);
    // the connected UDP socket is not a listener; the unknown service name is reported with its text
    expect(p.skipped.map((s) => [s.line, s.reason])).toEqual([
      [6, 'not-a-listener'],
      [14, 'unknown-service'],
    ]);
    expect(p.skipped[1].text).toContain('*:tripwire-x');
    expect(p.skipped[1].message).toContain('tripwire-x');
  });

  it('reads ss -tln without the Netid column', () => {
    const p = parseListeners(read('ss-tln.txt'));
    expect(brief(p.listeners)).toEqual(['TCP 127.0.0.1:10248 -', 'TCP 127.0.0.1:10249 -', 'TCP 172.18.0.2:10250 -', 'TCP 0.0.0.0:22 -', 'TCP :::22 -']);
    expect(p.skipped).toEqual([]);
  });

  it('never takes an established peer for a listener (ss -tan)', () => {
    const p = parseListeners('State  Recv-Q Send-Q Local Address:Port Peer Address:Port\nLISTEN 0 128 0.0.0.0:22 0.0.0.0:*\nESTAB 0 0 10.0.0.12:22 10.0.0.99:51844\nTIME-WAIT 0 0 10.0.0.12:9100 10.0.0.40:60512\n');
    expect(brief(p.listeners)).toEqual(['TCP 0.0.0.0:22 -']);
    expect(p.skipped.map((s) => s.text.split(/\s+/)[0])).toEqual(['ESTAB', 'TIME-WAIT']);
  });

  it('reports unix and netlink rows of ss -la as not internet sockets', () => {
    const p = parseListeners('Netid State Recv-Q Send-Q Local Address:Port Peer Address:Port\nu_str LISTEN 0 4096 /run/containerd/containerd.sock 31022 * 0\nnl UNCONN 0 0 rtnl:kernel *\ntcp LISTEN 0 4096 *:22 *:*\n');
    expect(brief(p.listeners)).toEqual(['TCP *:22 -']);
    expect(p.skipped.map((s) => s.reason)).toEqual(['not-inet', 'not-inet']);
  });

  it('splits the address forms ss and netstat print', () => {
    expect(splitAddress('[::]:80')).toEqual({ address: '::', portText: '80' });
    expect(splitAddress('*:22')).toEqual({ address: '*', portText: '22' });
    expect(splitAddress('0.0.0.0%lo:53')).toEqual({ address: '0.0.0.0', device: 'lo', portText: '53' });
    expect(splitAddress('[fe80::5054:ff:fe12:3456]%eth0:546')).toEqual({ address: 'fe80::5054:ff:fe12:3456', device: 'eth0', portText: '546' });
    expect(splitAddress('[::ffff:127.0.0.1]:8080')).toEqual({ address: '127.0.0.1', portText: '8080' });
    expect(splitAddress(':::80')).toEqual({ address: '::', portText: '80' });
    expect(splitAddress('nonsense')).toBeNull();
  });

  it('ships the netbase names ss prints without -n', () => {
    expect(SERVICE_PORTS.tcp['http-alt']).toBe(8080);
    expect(SERVICE_PORTS.udp['domain']).toBe(53);
    expect(SERVICE_PORTS.udp['bootps']).toBe(67);
    expect(SERVICE_PORTS.tcp['sunrpc']).toBe(111);
    expect(SERVICE_PORTS.udp['http-alt']).toBeUndefined(); // netbase lists it for tcp only
  });
});

describe('netstat', () => {
  it('reads netstat -tlnup: tcp6 :::port, UDP with an empty State, program names', () => {
    const p = parseListeners(read('netstat-tlnup.txt'));
    expect(p.format).toBe('netstat');
    expect(brief(p.listeners)).toEqual([
      'TCP 0.0.0.0:22 sshd',
      'TCP 127.0.0.1:10248 kubelet',
      'TCP 127.0.0.53:53 systemd-resolve',
      'TCP :::80 nginx',
      'TCP :::10250 kubelet',
      'UDP 127.0.0.53:53 systemd-resolve',
      'UDP 0.0.0.0:111 rpcbind',
      'UDP :::111 rpcbind',
    ]);
    expect(p.skipped).toEqual([]);
  });

  it('reads netstat -anp: listeners only, every other row reported with its text', () => {
    const p = parseListeners(read('netstat-anp.txt'));
    expect(brief(p.listeners)).toEqual(['TCP 0.0.0.0:22 sshd', 'TCP 0.0.0.0:9100 node_exporter', 'TCP :::10250 kubelet', 'UDP 0.0.0.0:68 dhclient']);
    expect(p.skipped.map((s) => `${s.line} ${s.reason}`)).toEqual(['5 not-a-listener', '6 not-a-listener', '7 not-a-listener', '10 not-a-listener', '13 not-inet', '14 not-inet']);
    expect(p.skipped[0].text).toContain('10.0.0.99:51844');
    // no peer address of an established connection became a listener
    expect(p.listeners.some((l) => l.address === '10.0.0.12')).toBe(false);
  });
});

describe('NodeHostState with raw listener text', () => {
  it('loads spec.ss and spec.netstat and reports skipped lines by text, resolved names as info', () => {
    const doc = {
      apiVersion: 'portolan.dev/v1alpha1',
      kind: 'NodeHostState',
      metadata: { name: 'kind-worker' },
      spec: { ss: read('ss-tulp.txt'), netstat: read('netstat-anp.txt') },
    };
    const { snapshot, diagnostics } = loadSnapshot([{ name: 'hs.json', text: JSON.stringify(doc) }]);
    expect(snapshot.hostStates[0].listeners).toHaveLength(11 + 4);
    const warn = diagnostics.filter((d) => d.severity === 'warning').map((d) => d.message);
    expect(warn).toEqual([expect.stringContaining('line 14 of the ss output skipped (port name not in the services table (use -n): *:tripwire-x)')]);
    expect(warn[0]).toContain('users:(("agent",pid=1300,fd=3))');
    const info = diagnostics.filter((d) => d.severity === 'info').map((d) => d.message);
    expect(info.some((m) => m.includes('http-alt/tcp=8080'))).toBe(true);
    expect(info.some((m) => m.startsWith('6 line(s) of the netstat output are not listening internet sockets'))).toBe(true);
  });
});
