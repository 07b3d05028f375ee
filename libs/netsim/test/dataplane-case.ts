/**
 * The trace cases of test/fixtures/dataplanes-and-filters.yaml as the engine gets them: each cluster goes through the
 * adapter like user input (its environment's KubeProxyConfiguration or kubeadm/Cilium ConfigMaps, ServiceCIDR
 * objects, conflist), and its question becomes a TraceRequest the way the CLI reads `--to/--from/--at`.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { buildSnapshot, interpretConflist } from '../src/adapter';
import type { TraceRequest, TraceResult } from '../src/model/results';
import type { ClusterProfile, Snapshot } from '../src/model/types';
import type { FixtureHop } from './fixture-cases';

export interface TraceCase {
  id: string;
  source: string;
  cluster: Record<string, any> & { environment: string };
  question: { trace: { dst: string; proto: string; from: string; srcIP?: string; ingressNode: string } };
  expected: { hops?: FixtureHop[]; result: Record<string, any> };
}

export const dataplaneFixture = parse(fs.readFileSync(path.join(__dirname, '../../../test/fixtures/dataplanes-and-filters.yaml'), 'utf8')) as {
  environments: Record<string, Record<string, any>>;
  cases: Array<TraceCase & Record<string, any>>;
};

export function casesWithPrefix(prefix: string): TraceCase[] {
  return dataplaneFixture.cases.filter((c) => c.id.startsWith(prefix));
}

export function snapshotOfCase(c: { cluster: Record<string, any> & { environment: string } }): Snapshot {
  const env = dataplaneFixture.environments[c.cluster.environment];
  const objects = [
    ...['nodes', 'pods', 'services', 'endpointSlices', 'objects'].flatMap((k) => (c.cluster[k] as unknown[] | undefined) ?? []),
    ...((env['objects'] as unknown[] | undefined) ?? []),
    ...(env['kubeProxy'] ? [env['kubeProxy']] : []),
  ];
  const conflist = env['cniConflistNodeA'] ?? env['cniConflist'];
  const profile: Partial<ClusterProfile> = {
    kubernetesVersion: env['kubernetesVersion'],
    cni: conflist ? interpretConflist(conflist) : { networkName: '', conflist: undefined, ipMasq: false },
  };
  return buildSnapshot(objects, { profile }).snapshot;
}

export function requestOfCase(c: TraceCase, snap: Snapshot): TraceRequest {
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

export function showTrace(r: TraceResult): string {
  return JSON.stringify(r.destinations.map((d) => ({ ip: d.ip, port: d.port, outcome: d.outcome, p: d.probability, hops: d.hops?.map((h) => `${h.table} ${h.chain} | ${h.rule} | ${h.verdict}`) })), null, 1);
}
