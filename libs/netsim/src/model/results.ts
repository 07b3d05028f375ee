/**
 * Result shapes of the engine's questions. They mirror the CLI's `-o json` contract (issue 3) so the CLI,
 * REST and GraphQL layers only serialize them.
 */
import type { Dataplane, ObjectRef, Protocol, UnmodelledField } from './types';

// ---------------------------------------------------------------- scheduling

/** kube-scheduler framework status codes that can reach a user. */
export const STATUS_CODES = ['Success', 'Unschedulable', 'UnschedulableAndUnresolvable', 'Skip'] as const;
export type StatusCode = (typeof STATUS_CODES)[number];

export const FILTER_PLUGINS = [
  'NodeUnschedulable',
  'NodeName',
  'TaintToleration',
  'NodeAffinity',
  'NodeAffinity(PreFilter)',
  'NodePorts',
  'NodeResourcesFit',
  'VolumeRestrictions',
  'VolumeRestrictions(PreFilter)',
  'NodeVolumeLimits',
  'VolumeBinding',
  'VolumeBinding(PreFilter)',
  'VolumeZone',
  'VolumeZone(PreFilter)',
  'PodTopologySpread',
  'PodTopologySpread(PreFilter)',
  'InterPodAffinity',
] as const;
export type FilterPlugin = (typeof FILTER_PLUGINS)[number];

/** What blocks a node, beyond upstream's reason string: the object and the exact claim. */
export type Blocker =
  | { kind: 'hostPort'; pod: ObjectRef; owner?: ObjectRef; hostIP: string; port: number; protocol: Protocol; claim: string }
  | { kind: 'taint'; key: string; value: string; effect: string }
  | { kind: 'unschedulable' }
  | { kind: 'nodeName'; requested: string }
  | { kind: 'affinity'; detail: string }
  | { kind: 'resource'; resource: string; requested: number; used: number; allocatable: number }
  | { kind: 'pods'; used: number; allocatable: number }
  | { kind: 'volume'; detail: string; pod?: ObjectRef; claim?: string; volume?: string }
  /** InterPodAffinity: the term that failed, and the pods behind it (the existing pod whose anti-affinity rejects the node) */
  | { kind: 'podAffinity'; rule: 'affinity' | 'anti-affinity' | 'existing-anti-affinity'; topologyKey: string; value?: string; pods: ObjectRef[]; detail: string }
  /** PodTopologySpread: the domain counts behind a skew */
  | { kind: 'topologySpread'; topologyKey: string; value?: string; matching: number; selfMatch: number; globalMin: number; maxSkew: number; domains: Record<string, number>; detail: string };

/** How sure a runtime prediction is. */
export const CERTAINTIES = ['declared', 'observed', 'assumed'] as const;
export type Certainty = (typeof CERTAINTIES)[number];

export interface RuntimePrediction {
  kind: 'bind-conflict' | 'hostport-shadowed' | 'hostport-captures-listener' | 'no-portmap';
  /** e.g. `bind() to 0.0.0.0:80 failed (98: Address in use)` */
  message: string;
  /** expected consequence, e.g. CrashLoopBackOff */
  consequence?: string;
  certainty: Certainty;
  port?: number;
  protocol?: Protocol;
  /** who holds the port: a pod, a host listener ("sshd"), or a Service NodePort */
  holder?: { kind: 'pod' | 'host-listener' | 'nodePort' | 'hostPort'; name: string };
}

export interface NodeVerdict {
  node: string;
  feasible: boolean;
  /** first failing filter (upstream order); undefined when feasible */
  plugin?: FilterPlugin;
  /** upstream reason strings, exact (NodeResourcesFit may carry several) */
  reasons: string[];
  /** first reason, for the CLI's flat `reason` field */
  reason?: string;
  code?: StatusCode;
  blockers: Blocker[];
  runtime: RuntimePrediction[];
}

export interface KubeletAdmission {
  node: string;
  admit: boolean;
  podPhase?: 'Failed';
  reason?: string;
  message?: string;
}

export interface PreemptionResult {
  nominatedNodeName: string;
  victims: string[];
}

