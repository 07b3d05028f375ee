/**
 * The Cilium kube-proxy replacement cases (cilium-*) of test/fixtures/dataplanes-and-filters.yaml: the dataplane is
 * read from ConfigMap kube-system/cilium-config in the snapshot, and the answers come from the eBPF datapath model
 * (trace/cilium.ts, the bind protection of scheduling/runtime.ts), with no iptables chain.
 */
import { podFromObject } from '../src/adapter';
import { ClusterEngine } from '../src/engine';
import { casesWithPrefix, dataplaneFixture, requestOfCase, showTrace, snapshotOfCase } from './dataplane-case';

const all = dataplaneFixture.cases.filter((c) => c.id.startsWith('cilium-'));
const traces = casesWithPrefix('cilium-').filter((c) => c.question.trace);
const schedules = all.filter((c) => (c.question as Record<string, unknown>)['schedule']);

describe('dataplanes-and-filters.yaml: Cilium kube-proxy replacement cases', () => {
  it('has the cilium- cases this suite owns', () => {
    expect(all.map((c) => c.id).sort()).toEqual(['cilium-kpr-hostnetwork-bind-on-nodeport-rejected', 'cilium-kpr-nodeport-external-no-iptables']);
  });

  describe.each(traces.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const snap = snapshotOfCase(c);
    const r = new ClusterEngine(snap).trace(requestOfCase(c, snap));
    const exp = c.expected.result;

    it('is answered as Cilium kube-proxy replacement read from cilium-config, modelled', () => {
      expect(r.dataplane).toMatchObject({ kind: 'cilium-kube-proxy-replacement', source: 'cilium-config', modelled: true });
      expect(r.complete).toBe(true);
    });

    it('has the expected outcome, backends (evenly) and masquerade', () => {
      expect({ outcome: r.outcome, trace: showTrace(r) }).toMatchObject({ outcome: exp['outcome'] });
      const want = (exp['destinationDistribution'] as string[]).slice().sort();
      expect(r.destinations.map((d) => `${d.ip}:${d.port}`).sort()).toEqual(want);
      for (const d of r.destinations) expect(d.probability).toBeCloseTo(1 / want.length, 9);
      for (const d of r.destinations) expect(d.masquerade).toBe(exp['masquerade']);
    });

    it("names Cilium's stages and no chain matching forbidChains", () => {
      const forbid = new RegExp(exp['forbidChains'] as string);
      for (const d of r.destinations) {
        const hops = d.hops ?? [];
        expect(hops.filter((h) => forbid.test(h.chain))).toEqual([]);
        expect(hops.map((h) => h.chain)).toEqual(expect.arrayContaining(['cil_from_netdev', 'lb4_select_backend_id', 'cil_to_container']));
        expect(hops.every((h) => h.table === 'bpf')).toBe(true);
      }
    });
  });

  describe.each(schedules.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const engine = new ClusterEngine(snapshotOfCase(c));
    const result = engine.schedulePod(podFromObject((c.question as Record<string, unknown>)['schedule']));
    const exp = c.expected as Record<string, any>;

    it('finds every node feasible (the scheduler knows nothing of NodePorts)', () => {
      expect([...result.feasibleNodes].sort()).toEqual([...exp['feasibleNodes']].sort());
    });

    it.each(Object.keys(exp['runtime'] ?? {}))('predicts the refused bind() on %s', (node) => {
      const want = exp['runtime'][node] as { kind: string; holderKind: string; messageMatches: string };
      const v = result.nodes.find((x) => x.node === node);
      const hit = v?.runtime.find((p) => p.kind === want.kind && p.holder?.kind === want.holderKind && new RegExp(want.messageMatches).test(p.message));
      expect({ node, runtime: v?.runtime }).toEqual({ node, runtime: expect.arrayContaining([hit ?? 'no matching prediction']) });
    });
  });
});
