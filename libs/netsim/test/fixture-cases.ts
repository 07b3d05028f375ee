/**
 * Loads test/fixtures/upstream-cases.yaml and turns a case's cluster into a Snapshot through the adapter,
 * with the case's environment (kube-proxy config, CNI conflist, random-fully, host extra addresses).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { buildSnapshot, interpretConflist } from '../src/adapter';
import type { ScheduleResult } from '../src/model/results';
import type { ClusterProfile, Snapshot } from '../src/model/types';

export const FIXTURE_PATH = path.join(__dirname, '../../../test/fixtures/upstream-cases.yaml');

export interface FixtureHop {
  node: string;
  hook?: string;
  table: string;
  chain: string;
  rule: string;
  verdict: string;
}

export interface FixtureCase {
  id: string;
  category: string;
  confidence: string;
  source: string;
  cluster: Record<string, any>;
  question: Record<string, any>;
  expected: Record<string, any>;
  notes?: string;
}

export interface FixtureFile {
  environments: Record<string, Record<string, any>>;
  cases: FixtureCase[];
}

let cached: FixtureFile | undefined;

export function loadFixture(): FixtureFile {
  if (!cached) cached = yaml.load(fs.readFileSync(FIXTURE_PATH, 'utf8')) as FixtureFile;
  return cached;
}

export function traceCases(): FixtureCase[] {
  return loadFixture().cases.filter((c) => c.question && c.question['trace']);
}

function environmentOf(c: FixtureCase): { env: Record<string, any>; kubeProxy: Record<string, any>; extra: string } {
  const fx = loadFixture();
  const e = c.cluster['environment'];
  if (typeof e === 'string') return { env: fx.environments[e], kubeProxy: fx.environments[e]['kubeProxy'], extra: '' };
  if (e && typeof e === 'object') {
    const base = fx.environments[e['base']];
    return { env: base, kubeProxy: e['kubeProxyOverride'] ?? base['kubeProxy'], extra: String(e['hostExtraAddress'] ?? '') };
  }
  // cases without an environment use the demo cluster
  return { env: fx.environments['demo'], kubeProxy: fx.environments['demo']['kubeProxy'], extra: '' };
}

export function snapshotForCase(c: FixtureCase): Snapshot {
  const { env, kubeProxy, extra } = environmentOf(c);
  const objects: unknown[] = [
    ...(c.cluster['nodes'] ?? []),
    ...(c.cluster['pods'] ?? []),
    ...(c.cluster['services'] ?? []),
    ...(c.cluster['endpointSlices'] ?? []),
    kubeProxy,
  ];
  // "node-a also owns 10.0.0.10 on a second NIC": a host fact, expressed as a NodeHostState
  const m = /^(\S+) also owns (\S+)/.exec(extra);
  if (m) objects.push({ apiVersion: 'portolan.dev/v1alpha1', kind: 'NodeHostState', metadata: { name: m[1] }, spec: { nodeName: m[1], extraAddresses: [m[2]], listeners: [] } });
  const profile: Partial<ClusterProfile> = {
    iptablesHasRandomFully: env['iptablesHasRandomFully'] === true || /iptablesHasRandomFully\s+assumed/.test(String(env['note'] ?? '')),
    cni: env['cniConflistNodeA'] ? interpretConflist(env['cniConflistNodeA']) : { networkName: '', conflist: undefined, ipMasq: false },
  };
  return buildSnapshot(objects, { profile }).snapshot;
}

/** The first failing filter of every infeasible node, in the cases' `expected.infeasible` shape. */
export function infeasibleVerdicts(result: ScheduleResult): Record<string, { plugin?: string; reasons: string[]; code?: string }> {
  const got: Record<string, { plugin?: string; reasons: string[]; code?: string }> = {};
  for (const v of result.nodes) if (!v.feasible) got[v.node] = { plugin: v.plugin, reasons: v.reasons, code: v.code };
  return got;
}
