/**
 * The volume-filter (vol-*) and versioned-message (ver-*) cases of test/fixtures/dataplanes-and-filters.yaml,
 * each run through the adapter like user input with its environment's kubernetesVersion.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { buildSnapshot, podFromObject } from '../src/adapter';
import { buildSchedulingState, schedulePod } from '../src/scheduling';

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
      const got: Record<string, unknown> = {};
      for (const v of result.nodes) if (!v.feasible) got[v.node] = { plugin: v.plugin, reasons: v.reasons, code: v.code };
      expect(got).toEqual(e['infeasible'] ?? {});
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
});
