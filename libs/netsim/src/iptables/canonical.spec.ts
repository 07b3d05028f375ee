import { canonicalRule, probability, saveString } from './canonical';
import { emptyRuleset, appendRule, ensureTable } from './model';
import { toIptablesSave } from './save';

// Expected texts are what iptables-save v1.8.9 (nf_tables and legacy) printed for these rules after
// iptables-restore in a network namespace; test/kernel/iptables-save.kernel-spec.ts checks whole rule sets.
const w = (s: string) => s.split(' ');

describe('canonicalRule', () => {
  it.each([
    ['-p tcp --dport 8080 -s 10.244.0.5/24 -j CNI-HOSTPORT-SETMARK', '-s 10.244.0.0/24 -p tcp -m tcp --dport 8080 -j CNI-HOSTPORT-SETMARK'],
    ['-p tcp --dport 8080 -s 127.0.0.1 -j CNI-HOSTPORT-SETMARK', '-s 127.0.0.1/32 -p tcp -m tcp --dport 8080 -j CNI-HOSTPORT-SETMARK'],
    ['-m multiport -p tcp --destination-ports 80,8000:8010 -j X', '-p tcp -m multiport --dports 80,8000:8010 -j X'],
    ['-m mark ! --mark 0x4000/0x4000 -j RETURN', '-m mark ! --mark 0x4000/0x4000 -j RETURN'],
    ['-j MARK --or-mark 0x4000', '-j MARK --set-xmark 0x4000/0x4000'],
    ['-j MARK --xor-mark 0x4000', '-j MARK --set-xmark 0x4000/0x0'],
    ['-j MARK --and-mark 0x4000', '-j MARK --set-xmark 0x0/0xffffbfff'],
    ['-j MARK --set-mark 0x10', '-j MARK --set-xmark 0x10/0xffffffff'],
    ['-m tcp -p tcp -j DNAT --to-destination 10.244.1.5:8080', '-p tcp -m tcp -j DNAT --to-destination 10.244.1.5:8080'],
    ['-m statistic --mode random --probability 0.3333333333 -j S', '-m statistic --mode random --probability 0.33333333349 -j S'],
    ['-m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT', '-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT'],
    ['-j REJECT', '-j REJECT --reject-with icmp-port-unreachable'],
    ['-p tcp --syn -j DROP', '-p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN -j DROP'],
    ['-m recent --name KUBE-SEP-X --rcheck --seconds 10800 --reap -j KUBE-SEP-X', '-m recent --rcheck --seconds 10800 --reap --name KUBE-SEP-X --mask 255.255.255.255 --rsource -j KUBE-SEP-X'],
    ['-s 0.0.0.0/0 -j ACCEPT', '-j ACCEPT'],
    ['-m weird --opt v -j ACCEPT', '-m weird --opt v -j ACCEPT'],
  ])('%s', (input, want) => {
    expect(canonicalRule(w(input))).toBe(want);
  });
  it('moves the address and protocol before the matches and keeps the match order', () => {
    const args = ['-m', 'comment', '--comment', 'demo/api:http cluster IP', '-m', 'tcp', '-p', 'tcp', '-d', '10.96.20.20', '--dport', '80', '!', '-s', '10.244.0.0/16', '-j', 'KUBE-MARK-MASQ'];
    expect(canonicalRule(args)).toBe('! -s 10.244.0.0/16 -d 10.96.20.20/32 -p tcp -m comment --comment "demo/api:http cluster IP" -m tcp --dport 80 -j KUBE-MARK-MASQ');
  });
  it('quotes as xtables_save_string does', () => {
    expect(saveString('kube-system_dns-1')).toBe('kube-system_dns-1');
    expect(saveString('default/kubernetes:https')).toBe('"default/kubernetes:https"');
    expect(saveString('dnat name: "cbr0" id: \'x\'')).toBe('"dnat name: \\"cbr0\\" id: \\\'x\\\'"');
  });
  it('prints probabilities as libxt_statistic stores them, rounding half to even', () => {
    expect(probability('0.5000000000')).toBe('0.50000000000');
    expect(probability('0.2000000000')).toBe('0.20000000019');
    // 1/4096 is exactly 0.000244140625: the 12th digit is a tie
    expect(probability(String(1 / 4096))).toBe('0.00024414062');
    expect(probability('1')).toBe('1.00000000000');
  });
});

describe('toIptablesSave', () => {
  it('lists built-in chains in hook order, then user chains by name', () => {
    const rs = emptyRuleset();
    const t = ensureTable(rs, 'nat');
    appendRule(t, 'KUBE-SVC-B', ['-j', 'KUBE-SEP-A']);
    appendRule(t, 'KUBE-SEP-A', ['-p', 'tcp', '-j', 'DNAT', '--to-destination', '10.0.0.1:80']);
    appendRule(t, 'PREROUTING', ['-j', 'KUBE-SVC-B']);
    expect(toIptablesSave(rs)).toBe(
      '*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n:KUBE-SEP-A - [0:0]\n:KUBE-SVC-B - [0:0]\n' +
        '-A PREROUTING -j KUBE-SVC-B\n-A KUBE-SEP-A -p tcp -j DNAT --to-destination 10.0.0.1:80\n-A KUBE-SVC-B -j KUBE-SEP-A\nCOMMIT\n',
    );
  });
});
