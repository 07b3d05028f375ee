/**
 * The kube-proxy nftables cases (nft-*) of test/fixtures/dataplanes-and-filters.yaml: each cluster goes through the
 * adapter like user input (its environment's KubeProxyConfiguration or kubeadm ConfigMap, ServiceCIDR objects,
 * conflist), and the trace walks the `ip kube-proxy` table rendered for the ingress node.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { buildSnapshot, interpretConflist } from '../src/adapter';
import { ClusterEngine } from '../src/engine';
import type { TraceRequest, TraceResult } from '../src/model/results';
import type { ClusterProfile, Snapshot } from '../src/model/types';
import type { FixtureHop } from './fixture-cases';
import { firstMissingHop } from './hop-match';

interface Case {
  id: string;
  source: string;
  cluster: Record<string, any> & { environment: string };
  question: { trace: { dst: string; proto: string; from: string; srcIP?: string; ingressNode: string } };
  expected: { hops: FixtureHop[]; result: Record<string, any> };
}

const fixture = parse(fs.readFileSync(path.join(__dirname, '../../../test/fixtures/dataplanes-and-filters.yaml'), 'utf8')) as { environments: Record<string, Record<string, any>>; cases: Case[] };
const cases = fixture.cases.filter((c) => c.id.startsWith('nft-'));

function snapshotOf(c: Case): Snapshot {
  const env = fixture.environments[c.cluster.environment];
  const objects = [
    ...['nodes', 'pods', 'services', 'endpointSlices', 'objects'].flatMap((k) => (c.cluster[k] as unknown[] | undefined) ?? []),
    ...((env['objects'] as unknown[] | undefined) ?? []),
    ...(env['kubeProxy'] ? [env['kubeProxy']] : []),
  ];
  const profile: Partial<ClusterProfile> = {
    kubernetesVersion: env['kubernetesVersion'],
    cni: env['cniConflistNodeA'] ? interpretConflist(env['cniConflistNodeA']) : { networkName: '', conflist: undefined, ipMasq: false },
  };
  return buildSnapshot(objects, { profile }).snapshot;
}

function requestOf(c: Case, snap: Snapshot): TraceRequest {
  const q = c.question.trace;
  const [host, port] = q.dst.split(/:(?=\d+$)/);
  const base = { toHost: host, port: Number(port), protocol: q.proto as TraceRequest['protocol'], at: q.ingressNode };
  if (q.from === 'external') return { ...base, from: { kind: 'external', ip: q.srcIP } };
  if (q.from === 'node-localhost') return { ...base, from: { kind: 'localhost', node: q.ingressNode } };
  const pod = snap.pods.find((p) => p.podIPs.includes(q.srcIP ?? ''));
  if (q.from === 'pod' && pod) return { ...base, from: { kind: 'pod', namespace: pod.namespace, name: pod.name } };
  // the upstream fake-proxier flows send from a pod IP that has no Pod object
  return { ...base, from: { kind: 'ip', ip: q.srcIP as string, node: q.ingressNode } };
}

/** nft lists an anonymous verdict map as `{ 0 : goto a, 1 : goto b }`; the fixture spells upstream's `a , 1`. */
function asListed(h: FixtureHop): FixtureHop {
  return { ...h, rule: h.rule.replace(/ , /g, ', ') };
}

function show(r: TraceResult): string {
  return JSON.stringify(r.destinations.map((d) => ({ ip: d.ip, port: d.port, outcome: d.outcome, p: d.probability, hops: d.hops?.map((h) => `${h.table} ${h.chain} | ${h.rule} | ${h.verdict}`) })), null, 1);
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
