/**
 * Benchmark shape from the brief: trace to a NodePort on a node whose kube-proxy holds 10,000 services.
 * Rendering is paid once per node (memoized); each trace must use the chain indexes, not a linear scan.
 */
import { performance } from 'node:perf_hooks';
import { aNode, aService, aSnapshot } from '../src/testing';
import type { EndpointSlice, Service } from '../src/model/types';
import { createNetworkState, traceWith } from '../src/trace';

function bigCluster(n: number) {
  const services: Service[] = [];
  const slices: EndpointSlice[] = [];
  for (let i = 0; i < n; i++) {
    const nodePort = i < 2500 ? 30000 + i : 0;
    services.push(aService(`svc${i}`, { namespace: `ns${i % 50}`, clusterIP: `10.96.${Math.floor(i / 250)}.${(i % 250) + 1}`, type: nodePort ? 'NodePort' : 'ClusterIP', ports: [{ name: 'http', port: 80, nodePort }] }));
    slices.push({
      namespace: `ns${i % 50}`,
      name: `svc${i}-x`,
      serviceName: `svc${i}`,
      addressType: 'IPv4',
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      endpoints: [0, 1].map((k) => ({ addresses: [`10.244.${1 + k}.${(i % 250) + 2}`], ready: true, serving: true, terminating: false, nodeName: `node-${1 + k}` })),
      derived: false,
    });
  }
  const s = aSnapshot({
    nodes: [0, 1, 2].map((k) => aNode(`node-${k}`, { ip: `192.168.1.${10 + k}`, podCIDRs: [`10.244.${k}.0/24`] })),
    services,
    endpointSlices: slices,
  });
  s.profile.kubeProxy.clusterCIDR = '10.244.0.0/16';
  return s;
}

describe('trace performance', () => {
  it('traces to a NodePort among 10,000 services with p50 <= 1 ms', () => {
    const snap = bigCluster(10_000);
    const state = createNetworkState(snap);
    const t0 = performance.now();
    const first = traceWith(state, { toHost: 'node-0', port: 30001, protocol: 'TCP', from: { kind: 'external' } });
    const renderMs = performance.now() - t0;
    expect(first.destinations.map((d) => d.ip).sort()).toEqual(['10.244.1.3', '10.244.2.3']);
    expect(state.view('node-0').ruleset.tables['nat'].chains['KUBE-SERVICES'].rules.length).toBe(10_001);

    const times: number[] = [];
    for (let i = 0; i < 400; i++) {
      const port = 30000 + ((i * 37) % 2500);
      const a = performance.now();
      const r = traceWith(state, { toHost: 'node-0', port, protocol: 'TCP', from: { kind: 'external' } });
      times.push(performance.now() - a);
      if (r.outcome !== 'delivered') throw new Error(`port ${port}: ${r.outcome}`);
    }
    times.sort((x, y) => x - y);
    const p50 = times[Math.floor(times.length / 2)];
    const p95 = times[Math.floor(times.length * 0.95)];
    console.info(`10k services: first trace (renders node-0) ${renderMs.toFixed(0)} ms; trace p50 ${p50.toFixed(3)} ms, p95 ${p95.toFixed(3)} ms`);
    expect(p50).toBeLessThanOrEqual(1);
  });
});
