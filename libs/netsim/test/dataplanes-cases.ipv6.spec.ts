/**
 * The dual-stack cases (v6-*) of test/fixtures/dataplanes-and-filters.yaml: IPv6 traces walk the ip6tables rules
 * rendered for the IPv6 proxier and portmap's IPv6 mappings, on the nodes' IPv6 addresses.
 */
import { ClusterEngine } from '../src/engine';
import { casesWithPrefix, requestOfCase, showTrace, snapshotOfCase } from './dataplane-case';

const cases = casesWithPrefix('v6-');

describe('dataplanes-and-filters.yaml: IPv6 and dual-stack cases', () => {
  it('has the v6- cases this suite owns', () => {
    expect(cases.map((c) => c.id).sort()).toEqual(['v6-hostport-reachable-on-node-ipv6', 'v6-ipv4-only-service-not-on-node-ipv6', 'v6-localhost-ipv6-nodeport-not-supported']);
  });

  describe.each(cases.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const snap = snapshotOfCase(c);
    const engine = new ClusterEngine(snap);
    const r = engine.trace(requestOfCase(c, snap));
    const exp = c.expected.result;

    it('is an IPv6 trace over kube-proxy iptables (its ip6tables proxier)', () => {
      expect(r.family).toBe('IPv6');
      expect(r.dataplane).toMatchObject({ kind: 'kube-proxy-iptables', modelled: true });
      expect(r.sourceSeen.includes(':')).toBe(true);
    });

    it('has the expected outcome, destination and masquerade', () => {
      expect({ outcome: r.outcome, trace: showTrace(r) }).toMatchObject({ outcome: exp['outcome'] });
      if (exp['destination']) {
        const [pod, addr] = String(exp['destination']).split(' ');
        const best = r.destinations.find((d) => d.outcome === exp['outcome']);
        expect(best?.pod?.split('/')[1]).toBe(pod);
        const m = /^\[(.+)\]:(\d+)$/.exec(addr) as RegExpExecArray;
        expect({ ip: best?.ip, port: best?.port }).toEqual({ ip: m[1], port: Number(m[2]) });
      }
      if (exp['masquerade'] !== undefined) expect(r.masquerade).toBe(exp['masquerade']);
    });

    it('walks only IPv6 rules: every address a hop names is IPv6', () => {
      for (const d of r.destinations) for (const h of d.hops ?? []) {
        expect(h.rule).not.toMatch(/\b(?:\d{1,3}\.){3}\d{1,3}\b/);
      }
    });
  });
});
