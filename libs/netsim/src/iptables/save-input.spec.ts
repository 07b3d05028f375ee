/** The iptables-save parser on the forms a node prints: -c counters, iptables -S [-v], headerless fragments. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseIptablesSave } from './save';
import type { Ruleset } from './model';

const KIND_DUMP = fs.readFileSync(path.join(__dirname, '../../test/dumps/kind-worker.iptables-save'), 'utf8');
const S_V_NAT = fs.readFileSync(path.join(__dirname, '../../../../test/fixtures/dumps/iptables-S-v-nat.txt'), 'utf8');

/** table -> chain -> rule texts: what a trace evaluates */
function rulesOf(rs: Ruleset): Record<string, Record<string, string[]>> {
  const out: Record<string, Record<string, string[]>> = {};
  for (const tn of rs.tableOrder) {
    out[tn] = {};
    for (const cn of rs.tables[tn].chainOrder) out[tn][cn] = rs.tables[tn].chains[cn].rules.map((r) => r.text);
  }
  return out;
}

/** what `iptables-save -c` prints: every rule line prefixed with its [packets:bytes] */
function withCounters(dump: string): string {
  let n = 0;
  return dump.replace(/^-A /gm, () => `[${(n += 7)}:${n * 60}] -A `);
}

describe('iptables-save -c', () => {
  it('reads every rule of a counted dump exactly as of the uncounted one', () => {
    const counted = withCounters(KIND_DUMP);
    expect(counted).toMatch(/^\[\d+:\d+\] -A KUBE-SERVICES /m);
    const plain = parseIptablesSave(KIND_DUMP);
    const c = parseIptablesSave(counted);
    const rules = rulesOf(c.ruleset);
    expect(rules).toEqual(rulesOf(plain.ruleset));
    expect(Object.values(rules['nat']).flat().length).toBeGreaterThan(10);
    expect(c.diagnostics.filter((d) => d.code === 'not-a-rule')).toEqual([]);
  });
});

describe('iptables -S -v', () => {
  const parsed = parseIptablesSave(S_V_NAT);

  it('drops -c counters from rules and policies, keeping the rules whole', () => {
    const nat = parsed.ruleset.tables['nat'];
    expect(nat.chains['PREROUTING'].policy).toBe('ACCEPT');
    expect(nat.chains['KUBE-SERVICES'].rules.map((r) => r.target?.name)).toEqual(['KUBE-SVC-NPX46M4PTMTKRN6Y', 'KUBE-SVC-WEBXQ2M6TPJ7CKQA', 'KUBE-NODEPORTS']);
    const all = Object.values(rulesOf(parsed.ruleset)['nat']).flat();
    expect(all).toHaveLength(21);
    expect(all.some((t) => /(^|\s)-c\s/.test(t))).toBe(false);
    const sep = nat.chains['KUBE-SEP-6E7XQMQ4RAYOWTTM'].rules[1];
    expect(sep.target?.name).toBe('DNAT');
    expect(sep.unknown).toEqual([]);
  });

  it('infers the nat table from content and reports it as a guess with its evidence', () => {
    const guess = parsed.diagnostics.filter((d) => d.code === 'table-inferred');
    expect(guess).toHaveLength(1);
    expect(guess[0]).toMatchObject({ severity: 'warning', table: 'nat', line: 21 });
    expect(guess[0].message).toContain('MASQUERADE target');
    expect(guess[0].text).toContain('-j MASQUERADE');
  });
});

describe('headerless fragments', () => {
  it.each([
    ['-A KUBE-SVC-X -j KUBE-SEP-Y', 'nat'],
    ['-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP', 'filter'],
    ['-A KUBE-SERVICES -d 10.96.0.9/32 -p tcp -m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable', 'filter'],
    ['-A PREROUTING -p udp --dport 53 -j NOTRACK', 'raw'],
    ['-A POSTROUTING -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu', 'mangle'],
    ['-A CNI-HOSTPORT-DNAT -p tcp -m multiport --dports 8080 -j CNI-DN-abc', 'nat'],
  ])('%s -> %s', (line, table) => {
    const { ruleset, diagnostics } = parseIptablesSave(`${line}\n`);
    expect(ruleset.tableOrder).toEqual([table]);
    expect(diagnostics.find((d) => d.code === 'table-inferred')?.table).toBe(table);
  });

  it('takes a named table without guessing', () => {
    const { ruleset, diagnostics } = parseIptablesSave('-A KUBE-SERVICES -j KUBE-NODEPORTS\n', { defaultTable: 'nat' });
    expect(ruleset.tableOrder).toEqual(['nat']);
    expect(diagnostics.some((d) => d.code === 'table-inferred')).toBe(false);
  });

  it('names a chain referenced but never declared', () => {
    const { diagnostics } = parseIptablesSave('*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -j KUBE-SERVICES\nCOMMIT\n');
    expect(diagnostics.find((d) => d.code === 'chain-undeclared')).toMatchObject({ chain: 'KUBE-SERVICES', table: 'nat' });
  });
});
