/**
 * The adapter must answer odd input with an InputError (or a snapshot), never a TypeError: every object of the
 * fixture is re-fed with one field replaced by a value of the wrong type, deterministically.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { buildSnapshot, InputError } from '../src/adapter';
import { buildSchedulingState, schedulePod } from '../src/scheduling';
import { checkManifests } from '../src/checks';

const fixture = parse(fs.readFileSync(path.join(__dirname, '../../../test/fixtures/upstream-cases.yaml'), 'utf8')) as { cases: Array<{ cluster: Record<string, unknown> }> };
const objects: unknown[] = [];
for (const c of fixture.cases) for (const k of ['nodes', 'pods', 'services', 'endpointSlices']) objects.push(...(((c.cluster[k] as unknown[]) ?? []) as unknown[]));

function paths(v: unknown, prefix: Array<string | number> = [], out: Array<Array<string | number>> = []): Array<Array<string | number>> {
  out.push(prefix);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...prefix, i], out));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) paths(x, [...prefix, k], out);
  return out;
}

function replaced(obj: unknown, at: Array<string | number>, value: unknown): unknown {
  if (!at.length) return value;
  const copy: any = Array.isArray(obj) ? [...obj] : { ...(obj as object) };
  copy[at[0]] = replaced(copy[at[0]], at.slice(1), value);
  return copy;
}

const WEIRD: unknown[] = [null, 42, 'str', true, [], {}, [1, 'x'], { a: { b: 1 } }, -1, 1.5];

describe('adapter robustness', () => {
  it('never throws anything but InputError on type-mangled objects', () => {
    let n = 0;
    let seed = 7;
    const rnd = (m: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % m;
    };
    const sample = objects.filter((_, i) => i % 7 === 0).slice(0, 40);
    for (const obj of sample) {
      for (const p of paths(obj)) {
        if (p[0] === 'kind') continue;
        const bad = replaced(obj, p, WEIRD[rnd(WEIRD.length)]);
        try {
          const { snapshot } = buildSnapshot([bad]);
          const state = buildSchedulingState(snapshot);
          for (const pod of snapshot.pods) schedulePod(state, { ...pod, nodeName: '' });
          checkManifests([bad], snapshot);
        } catch (e) {
          if (!(e instanceof InputError)) throw new Error(`${(e as Error).message} at ${p.join('.')}`);
        }
        n++;
      }
    }
    expect(n).toBeGreaterThan(500);
  });
});
