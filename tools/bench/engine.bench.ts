/**
 * npm run bench: the engine at the scale issue 3 names (5,000 nodes, 150,000 pods, 10,000 services), each figure
 * printed with p50/p99 and a ratio to a baseline measured in the same run. Figures, not assertions.
 */
import {
  ClusterEngine,
  createNetworkState,
  loadSnapshot,
  matchRule,
  podFromObject,
  schedulePod,
  workloadFromObject,
  type Packet,
  type Pod,
} from '@portolan/netsim';
import { parseIP } from '../../libs/netsim/src/util/ip';
import { fmt, gc, mb, timeIt } from './stats';
import { BENCH_SCALE, benchNode, benchNodeIP, syntheticListJson } from './synthetic';

const scale = process.env['BENCH_NODES'] ? { ...BENCH_SCALE, nodes: Number(process.env['BENCH_NODES']) } : BENCH_SCALE;
const rows: string[][] = [];
const row = (...cells: string[]) => {
  rows.push(cells);
  console.log(cells.join(' | '));
};

function heap(): number {
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.external + m.arrayBuffers;
}

console.log(`synthetic cluster: ${scale.nodes} nodes, ${scale.nodes * scale.podsPerNode} pods, ${scale.services} services (${scale.nodePortServices} NodePort)`);
const base0 = heap();
let text: string | undefined = syntheticListJson(scale);
console.log(`kubectl-style List JSON: ${mb(text.length)}`);

// Baseline for memory: the same objects as plain parsed JSON, the least any in-memory form can hold.
const withText = heap();
let raw: unknown = JSON.parse(text);
const rawHeld = heap() - withText;
raw = undefined;
void raw;

let t = process.hrtime.bigint();
const { snapshot, diagnostics } = loadSnapshot([{ name: 'synthetic.json', text }]);
const loadMs = Number(process.hrtime.bigint() - t) / 1e6;
text = undefined;
if (diagnostics.some((d) => d.severity === 'error')) throw new Error('synthetic snapshot has errors');
const engine = new ClusterEngine(snapshot);
t = process.hrtime.bigint();
void engine.scheduling;
const stateMs = Number(process.hrtime.bigint() - t) / 1e6;
const node0 = benchNode(0);
t = process.hrtime.bigint();
const view = createNetworkState(snapshot).view(node0);
const renderMs = Number(process.hrtime.bigint() - t) / 1e6;
const held = heap() - base0;
console.log(`load ${fmt(loadMs)}, scheduling state ${fmt(stateMs)}, render+index one node ${fmt(renderMs)}`);

// ---------------------------------------------------------------- one-pod feasibility
const incoming: Pod = podFromObject({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'incoming', namespace: 'bench' },
  spec: { containers: [{ name: 'c', image: 'example/ingress:1', ports: [{ containerPort: 443, hostPort: 8443 }], resources: { requests: { cpu: '500m', memory: '256Mi' } } }] },
});
const feas = timeIt(200, () => engine.schedulePod(incoming));
// Baseline: what a simulator without per-node state does per question: rescan every pod for host ports.
const naive = timeIt(20, () => {
  const used = new Map<string, boolean>();
  for (const p of snapshot.pods) {
    if (p.phase === 'Succeeded' || p.phase === 'Failed') continue;
    for (const c of p.containers) for (const cp of c.ports) if (cp.hostPort > 0) used.set(`${p.nodeName}|${cp.protocol}|${cp.hostPort}`, true);
  }
  let feasible = 0;
  for (const n of snapshot.nodes) if (!used.get(`${n.name}|TCP|8443`)) feasible++;
  return feasible;
});
const verdict = engine.schedulePod(incoming);
// The same question for an ingress replica with the scheduling constraints real charts set: required anti-affinity
// per hostname against the 1,250 running ingress pods (which carry it too), and a DoNotSchedule spread over zones.
const constrained: Pod = podFromObject({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'ingress-new', namespace: 'ingress', labels: { app: 'ingress' } },
  spec: {
    affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'ingress' } }, topologyKey: 'kubernetes.io/hostname' }] } },
    topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'ingress' } } }],
    containers: [{ name: 'c', image: 'example/ingress:1', ports: [{ containerPort: 443, hostPort: 9443 }], resources: { requests: { cpu: '500m', memory: '256Mi' } } }],
  },
});
const feasConstrained = timeIt(200, () => engine.schedulePod(constrained));
const constrainedVerdict = engine.schedulePod(constrained);
row('one-pod feasibility', `p50 ${fmt(feas.p50)}`, `p99 ${fmt(feas.p99)}`, `baseline (rescan all pods, ports only) p50 ${fmt(naive.p50)}`, `ratio ${(feas.p50 / naive.p50).toFixed(2)}x`, `goal p50 <= 2 ms`, `${verdict.feasibleNodes.length} feasible nodes`);
row('one-pod feasibility, anti-affinity + zone spread', `p50 ${fmt(feasConstrained.p50)}`, `p99 ${fmt(feasConstrained.p99)}`, `baseline (the same pod without them, above) p50 ${fmt(feas.p50)}`, `ratio ${(feasConstrained.p50 / feas.p50).toFixed(2)}x`, 'goal p50 <= 1 ms', `${constrainedVerdict.feasibleNodes.length} feasible nodes`);

