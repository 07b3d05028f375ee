/**
 * Runs every `schedule:` and `create:` case of test/fixtures/upstream-cases.yaml against the engine.
 * The cluster objects go through the adapter exactly like user input; the questioned Pod is defaulted by
 * podFromObject (the fixture shows it as submitted).
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { buildSnapshot, podFromObject } from '../src/adapter';
import { buildSchedulingState, schedulePod } from '../src/scheduling';
import { infeasibleVerdicts } from './fixture-cases';
import { validateObject } from '../src/checks';

interface Case {
  id: string;
  cluster: Record<string, unknown[] | undefined>;
  question: { schedule?: unknown; create?: unknown };
  expected: Record<string, any>;
}

const fixture = parse(fs.readFileSync(path.join(__dirname, '../../../test/fixtures/upstream-cases.yaml'), 'utf8')) as { cases: Case[] };
const cases = fixture.cases.filter((c) => c.question.schedule !== undefined || c.question.create !== undefined);

function snapshotOf(c: Case) {
  const objects = ['nodes', 'pods', 'services', 'endpointSlices'].flatMap((k) => (c.cluster[k] as unknown[] | undefined) ?? []);
  return buildSnapshot(objects).snapshot;
}

describe('upstream-cases.yaml', () => {
  it('has the schedule and create cases this suite owns', () => {
    expect(cases.filter((c) => c.question.schedule).length).toBeGreaterThanOrEqual(17);
    expect(cases.filter((c) => c.question.create).length).toBeGreaterThanOrEqual(4);
  });

  describe.each(cases.filter((c) => c.question.schedule).map((c) => [c.id, c] as const))('schedule %s', (_id, c) => {
    const snapshot = snapshotOf(c);
    const state = buildSchedulingState(snapshot);
    const result = schedulePod(state, podFromObject(c.question.schedule));
    const e = c.expected;

    if (e['kubeletAdmission']) {
      it('bypasses the scheduler and gets the kubelet admission answer', () => {
        expect(result.scheduler).toBe(false);
        const want = { ...e['kubeletAdmission'] };
        delete want.messageNote; // prose about older wordings, not part of the answer
        expect(result.kubeletAdmission).toEqual(want);
      });
      return;
    }

    it('finds the feasible nodes', () => {
      expect([...result.feasibleNodes].sort()).toEqual([...e['feasibleNodes']].sort());
    });

    it('reports plugin, reasons and code for each infeasible node', () => {
      expect(infeasibleVerdicts(result)).toEqual(e['infeasible'] ?? {});
    });

    if (e['failedSchedulingEvent']) {
      it('renders the FailedScheduling event (current format)', () => {
        expect(result.message).toBe(e['failedSchedulingEvent'].current);
      });
    }

    if (e['preemption']) {
      it('nominates a node and its victims', () => {
        expect(result.preemption).toEqual({ nominatedNodeName: e['preemption'].nominatedNodeName, victims: e['preemption'].victims });
      });
    } else if (!result.feasibleNodes.length) {
      it('finds no preemption candidate', () => {
        expect(result.preemption).toBeUndefined();
      });
    }

    if (e['runtime']) {
      // the fixture states it in prose: every feasible node already runs a process bound to the same port
      it('predicts the bind failure on every feasible node', () => {
        for (const v of result.nodes.filter((n) => n.feasible)) {
          expect(v.runtime).toEqual([expect.objectContaining({ kind: 'bind-conflict', consequence: 'CrashLoopBackOff', certainty: 'assumed' })]);
          expect(v.runtime[0].message).toMatch(/\(98: Address in use\)/);
        }
      });
    }
  });

  describe.each(cases.filter((c) => c.question.create).map((c) => [c.id, c] as const))('create %s', (_id, c) => {
    const snapshot = snapshotOf(c);
    const e = c.expected;
    it(e['accepted'] ? 'is accepted' : 'is rejected with the exact apiserver error', () => {
      const err = validateObject(c.question.create, { snapshot });
      expect(err).toBe(e['accepted'] ? null : e['error']);
    });
    if (e['storedContainerPorts']) {
      it('stores the defaulted container ports', () => {
        const stored = podFromObject(c.question.create).containers[0].ports.map((p) => {
          const { hostIP, ...rest } = p;
          expect(hostIP).toBe(''); // never defaulted
          return rest;
        });
        expect(stored).toEqual(e['storedContainerPorts']);
      });
    }
  });
});
