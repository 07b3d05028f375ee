import { emptyTable, addNftSet } from './model';
import { nftDuration, printNftTable, priorityText } from './print';

// Expected texts are what nftables 1.0.6 printed for the same objects loaded with `nft -f` (Debian 12).
describe('nft list ruleset printing', () => {
  it('names standard priorities only at the hooks where nft does (dstnat at prerouting, srcnat at postrouting)', () => {
    expect(priorityText(-110, 'prerouting')).toBe('dstnat - 10');
    expect(priorityText(-100, 'prerouting')).toBe('dstnat');
    expect(priorityText(-100, 'output')).toBe('-100');
    expect(priorityText(-110, 'output')).toBe('-110');
    expect(priorityText(-90, 'output')).toBe('-90');
    expect(priorityText(0, 'forward')).toBe('filter');
    expect(priorityText(100, 'postrouting')).toBe('srcnat');
    expect(priorityText(100, 'input')).toBe('100');
  });

  it('prints timeouts in nft units', () => {
    expect(nftDuration(10800)).toBe('3h');
    expect(nftDuration(5400)).toBe('1h30m');
    expect(nftDuration(0)).toBe('0s');
  });

  it('breaks map elements one per line and IPv4 set elements two per line', () => {
    const t = emptyTable('ip', 't');
    const m = addNftSet(t, { kind: 'map', name: 'n', type: 'inet_proto . inet_service : verdict' });
    m.elements.push({ key: 'tcp . 3001', value: 'goto a' }, { key: 'tcp . 3002', value: 'goto b', comment: 'ns/x:p' });
    const s = addNftSet(t, { kind: 'set', name: 's', type: 'ipv4_addr' });
    for (let i = 1; i <= 5; i++) s.elements.push({ key: `10.0.0.${i}` });
    addNftSet(t, { kind: 'set', name: 'aff', type: 'ipv4_addr', flags: ['dynamic', 'timeout'], timeout: 10800 });
    expect(printNftTable(t)).toBe(
      'table ip t {\n' +
        '\tmap n {\n\t\ttype inet_proto . inet_service : verdict\n' +
        '\t\telements = { tcp . 3001 : goto a,\n\t\t\t     tcp . 3002 comment "ns/x:p" : goto b }\n\t}\n\n' +
        '\tset s {\n\t\ttype ipv4_addr\n' +
        '\t\telements = { 10.0.0.1, 10.0.0.2,\n\t\t\t     10.0.0.3, 10.0.0.4,\n\t\t\t     10.0.0.5 }\n\t}\n\n' +
        '\tset aff {\n\t\ttype ipv4_addr\n\t\tflags dynamic,timeout\n\t\ttimeout 3h\n\t}\n' +
        '}\n',
    );
  });
});
