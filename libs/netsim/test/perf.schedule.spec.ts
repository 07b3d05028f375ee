/**
 * Scale smoke test for the scheduling hot paths (the real benchmark lives outside the unit suite): one-pod
 * feasibility over 5,000 nodes / 150,000 pods and a 1,000-replica placement. Bounds here are loose so a shared
 * CI machine does not flake; the timings are printed for comparison with the goals (p50 <= 2 ms, >= 20k pods/s).
 */
import { aNode, aPod, aSnapshot, aWorkload } from '../src/testing';
import { buildSchedulingState, placeWorkload, schedulePod } from '../src/scheduling';
import type { Pod } from '../src/model/types';

describe('scheduling at scale', () => {
  const nodes = Array.from({ length: 5000 }, (_, i) => aNode(`node-${String(i).padStart(4, '0')}`, { ip: `10.${(i >> 8) & 255}.${i & 255}.1` }));
  const pods: Pod[] = [];
  for (let i = 0; i < 150000; i++) {
    const node = nodes[i % 5000].name;
    pods.push(aPod(`p-${i}`, { node, requests: { cpu: 50, memory: 64 * 2 ** 20 }, hostPorts: i % 10 === 0 ? [8000 + (i % 7)] : [], labels: { app: `a${i % 100}` } }));
  }
  const snapshot = aSnapshot({ nodes, pods });
  let t0 = performance.now();
  const state = buildSchedulingState(snapshot);
  const buildMs = performance.now() - t0;

  it('answers one-pod feasibility quickly', () => {
    const pod = aPod('q', { hostPorts: [8003], requests: { cpu: 100 } });
    const times: number[] = [];
    let feasible = 0;
    for (let i = 0; i < 25; i++) {
      t0 = performance.now();
      const r = schedulePod(state, pod);
      times.push(performance.now() - t0);
      feasible = r.feasibleNodes.length;
    }
    times.sort((a, b) => a - b);
    const p50 = times[Math.floor(times.length / 2)];
    console.log(`build ${buildMs.toFixed(0)} ms; schedulePod p50 ${p50.toFixed(2)} ms over 5000 nodes`);
    expect(feasible).toBeGreaterThan(0);
    expect(feasible).toBeLessThan(5000);
    expect(p50).toBeLessThan(50);
  });

  it('places a 1,000-replica Deployment without touching the shared state', () => {
    const w = aWorkload('Deployment', 'big', aPod('', { requests: { cpu: 10 }, labels: { app: 'big' } }), { replicas: 1000 });
    const before = state.nodes[0].pods.length;
    t0 = performance.now();
    const r = placeWorkload(state, w);
    const ms = performance.now() - t0;
    console.log(`placeWorkload 1000 replicas: ${ms.toFixed(1)} ms (${Math.round(1000 / (ms / 1000))} pods/s)`);
    expect(r.placed).toHaveLength(1000);
    expect(new Set(r.placed.map((p) => p.node)).size).toBe(1000);
    expect(state.nodes[0].pods.length).toBe(before);
    expect(ms).toBeLessThan(2000);
  });
});
