/**
 * The InterPodAffinity (ipa-*), PodTopologySpread (pts-*) and workload placement (place-*) cases of
 * test/fixtures/dataplanes-and-filters.yaml, run through the adapter like user input.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { buildSnapshot, podFromObject, workloadFromObject } from '../src/adapter';
import { buildSchedulingState, placeWorkload, schedulePod } from '../src/scheduling';
import { infeasibleVerdicts } from './fixture-cases';

interface Case {
  id: string;
  source: string;
  cluster: Record<string, unknown> & { environment?: string | { base: string; kubernetesVersion?: string } };
  question: { schedule?: unknown; place?: unknown };
  expected: Record<string, any>;
}

const fixture = parse(fs.readFileSync(path.join(__dirname, '../../../test/fixtures/dataplanes-and-filters.yaml'), 'utf8')) as { environments: Record<string, { kubernetesVersion?: string }>; cases: Case[] };
const cases = fixture.cases.filter((c) => /^(ipa|pts|place)-/.test(c.id));

function versionOf(c: Case): string | undefined {
  const env = c.cluster.environment;
  if (typeof env === 'string') return fixture.environments[env]?.kubernetesVersion;
  return env?.kubernetesVersion ?? (env ? fixture.environments[env.base]?.kubernetesVersion : undefined);
}

function stateOf(c: Case) {
  const objects = ['nodes', 'pods', 'services', 'endpointSlices', 'objects'].flatMap((k) => (c.cluster[k] as unknown[] | undefined) ?? []);
  const version = versionOf(c);
  return buildSchedulingState(buildSnapshot(objects, { profile: version ? { kubernetesVersion: version } : {} }).snapshot);
}

describe('dataplanes-and-filters.yaml: pod affinity, topology spread and placement cases', () => {
  it('has the ipa-, pts- and place- cases this suite owns', () => {
    expect(cases.map((c) => c.id).sort()).toEqual([
      'ipa-existing-pod-anti-affinity-symmetry',
      'ipa-required-affinity-same-zone-as-existing-pod',
      'ipa-required-anti-affinity-hostname',
      'place-deployment-anti-affinity-3-replicas-on-2-nodes',
      'place-statefulset-zone-spread-4-replicas',
      'pts-maxskew-1-only-the-empty-node-fits',
      'pts-node-affinity-policy-honor-by-default',
      'pts-node-without-topology-label-unresolvable',
    ]);
  });

  describe.each(cases.filter((c) => c.question.schedule).map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const result = schedulePod(stateOf(c), podFromObject(c.question.schedule));
    it('names its upstream source', () => expect(c.source).toMatch(/kubernetes\/kubernetes/));
    it('finds the feasible nodes', () => expect([...result.feasibleNodes].sort()).toEqual([...c.expected['feasibleNodes']].sort()));
    it('reports plugin, reasons and code for each infeasible node', () => expect(infeasibleVerdicts(result)).toEqual(c.expected['infeasible'] ?? {}));
    if (c.expected['failedSchedulingEvent']) it('renders the FailedScheduling event', () => expect(result.message).toBe(c.expected['failedSchedulingEvent'].current));
  });

  describe.each(cases.filter((c) => c.question.place).map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const r = placeWorkload(stateOf(c), workloadFromObject(c.question.place));
    const e = c.expected;
    it('names its upstream source', () => expect(c.source).toMatch(/kubernetes\/kubernetes/));
    it('binds the expected count per node', () => {
      const placed: Record<string, number> = {};
      for (const p of [...r.placed, ...r.crashing]) placed[p.node] = (placed[p.node] ?? 0) + 1;
      expect(placed).toEqual(e['placed']);
    });
    it('leaves the expected pods pending, with the reason', () => {
      expect(r.pending).toHaveLength(e['pending']);
      for (const p of r.pending) {
        if (e['pendingReason']) expect(p.message).toContain(e['pendingReason']);
        if (e['pendingMessage']) expect(p.message).toBe(e['pendingMessage']);
      }
    });
  });
});
