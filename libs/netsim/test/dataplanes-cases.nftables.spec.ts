/**
 * The kube-proxy nftables cases (nft-*) of test/fixtures/dataplanes-and-filters.yaml: each cluster goes through the
 * adapter like user input (its environment's KubeProxyConfiguration or kubeadm ConfigMap, ServiceCIDR objects,
 * conflist), and the trace walks the `ip kube-proxy` table rendered for the ingress node.
 */
import { ClusterEngine } from '../src/engine';
import type { FixtureHop } from './fixture-cases';
import { firstMissingHop } from './hop-match';
import { casesWithPrefix, requestOfCase as requestOf, showTrace as show, snapshotOfCase as snapshotOf, type TraceCase } from './dataplane-case';

const cases = casesWithPrefix('nft-') as Array<TraceCase & { expected: { hops: FixtureHop[] } }>;

/** nft lists an anonymous verdict map as `{ 0 : goto a, 1 : goto b }`; the fixture spells upstream's `a , 1`. */
function asListed(h: FixtureHop): FixtureHop {
  return { ...h, rule: h.rule.replace(/ , /g, ', ') };
}

describe('dataplanes-and-filters.yaml: kube-proxy nftables cases', () => {
  it('has the nft- cases this suite owns', () => {
    expect(cases.map((c) => c.id).sort()).toEqual([
      'nft-clusterip-undefined-port-rejected',
      'nft-etp-local-external-hits-only-local-endpoint',
      'nft-external-to-nodeport-on-primary-ip',
      'nft-kubeadm-configmap-nodeport-on-primary-ip',
      'nft-localhost-nodeport-not-supported',
    ]);
  });

  describe.each(cases.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const snap = snapshotOf(c);
    const engine = new ClusterEngine(snap);
    const r = engine.trace(requestOf(c, snap));
    const exp = c.expected.result;

    it('is answered as kube-proxy nftables, modelled, with no not-modelled code', () => {
      expect(r.dataplane).toMatchObject({ kind: 'kube-proxy-nftables', modelled: true });
      expect((r.incomplete ?? []).map((i) => i.code)).not.toContain('dataplane-not-modelled');
    });

    it('has the expected outcome, destinations and masquerade', () => {
      expect(r.outcome).toBe(exp['outcome']);
      expect(r.destinations.reduce((s, d) => s + d.probability, 0)).toBeCloseTo(1, 9);
      if (exp['destinationDistribution']) {
        const want = (exp['destinationDistribution'] as string[]).slice().sort();
        expect(r.destinations.map((d) => `${d.ip}:${d.port}`).sort()).toEqual(want);
        for (const d of r.destinations) expect(d.probability).toBeCloseTo(1 / want.length, 9);
      }
      if (exp['masquerade'] !== undefined) for (const d of r.destinations) expect(d.masquerade).toBe(exp['masquerade']);
    });

    it('walks the fixture hops in order, on one branch', () => {
      const hops = c.expected.hops.map(asListed);
      const misses = r.destinations.map((d) => firstMissingHop(hops, d.hops ?? []));
      if (!misses.some((m) => m < 0)) throw new Error(`hop #${Math.max(...misses)} not found in order: ${JSON.stringify(hops[Math.max(...misses)])}\n${show(r)}`);
    });

    it('visits the chains of table ip kube-proxy the fixture names, in order, and no KUBE-* chain', () => {
      const ok = r.destinations.some((d) => {
        const chains = (d.hops ?? []).filter((h) => h.table === 'ip kube-proxy').map((h) => h.chain);
        let pos = 0;
        for (const want of exp['chainsVisited'] as string[]) {
          const at = chains.indexOf(want, pos);
          if (at < 0) return false;
          pos = at + 1;
        }
        return true;
      });
      expect(ok).toBe(true);
      for (const d of r.destinations) expect((d.hops ?? []).filter((h) => /^KUBE-/.test(h.chain))).toEqual([]);
    });
  });
});
