/**
 * Seeded random clusters on the suite's two-node topology (same nodes, pod CIDRs and underlay as scenario.ts, so
 * KernelWorld builds them unchanged): pods with and without hostPorts, hostNetwork pods, NodePort and ClusterIP
 * Services with either traffic policy, host listeners, and the two switches that decide route_localnet (portmap
 * snat, kube-proxy localhost NodePorts); then flows between them from every kind of source. A disagreement names
 * its seed, so it is reproduced with KERNEL_RANDOM_SEEDS=<seed>.
 */
import type { Proto } from './agents';
import { ClusterBuilder } from './cluster';
import { NODE_A, NODE_B } from './scenario';
import type { From, Scenario } from './world-suite';
import { prng } from '@portolan/netsim/testing';


interface Target {
  host: string;
  port: number;
  protocol: Proto;
  what: string;
}

export interface RandomCluster {
  seed: number;
  build(iptablesSave: Record<string, string>): ClusterBuilder;
  scenarios: Scenario[];
  describe: string;
}

const NODES = [NODE_A, NODE_B];

export function randomCluster(seed: number, flows: number): RandomCluster {
  const rand = prng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[int(0, xs.length - 1)] as T;
  const portmapSnat = rand() < 0.7;
  const localhostNodePorts = rand() < 0.7;
  const apps = ['alpha', 'beta', 'gamma'];
  // every pod of an app serves the same port and protocol, so a Service's numeric targetPort reaches a listener on
  // each endpoint (a real Deployment's pods are alike)
  const ports = new Map(apps.map((a) => [a, { containerPort: pick([8080, 8443]), protocol: (rand() < 0.8 ? 'TCP' : 'UDP') as Proto }]));
  const appPort = (app: string) => ports.get(app) ?? { containerPort: 8080, protocol: 'TCP' as Proto };

  interface PodPlan { name: string; node: string; ip?: string; hostNetwork: boolean; app: string; ports: Array<{ containerPort: number; hostPort?: number; protocol: Proto }> }
  const pods: PodPlan[] = [];
  const targets: Target[] = [];
  const nodeListeners = new Map<string, Array<{ port: number; address?: string; protocol: Proto }>>();
  NODES.forEach((n, ni) => {
    const usedHostPorts = new Set<string>();
    const base = n.podCIDR.replace(/\.0\/24$/, '');
    const count = int(2, 4);
    for (let i = 0; i < count; i++) {
      const app = pick(apps);
      const { containerPort, protocol } = appPort(app);
      let hostPort: number | undefined;
      if (rand() < 0.5) {
        const hp = int(8081, 8084);
        if (!usedHostPorts.has(`${hp}/${protocol}`)) {
          usedHostPorts.add(`${hp}/${protocol}`);
          hostPort = hp;
        }
      }
      const p: PodPlan = { name: `r${ni}-${i}`, node: n.name, ip: `${base}.${10 + i * 10}`, hostNetwork: false, app, ports: [{ containerPort, protocol, ...(hostPort ? { hostPort } : {}) }] };
      pods.push(p);
      targets.push({ host: p.ip as string, port: containerPort, protocol, what: `pod ${p.name}` });
      if (hostPort) targets.push({ host: n.ip, port: hostPort, protocol, what: `${n.name} hostPort` }, { host: '127.0.0.1', port: hostPort, protocol, what: 'localhost hostPort' });
    }
    if (rand() < 0.6) {
      const port = pick([9100, 9101]);
      pods.push({ name: `hn${ni}`, node: n.name, hostNetwork: true, app: 'node-agent', ports: [{ containerPort: port, hostPort: port, protocol: 'TCP' }] });
      targets.push({ host: n.ip, port, protocol: 'TCP', what: `${n.name} hostNetwork` });
    }
    if (rand() < 0.5) {
      const l = { port: 2222, protocol: 'TCP' as Proto, ...(rand() < 0.4 ? { address: '127.0.0.1' } : {}) };
      nodeListeners.set(n.name, [l]);
      targets.push({ host: n.ip, port: 2222, protocol: 'TCP', what: `${n.name} host listener` });
    }
  });

  interface SvcPlan { name: string; type: 'NodePort' | 'ClusterIP'; clusterIP: string; app: string; eTP: 'Cluster' | 'Local'; port: number; targetPort: number; nodePort?: number; protocol: Proto }
  const services: SvcPlan[] = [];
  const svcCount = int(2, 3);
  for (let i = 0; i < svcCount; i++) {
    const app = apps[i % apps.length] as string;
    const { containerPort: targetPort, protocol } = appPort(app);
    const type = rand() < 0.7 ? 'NodePort' : 'ClusterIP';
    const s: SvcPlan = { name: `svc-${app}`, type, clusterIP: `10.96.1.${10 + i}`, app, eTP: rand() < 0.5 ? 'Local' : 'Cluster', port: 80, targetPort, protocol, ...(type === 'NodePort' ? { nodePort: 30100 + i } : {}) };
    services.push(s);
    targets.push({ host: s.clusterIP, port: s.port, protocol, what: `ClusterIP ${s.name}` });
    if (s.nodePort) {
      for (const n of NODES) targets.push({ host: n.ip, port: s.nodePort, protocol, what: `${n.name} NodePort ${s.name}` });
      targets.push({ host: '127.0.0.1', port: s.nodePort, protocol, what: `localhost NodePort ${s.name}` });
    }
  }
  targets.push({ host: NODE_A.ip, port: 31999, protocol: 'TCP', what: 'unclaimed port' });

  const sources: Array<{ from: From; label: string; at?: string }> = [{ from: { kind: 'external', ip: '203.0.113.2' }, label: 'external' }];
  for (const n of NODES) sources.push({ from: { kind: 'node', node: n.name }, label: n.name }, { from: { kind: 'localhost', node: n.name }, label: `${n.name} lo` });
  for (const p of pods) sources.push({ from: { kind: 'pod', namespace: 'default', name: p.name }, label: `pod ${p.name}` });

  const scenarios: Scenario[] = [];
  const seen = new Set<string>();
  for (let guard = 0; scenarios.length < flows && guard < flows * 20; guard++) {
    const src = pick(sources);
    const t = pick(targets);
    // the loopback address only from the node itself; the external client reaches node addresses only
    if (t.host === '127.0.0.1' && src.from.kind !== 'localhost') continue;
    if (src.from.kind === 'localhost' && t.host !== '127.0.0.1') continue;
    if (src.from.kind === 'external' && !NODES.some((n) => n.ip === t.host)) continue;
    const key = `${src.label}>${t.host}:${t.port}/${t.protocol}`;
    if (seen.has(key)) continue;
    seen.add(key);
    scenarios.push({ name: `seed ${seed}: ${src.label} -> ${t.what} ${t.host}:${t.port}/${t.protocol}`, from: src.from, toHost: t.host, port: t.port, protocol: t.protocol, count: 4 });
  }

  const build = (iptablesSave: Record<string, string>) => {
    const b = new ClusterBuilder(`random-${seed}`, { portmapSnat, localhostNodePorts });
    for (const n of NODES) b.node(n);
    for (const p of pods) b.pod({ name: p.name, node: p.node, ...(p.ip ? { ip: p.ip } : {}), hostNetwork: p.hostNetwork, labels: { app: p.app }, ports: p.ports });
    for (const n of NODES) b.hostState(n.name, { listeners: nodeListeners.get(n.name) ?? [], iptablesSave: iptablesSave[n.name] });
    for (const s of services) {
      b.service({ name: s.name, type: s.type, clusterIP: s.clusterIP, selector: { app: s.app }, ...(s.type === 'NodePort' ? { externalTrafficPolicy: s.eTP } : {}), ports: [{ port: s.port, targetPort: s.targetPort, protocol: s.protocol, ...(s.nodePort ? { nodePort: s.nodePort } : {}) }] });
    }
    return b;
  };
  const describe = `seed ${seed}: portmap snat ${portmapSnat}, localhost NodePorts ${localhostNodePorts}; pods ${pods.map((p) => `${p.name}@${p.node}${p.hostNetwork ? '(hostNetwork)' : ''}:${p.app}`).join(' ')}; services ${services.map((s) => `${s.name} ${s.type}${s.nodePort ? ` eTP ${s.eTP}` : ''}`).join(', ')}`;
  return { seed, build, scenarios, describe };
}