// ---------------------------------------------------------------- 1,000-replica Deployment
const deployment = workloadFromObject({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'bench' },
  spec: {
    replicas: 1000,
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'example/web:1', resources: { requests: { cpu: '250m', memory: '256Mi' } } }] } },
  },
});
const placeRuns = timeIt(5, () => engine.placeWorkload(deployment), 1);
const placed = engine.placeWorkload(deployment);
const podsPerSec = 1000 / (placeRuns.p50 / 1000);
// Baseline: one full scheduling cycle per replica (no incremental re-evaluation), measured on 20 replicas.
const replica = podFromObject({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-x', namespace: 'bench' }, spec: deployment.raw && (deployment.raw as any).spec.template.spec });
const perPod = timeIt(20, () => schedulePod(engine.scheduling, replica), 2);
const baselinePodsPerSec = 1000 / perPod.p50;
row('place 1,000-replica Deployment', `p50 ${fmt(placeRuns.p50)} (${Math.round(podsPerSec).toLocaleString('en')} pods/s)`, `p99 ${fmt(placeRuns.p99)}`, `baseline (full cycle per replica) ${Math.round(baselinePodsPerSec).toLocaleString('en')} pods/s`, `ratio ${(podsPerSec / baselinePodsPerSec).toFixed(1)}x faster`, 'goal >= 20,000 pods/s', `${placed.placed.length} placed, ${placed.pending.length} pending`);

// ---------------------------------------------------------------- trace to a NodePort
// First visit of each NodePort (its KUBE-SVC/SEP chains are built on demand), then the same ports again, warm.
const port = (i: number) => 30000 + ((i * 7) % scale.nodePortServices);
const firstVisit = timeIt(500, (i) => engine.trace({ toHost: node0, port: port(i), protocol: 'TCP', from: { kind: 'external' } }), 0);
const traceTimes = timeIt(500, (i) => engine.trace({ toHost: node0, port: port(i), protocol: 'TCP', from: { kind: 'external' } }));
const sample = engine.trace({ toHost: node0, port: 30001, protocol: 'TCP', from: { kind: 'external' } });
// Baseline: the same rule matcher applied linearly down nat KUBE-SERVICES then KUBE-NODEPORTS (no index).
const nat = view.ruleset.tables['nat'];
const chain = (name: string) => nat?.chains[name]?.rules ?? [];
const services = chain('KUBE-SERVICES');
const nodeports = chain('KUBE-NODEPORTS');
const pkt = (port: number): Packet => ({ src: '203.0.113.2', dst: benchNodeIP(0), srcP: parseIP('203.0.113.2')!, dstP: parseIP(benchNodeIP(0))!, sport: 40000, dport: port, proto: 'tcp', mark: 0, dnat: false, snat: false });
const linear = timeIt(100, (i) => {
  const p = pkt(30000 + ((i * 7) % scale.nodePortServices));
  for (const r of services) if (matchRule(view, r, p).ok) break;
  for (const r of nodeports) if (matchRule(view, r, p).ok) break;
});
row('trace to a NodePort (node with 10,000 services)', `p50 ${fmt(traceTimes.p50)}`, `p99 ${fmt(traceTimes.p99)}`, `first visit of a service p50 ${fmt(firstVisit.p50)}, p99 ${fmt(firstVisit.p99)}`, `baseline (linear match of KUBE-SERVICES + KUBE-NODEPORTS, ${services.length + nodeports.length} rules) p50 ${fmt(linear.p50)}`, `ratio ${(traceTimes.p50 / linear.p50).toFixed(3)}x`, 'goal p50 <= 1 ms', `outcome ${sample.outcome}, ${sample.destinations.length} destinations`);

// ---------------------------------------------------------------- memory
const peakRss = process.resourceUsage().maxRSS * 1024;
row('engine memory holding the snapshot', `held ${mb(held)} (snapshot + scheduling state + one node's rules)`, `process peak RSS ${mb(peakRss)} (includes the generator's JSON text)`, `baseline (plain JSON.parse objects) ${mb(rawHeld)}`, `ratio ${(held / rawHeld).toFixed(2)}x`, 'goal <= 1.5 GB');

console.log('\nsummary');
for (const r of rows) console.log(`- ${r.join('; ')}`);
