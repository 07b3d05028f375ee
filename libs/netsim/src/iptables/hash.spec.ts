import { base32Std, cniDnatChainName, endpointChainName, portProtoHash, servicePortName } from './hash';

describe('kube-proxy chain hashes (reference §3.2)', () => {
  it.each([
    ['ns1/svc1:p80', 'XPGD46QRK7WJZT7O'],
    ['ns2/svc2:p80', 'GNZBNJ2PO5MGZ6GT'],
    ['ns3/svc3:p80', 'X27LE4BHSL4DOUIK'],
    ['ns4/svc4:p80', '4SW47YFZTEDKD3PK'],
    ['ns5/svc5:p80', 'NUKIZ6OKUXPJNT4C'],
    ['ns1/svc1', 'AQI2S6QIMU7PVVRP'],
  ])('portProtoHash(%s, tcp) = %s', (name, want) => {
    expect(portProtoHash(name, 'TCP')).toBe(want);
  });

  it('hashes the lower-cased protocol (upper case would give 3UP2Z6VMNQ3MME3P)', () => {
    expect(portProtoHash('ns1/svc1:p80', 'tcp')).toBe('XPGD46QRK7WJZT7O');
    expect(portProtoHash('ns1/svc1:p80', 'TCP')).not.toBe('3UP2Z6VMNQ3MME3P');
  });

  it.each([
    ['ns1/svc1:p80', '10.180.0.1:80', 'KUBE-SEP-SXIVWICOYRO3J4NJ'],
    ['ns1/svc1:p80', '10.180.2.1:80', 'KUBE-SEP-ZX7GRIZKSNUQ3LAJ'],
    ['ns2/svc2:p80', '10.180.0.2:80', 'KUBE-SEP-RS4RBKLTHTF2IUXJ'],
  ])('endpoint chain %s %s', (name, ep, want) => {
    expect(endpointChainName(name, 'TCP', ep)).toBe(want);
  });

  it('formats ServicePortName like upstream', () => {
    expect(servicePortName('ns1', 'svc1', 'p80')).toBe('ns1/svc1:p80');
    expect(servicePortName('ns1', 'svc1', '')).toBe('ns1/svc1');
  });

  it('base32 matches RFC 4648 test vectors', () => {
    const enc = (s: string) => base32Std(Uint8Array.from(s, (c) => c.charCodeAt(0)));
    expect(enc('')).toBe('');
    expect(enc('f')).toBe('MY======');
    expect(enc('fo')).toBe('MZXQ====');
    expect(enc('foo')).toBe('MZXW6===');
    expect(enc('foob')).toBe('MZXW6YQ=');
    expect(enc('fooba')).toBe('MZXW6YTB');
    expect(enc('foobar')).toBe('MZXW6YTBOI======');
  });
});

describe('portmap CNI-DN chain names (reference §4.2)', () => {
  const upstreamID = 'icee6giejonei6sohng6ahngee7laquohquee9shiGo7fohferakah3Feiyoolu2pei7ciPhoh7shaoX6vai3vuf0ahfaeng8yohb9ceu0daez5hashee8ooYai5wa3y';
  it('portmap_iptables_test.go genDnatChain vectors', () => {
    expect(cniDnatChainName('testNetName', upstreamID)).toBe('CNI-DN-bfd599665540dd91d5d28');
    expect(cniDnatChainName('test', upstreamID)).toBe('CNI-DN-67e92b96e692a494b6b85');
  });
  it('("cbr0","c0ffee0001") -> CNI-DN-54a4250774be74297ae44', () => {
    expect(cniDnatChainName('cbr0', 'c0ffee0001')).toBe('CNI-DN-54a4250774be74297ae44');
  });
  it('("cbr0","c0ffee0002") -> CNI-DN-84e9d1d0bf5c45c8d5bb3 (fixture hp-specific-hostip)', () => {
    expect(cniDnatChainName('cbr0', 'c0ffee0002')).toBe('CNI-DN-84e9d1d0bf5c45c8d5bb3');
  });
  it('reproduces the chain of a real kind node (seed 004): kindnet + the sandbox id in its comment', () => {
    expect(cniDnatChainName('kindnet', '07dbe45d8e31690c76141e5e16132b086f6a2d5b63216584009b990a7c08552c')).toBe('CNI-DN-2a6b9967ebd3cd7a5eeb3');
  });
  it('is 28 characters: CNI-DN- plus 21 hex digits', () => {
    const n = cniDnatChainName('testNetName', 'x');
    expect(n).toHaveLength(28);
    expect(n).toMatch(/^CNI-DN-[0-9a-f]{21}$/);
  });
});
