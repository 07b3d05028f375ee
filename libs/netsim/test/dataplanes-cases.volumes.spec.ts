/**
 * The volume-filter (vol-*) and versioned-message (ver-*) cases of test/fixtures/dataplanes-and-filters.yaml,
 * each run through the adapter like user input with its environment's kubernetesVersion.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { buildSnapshot, podFromObject } from '../src/adapter';
import { buildSchedulingState, schedulePod } from '../src/scheduling';
import { infeasibleVerdicts } from './fixture-cases';

interface Case {
  id: string;
  source: string;
  cluster: Record<string, unknown> & { environment?: string | { base: string; kubernetesVersion?: string } };
  question: { schedule?: unknown };
  expected: Record<string, any>;
}

const fixture = parse(fs.readFileSync(path.join(__dirname, '../../../test/fixtures/dataplanes-and-filters.yaml'), 'utf8')) as { environments: Record<string, { kubernetesVersion?: string }>; cases: Case[] };
const cases = fixture.cases.filter((c) => /^(vol|ver)-/.test(c.id));

function versionOf(c: Case): string | undefined {
  const env = c.cluster.environment;
  if (typeof env === 'string') return fixture.environments[env]?.kubernetesVersion;
  return env?.kubernetesVersion ?? (env ? fixture.environments[env.base]?.kubernetesVersion : undefined);
}

function stateOf(c: Case, version = versionOf(c)) {
  const objects = ['nodes', 'pods', 'services', 'endpointSlices', 'objects'].flatMap((k) => (c.cluster[k] as unknown[] | undefined) ?? []);
  const profile = version ? { kubernetesVersion: version } : {};
  return buildSchedulingState(buildSnapshot(objects, { profile }).snapshot);
}

describe('dataplanes-and-filters.yaml: volume and version cases', () => {
  it('has the vol- and ver- cases this suite owns', () => {
    expect(cases.map((c) => c.id).sort()).toEqual(['ver-preemption-policy-never-on-1.33', 'ver-preemption-succeeds-on-1.37-with-suffix', 'ver-taint-and-cpu-on-1.35', 'vol-bound-local-pv-node-affinity', 'vol-readwriteoncepod-claim-in-use']);
  });

  describe.each(cases.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const result = schedulePod(stateOf(c), podFromObject(c.question.schedule));
    const e = c.expected;

    it('names its upstream source', () => {
      expect(c.source).toMatch(/kubernetes\/kubernetes/);
    });

    it('finds the feasible nodes', () => {
      expect([...result.feasibleNodes].sort()).toEqual([...e['feasibleNodes']].sort());
    });

    it('reports plugin, reasons and code for each infeasible node', () => {
      expect(infeasibleVerdicts(result)).toEqual(e['infeasible'] ?? {});
    });

    if (e['failedSchedulingEvent']) {
      it("renders the FailedScheduling event of the environment's version", () => {
        expect(result.message).toBe(e['failedSchedulingEvent'].current);
      });
    }

    if ('nominatedNode' in e) {
      it('nominates the node DefaultPreemption picks', () => {
        expect(result.preemption?.nominatedNodeName ?? null).toBe(e['nominatedNode']);
      });
    }
  });

  describe('the same unschedulable pod on 1.33, 1.35 and 1.37', () => {
    const byId = (id: string) => cases.find((c) => c.id === id) as Case;
    const message = (id: string, version: string) => schedulePod(stateOf(byId(id), version), podFromObject(byId(id).question.schedule)).message;
    const tail = '2 Insufficient cpu. ';
    const preemption = 'preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.';
    it.each([
      ['1.33', `0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: infra}, ${tail}${preemption}`],
      ['1.34.2', `0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: infra}, ${tail}no new claims to deallocate, ${preemption}`],
      ['1.35', `0/3 nodes are available: 1 node(s) had untolerated taint(s), ${tail}no new claims to deallocate, ${preemption}`],
      ['1.37', `0/3 nodes are available: 1 node(s) had untolerated taint(s), ${tail}no new claims to deallocate, ${preemption}`],
    ])('taint and cpu on %s', (version, want) => {
      expect(message('ver-taint-and-cpu-on-1.35', version)).toBe(want);
    });
    it.each([
      ['1.33', "0/1 nodes are available: 1 node(s) didn't have free ports for the requested pod ports."],
      ['1.35', "0/1 nodes are available: 1 node(s) didn't have free ports for the requested pod ports."],
      ['1.37', "0/1 nodes are available: 1 node(s) didn't have free ports for the requested pod ports. preemption: found a potential placement for pod on node node-a, preempting 1 victims"],
    ])('successful preemption on %s', (version, want) => {
      expect(message('ver-preemption-succeeds-on-1.37-with-suffix', version)).toBe(want);
    });
    it('preemptionPolicy Never on 1.35 keeps the DynamicResources reason first', () => {
      expect(message('ver-preemption-policy-never-on-1.33', '1.35')).toBe("0/1 nodes are available: 1 node(s) didn't have free ports for the requested pod ports. no new claims to deallocate, preemption: not eligible due to preemptionPolicy=Never.");
    });
  });
});
