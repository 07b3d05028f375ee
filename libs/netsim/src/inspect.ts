import type { Diagnostic } from './adapter/diagnostics';
import { parseIptablesSave } from './iptables/save';
import type { IncompleteReason } from './model/results';
import type { ClusterProfile, Dataplane, Snapshot } from './model/types';
import { dumpCompleteness } from './trace/completeness';
import { networkStateOf } from './trace/state';

/**
 * What Portolan assumed rather than read: a typed List's items without kind, container logs left out of a dump, a
 * table inferred for an iptables fragment, a profile field nobody gave, a dataplane assumed for lack of evidence.
 */
export const GUESS_CODES = ['list-item-kind', 'dump-logs-skipped', 'table-inferred', 'profile-default', 'dataplane-assumed'] as const;
export type GuessCode = (typeof GUESS_CODES)[number];

export interface Guess {
  code: GuessCode;
  message: string;
  file?: string;
  line?: number;
  node?: string;
  field?: string;
}

export interface InspectedHostState {
  node: string;
  listeners: number;
  extraAddresses: string[];
  /** the uploaded iptables-save dump, parsed as traces will walk it */
  iptables?: { tables: string[]; chains: number; rules: number; warnings: string[]; complete: boolean; incomplete: IncompleteReason[] };
}

export interface InspectReport {
  counts: { nodes: number; pods: number; workloads: number; services: number; endpointSlices: number; hostStates: number; networkPolicies: number; namespaces: number };
  unknown: string[];
  profile: Pick<ClusterProfile, 'kubernetesVersion' | 'kubeProxy' | 'nodePortRange' | 'containerRuntime'> & { cniNetwork?: string; portmap: ClusterProfile['cni']['portmap'] | null; dataplane?: Dataplane };
  hostStates: InspectedHostState[];
  guesses: Guess[];
}

/** The profile fields whose built-in default matters to answers, with what giving them would take. */
const PROFILE_FIELDS: Array<[keyof ClusterProfile, string]> = [
  ['kubernetesVersion', 'ClusterProfile spec.kubernetesVersion (the scheduler texts of that release)'],
  ['kubeProxy', "a KubeProxyConfiguration, ClusterProfile spec.kubeProxy or the kube-system/kube-proxy ConfigMap"],
  ['cni', 'ClusterProfile spec.cniConflist (the node\'s /etc/cni/net.d conflist)'],
  ['nodePortRange', "ClusterProfile spec.nodePortRange (the apiserver's --service-node-port-range)"],
];

/** Everything a later question will read from this snapshot, uploaded dumps included, and every guess made. */
export function inspectSnapshot(s: Snapshot, diagnostics: readonly Diagnostic[]): InspectReport {
  const guesses: Guess[] = [];
  for (const d of diagnostics) if (d.code) guesses.push({ code: d.code, message: d.message, ...(d.file ? { file: d.file } : {}), ...(d.line ? { line: d.line } : {}), ...(d.field ? { field: d.field } : {}) });
  for (const [field, how] of PROFILE_FIELDS) {
    if (s.profileSources?.[field] !== 'built-in') continue;
    const value = field === 'nodePortRange' ? `${s.profile.nodePortRange.base}-${s.profile.nodePortRange.base + s.profile.nodePortRange.size - 1}` : field === 'kubeProxy' ? `mode ${s.profile.kubeProxy.mode}, clusterCIDR ${s.profile.kubeProxy.clusterCIDR || '(none)'}` : field === 'cni' ? 'bridge + portmap (snat on)' : String(s.profile[field]);
    guesses.push({ code: 'profile-default', field, message: `${field}: ${value} assumed (Portolan's default); give ${how}` });
  }
  const dp = s.profile.dataplane;
  if (dp?.source === 'default') guesses.push({ code: 'dataplane-assumed', message: dp.detail });

  const state = networkStateOf(s);
  const hostStates = s.hostStates.map((h): InspectedHostState => {
    const out: InspectedHostState = { node: h.node, listeners: h.listeners.length, extraAddresses: h.extraAddresses };
    if (h.iptablesSave === undefined) return out;
    // the view a trace over the dump walks (parsed once, memoized); a host state of a node not in the snapshot is parsed here
    const known = s.nodes.some((n) => n.name === h.node);
    const { ruleset, diagnostics: ds } = known ? state.view(h.node, { useDump: true }) : parseIptablesSave(h.iptablesSave);
    for (const d of ds) if (d.code === 'table-inferred') guesses.push({ code: 'table-inferred', node: h.node, message: d.message });
    const tables = ruleset.tableOrder;
    const chains = tables.reduce((n, t) => n + Object.keys(ruleset.tables[t]?.chains ?? {}).length, 0);
    const rules = tables.reduce((n, t) => n + Object.values(ruleset.tables[t]?.chains ?? {}).reduce((m, c) => m + c.rules.length, 0), 0);
    const incomplete = known ? dumpCompleteness(s, state.view(h.node, { useDump: true })) : [];
    out.iptables = { tables, chains, rules, warnings: ds.filter((d) => d.severity === 'warning').map((d) => (d.line ? `line ${d.line}: ${d.message}` : d.message)), complete: incomplete.length === 0, incomplete };
    return out;
  });

  return {
    counts: { nodes: s.nodes.length, pods: s.pods.length, workloads: s.workloads.length, services: s.services.length, endpointSlices: s.endpointSlices.filter((e) => !e.derived).length, hostStates: s.hostStates.length, networkPolicies: s.networkPolicies.length, namespaces: s.namespaces.length },
    unknown: s.unknown.map((u) => `${u.apiVersion}/${u.kind} ${u.namespace ? `${u.namespace}/` : ''}${u.name ?? ''}`),
    profile: { kubernetesVersion: s.profile.kubernetesVersion, kubeProxy: s.profile.kubeProxy, nodePortRange: s.profile.nodePortRange, containerRuntime: s.profile.containerRuntime, cniNetwork: s.profile.cni.networkName, portmap: s.profile.cni.portmap ?? null, ...(dp ? { dataplane: dp } : {}) },
    hostStates,
    guesses,
  };
}