export interface ScheduleResult {
  pod: string;
  /** false when spec.nodeName is set: the kubelet admits or rejects instead */
  scheduler: boolean;
  feasibleNodes: string[];
  nodes: NodeVerdict[];
  /** the FailedScheduling event text when no node fits (current single-period format) */
  message?: string;
  kubeletAdmission?: KubeletAdmission;
  preemption?: PreemptionResult;
  /** fields that change scheduling and were not evaluated; when present the answer's certainty is reduced */
  unmodelled?: UnmodelledField[];
  certainty?: 'reduced';
  /** PodScheduled=False reason SchedulingGated: the pod's schedulingGates keep it out of the queue, no node is tried */
  schedulingGated?: { reason: 'SchedulingGated'; gates: string[] };
}

export interface PlacementResult {
  workload: string;
  replicas: number;
  placed: Array<{ pod: string; node: string }>;
  pending: Array<{ pod: string; message: string }>;
  crashing: Array<{ pod: string; node: string; reason: string; certainty: Certainty }>;
  /** placed pods (counted in placed) that are bound only after preempting these victims (DaemonSet pods) */
  preempting?: Array<{ pod: string; node: string; victims: string[] }>;
}

// ---------------------------------------------------------------- traffic

export type TraceSource =
  | { kind: 'external'; ip?: string }
  | { kind: 'node'; node: string }
  | { kind: 'localhost'; node: string }
  | { kind: 'pod'; namespace: string; name: string }
  | { kind: 'ip'; ip: string; node: string };

export interface TraceRequest {
  /** node name or IP */
  toHost: string;
  port: number;
  protocol: Protocol;
  from: TraceSource;
  /** node the packet enters when the address alone does not say */
  at?: string;
  /** walk the node's uploaded iptables-save dump (default: when the node has one) instead of rendered rules */
  useDump?: boolean;
}

export const TRACE_OUTCOMES = ['delivered', 'delivered-to-host-socket', 'dropped', 'rejected', 'refused'] as const;
export type TraceOutcome = (typeof TRACE_OUTCOMES)[number];

/**
 * What a hop did to the packet, as data (the hop's verdict is the prose). no-match/never-reached/not-taken are
 * rules the packet passed without effect; policy is a base chain's default policy deciding; unsimulated a target
 * the walk does not model (it continues past it).
 */
export const HOP_ACTIONS = [
  'no-match',
  'never-reached',
  'not-taken',
  'counter',
  'jump',
  'goto',
  'return',
  'policy',
  'accept',
  'drop',
  'reject',
  'dnat',
  'redirect',
  'snat',
  'masquerade',
  'mark',
  'unsimulated',
  'route',
  'deliver',
  'refuse',
] as const;
export type HopAction = (typeof HOP_ACTIONS)[number];

export interface TraceHop {
  node: string;
  /** netfilter hook when this hop enters a base chain (PREROUTING, OUTPUT, FORWARD, INPUT, POSTROUTING) */
  hook?: string;
  /** an iptables table, `ip kube-proxy`-style for an nftables table (family and name), `bpf` for a Cilium eBPF program, or an implicit step */
  table: 'nat' | 'filter' | 'mangle' | 'raw' | 'route' | 'socket' | 'bpf' | `ip ${string}` | `ip6 ${string}` | `inet ${string}`;
  chain: string;
  /** the rule in iptables-restore syntax (without `-A CHAIN`), or a description for implicit steps */
  rule: string;
  /** prose: what happened, for people */
  verdict: string;
  action: HopAction;
  /** jump/goto: the chain; policy: ACCEPT or DROP; mark: the mark value; route: the egress; deliver: the receiver */
  target?: string;
  /** dnat/redirect: the destination, snat/masquerade: the source, as address:port, before and after the rewrite */
  before?: string;
  after?: string;
}

export interface TraceDestination {
  kind: 'pod' | 'host-socket' | 'hostNetwork-pod' | 'none';
  node?: string;
  /** ns/name */
  pod?: string;
  ip: string;
  port: number;
  probability: number;
  outcome: TraceOutcome;
  masquerade: boolean;
  sourceSeen: string;
  /** hops of this branch (the first branch that reached this destination) */
  hops?: TraceHop[];
  /** packet mark bits set on this branch, hex (e.g. 0x4000 kube-proxy, 0x2000 portmap) */
  marks?: string[];
  /** the rule/chain that ended the walk for dropped/rejected branches, e.g. "filter KUBE-EXTERNAL-SERVICES" */
  by?: string;
  /**
   * true when the first packet arrives but the reply cannot: it was DNATed on another node without SNAT and the
   * endpoint answers the client directly, bypassing that node's conntrack (kubernetes/kubernetes#74383)
   */
  asymmetricReply?: boolean;
}

