import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ClusterEngine } from '../engine';
import { loadSnapshot } from '../adapter';

const seed = (f: string) => new ClusterEngine(loadSnapshot([{ name: f, text: readFileSync(path.resolve(__dirname, '../../../../test/fixtures/clusters', f), 'utf8') }]).snapshot);

/** The node's dump as iptables-save prints it, with Docker's rules as a node running dockerd has them. */
function withDocker(save: string): string {
  return save
    .replace(':POSTROUTING ACCEPT [0:0]\n', ':POSTROUTING ACCEPT [0:0]\n:DOCKER - [0:0]\n')
    .replace(/(\*nat\n(?:.*\n)*?)COMMIT/, '$1-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER\n-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE\n-A DOCKER -i docker0 -j RETURN\nCOMMIT');
}

describe('iptables drift', () => {
  const engine = seed('seed-001-exposure-modes.yaml');
  const clean = engine.iptablesSave('node-a');

  it('finds nothing in the dump of a node that holds exactly the rendered rules, and Docker is foreign', () => {
    const d = engine.drift('node-a', withDocker(clean));
    expect(d.findings).toEqual([]);
    expect(d.clean).toBe(true);
    expect(d.foreign).toEqual(expect.arrayContaining([{ table: 'nat', chain: 'DOCKER', owner: 'docker', rules: 1 }, { table: 'nat', chain: 'POSTROUTING', owner: 'unknown', rules: 1 }]));
  });

  it('finds a stale CNI-DN- chain of a pod that no longer exists, and its CNI-HOSTPORT-DNAT jump', () => {
    const stale = clean
      .replace(':CNI-HOSTPORT-SETMARK - [0:0]\n', ':CNI-DN-0123456789abcdef01234 - [0:0]\n:CNI-HOSTPORT-SETMARK - [0:0]\n')
      .replace(/(-A CNI-HOSTPORT-DNAT .*\n)/, '$1-A CNI-HOSTPORT-DNAT -p tcp -m comment --comment "dnat name: \\"cbr0\\" id: \\"deadbeef\\"" -m multiport --dports 9090 -j CNI-DN-0123456789abcdef01234\n-A CNI-DN-0123456789abcdef01234 -p tcp -m tcp --dport 9090 -j DNAT --to-destination 10.244.0.99:9090\n');
    const d = engine.drift('node-a', stale);
    expect(d.clean).toBe(false);
    expect(d.findings).toHaveLength(3);
    expect(d.findings).toEqual(expect.arrayContaining([
      { kind: 'extra', table: 'nat', chain: 'CNI-DN-0123456789abcdef01234', wholeChain: true },
      { kind: 'extra', table: 'nat', chain: 'CNI-DN-0123456789abcdef01234', actual: '-p tcp -m tcp --dport 9090 -j DNAT --to-destination 10.244.0.99:9090' },
      { kind: 'extra', table: 'nat', chain: 'CNI-HOSTPORT-DNAT', actual: expect.stringContaining('--dports 9090 -j CNI-DN-0123456789abcdef01234') },
    ]));
    expect(d.counts).toEqual({ missing: 0, extra: 2, different: 0, order: 0 });
  });

  it('finds a missing rule, a rule written differently, and a probability cascade out of order', () => {
    const lines = clean.split('\n');
    const masq = lines.findIndex((l) => l.startsWith('-A KUBE-POSTROUTING') && l.includes('MASQUERADE'));
    const withoutMasq = lines.filter((_l, i) => i !== masq).join('\n');
    const m = engine.drift('node-a', withoutMasq);
    expect(m.findings).toEqual([{ kind: 'missing', table: 'nat', chain: 'KUBE-POSTROUTING', expected: lines[masq].replace('-A KUBE-POSTROUTING ', '') }]);

    const changed = engine.drift('node-a', clean.replace('--to-destination 10.244.1.5:8080', '--to-destination 10.244.1.5:9999'));
    expect(changed.findings.map((f) => [f.kind, f.chain.slice(0, 9)])).toEqual([['different', 'KUBE-SEP-']]);

    const svc = lines.filter((l) => l.startsWith('-A KUBE-SVC-CSGFBKVOQQKWLMAT'));
    const swapped = clean.replace(`${svc[1]}\n${svc[2]}`, `${svc[2]}\n${svc[1]}`);
    expect(swapped).not.toBe(clean);
    expect(engine.drift('node-a', swapped).findings).toEqual([expect.objectContaining({ kind: 'order', chain: 'KUBE-SVC-CSGFBKVOQQKWLMAT' })]);
  });

  it('reports a table the dump lacks, and a rule of a deleted Service as extra', () => {
    const natOnly = clean.slice(clean.indexOf('*nat'));
    expect(engine.drift('node-a', natOnly).missingTables).toEqual(['filter']);
    const deleted = clean.replace(/(-A KUBE-SERVICES )/, '$1-d 10.96.99.99/32 -p tcp -m comment --comment "gone/svc:http cluster IP" -m tcp --dport 80 -j KUBE-SVC-GONEGONEGONEGONE\n-A KUBE-SERVICES ');
    const d = engine.drift('node-a', deleted.replace(':KUBE-SERVICES - [0:0]\n:KUBE-SVC', ':KUBE-SERVICES - [0:0]\n:KUBE-SVC-GONEGONEGONEGONE - [0:0]\n:KUBE-SVC'));
    expect(d.findings).toEqual(expect.arrayContaining([
      { kind: 'extra', table: 'nat', chain: 'KUBE-SERVICES', actual: expect.stringContaining('KUBE-SVC-GONEGONEGONEGONE') },
      { kind: 'extra', table: 'nat', chain: 'KUBE-SVC-GONEGONEGONEGONE', wholeChain: true },
    ]));
  });
});