/** Why an answer over an uploaded dump cannot be the whole truth (codes are data; message is prose). */
export type IncompleteCode =
  /** a rule jumps to a chain the dump does not hold */
  | 'chain-missing'
  /** kube-proxy's or portmap's entry chain is present but no built-in chain jumps to it */
  | 'entry-unreachable'
  /** a KUBE-SEP- endpoint chain without its rules */
  | 'endpoint-chain-empty'
  /** a chain the snapshot's pods and Services imply (rendered plan) is not in the dump */
  | 'chain-absent-from-dump'
  /** the dump had no *table header: its table was guessed from content */
  | 'table-inferred'
  /** the cluster's dataplane (nftables, IPVS, Cilium) is not simulated: its Service hops are missing */
  | 'dataplane-not-modelled';

export const INCOMPLETE_CODES: readonly IncompleteCode[] = ['chain-missing', 'entry-unreachable', 'endpoint-chain-empty', 'chain-absent-from-dump', 'table-inferred', 'dataplane-not-modelled'];

export interface IncompleteReason {
  code: IncompleteCode;
  node: string;
  table?: string;
  chain?: string;
  message: string;
}

export interface TraceResult {
  /** the connection's address family: IPv6 walks ip6tables and the `ip6` nftables tables */
  family: 'IPv4' | 'IPv6';
  /** outcome of the most likely branch (all branches are in destinations) */
  outcome: TraceOutcome;
  /** hops of the first branch (for statistic rules: the first endpoint's branch) */
  hops: TraceHop[];
  destinations: TraceDestination[];
  masquerade: boolean;
  sourceSeen: string;
  /** walked a real uploaded iptables-save dump rather than rendered rules */
  fromDump?: boolean;
  /**
   * host settings the path depends on: 'route_localnet' when a packet to 127.0.0.0/8 is DNATed off the node's
   * loopback (localhost NodePorts, hostPort on localhost); the kernel drops it as a martian otherwise
   */
  requires: Array<'route_localnet'>;
  /** false when a walked dump cannot be the whole truth (reasons in incomplete); rendered rules are complete */
  complete: boolean;
  incomplete: IncompleteReason[];
  /** mark bits set on the most likely branch, hex */
  marks?: string[];
  /** the dataplane the trace assumed (profile.dataplane); when not modelled, its Service hops are missing */
  dataplane?: Dataplane;
  notes: string[];
}

// ---------------------------------------------------------------- port claims

export type ClaimKind = 'nodePort' | 'hostPort' | 'hostNetwork' | 'host-listener' | 'healthCheckNodePort';

export interface PortClaim {
  node: string;
  address: string;
  port: number;
  protocol: Protocol;
  kind: ClaimKind;
  /** ns/name of the pod or service, or the process name */
  owner: string;
  /** what actually receives traffic to this (address, port, protocol) from outside the node */
  effective: boolean;
  /** why not effective, e.g. "shadowed by NodePort demo/web:http (KUBE-NODEPORTS runs before CNI-HOSTPORT-DNAT)" */
  shadowedBy?: string;
  note?: string;
}

// ---------------------------------------------------------------- manifest checks

export const SEVERITIES = ['error', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface Finding {
  rule: string;
  severity: Severity;
  /** Kind/namespace/name */
  object: string;
  message: string;
  fix: string;
  source?: { file?: string; line?: number };
  /** present when a `portolan.dev/ignore` annotation or a cluster exemption turns the finding off */
  suppressed?: Suppression;
}

export interface Suppression {
  /** annotation: on the object itself (SARIF inSource); exemption: kept by the cluster (SARIF external) */
  kind: 'annotation' | 'exemption';
  reason: string;
  /** the exemption's id */
  id?: string;
}

/** A per-cluster exemption: findings of `rule` on objects matching the selector are suppressed until expiry. */
export interface Exemption {
  id?: string;
  rule: string;
  /** each given field must match the finding's object (Kind/namespace/name); name may end in '*' */
  selector: { kind?: string; namespace?: string; name?: string };
  reason: string;
  /** RFC 3339; absent: never expires */
  expiresAt?: string;
}

export interface CheckCounts {
  error: number;
  warning: number;
  info: number;
  /** findings turned off; not in the other counts and not in the verdict */
  suppressed: number;
}

export interface CheckReport {
  verdict: 'pass' | 'warn' | 'fail';
  findings: Finding[];
  counts?: CheckCounts;
}
