import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { CertaintyEnum, FilterPluginEnum, HopActionEnum, StatusCodeEnum, TraceOutcomeEnum } from '../graphql/codes';
import type { Blocker, NodeVerdict, PlacementResult, PortClaim, RuntimePrediction, ScheduleResult, TraceResult } from '@portolan/netsim';

@ObjectType('TopologyDomain', { description: 'A topology domain (a value of the spread constraint\'s topologyKey) and its matching pods' })
export class TopologyDomainModel {
  @Field() value!: string;
  @Field(() => Int) count!: number;
}

@ObjectType('Blocker', { description: 'What keeps a node from hosting the pod: the object and the exact claim, beyond upstream\'s reason' })
export class BlockerModel {
  @Field({ description: 'hostPort | taint | unschedulable | nodeName | affinity | resource | pods | volume | podAffinity | topologySpread' }) kind!: string;
  @Field({ description: 'one line, e.g. "demo/web-hostport (ReplicaSet web-5d4f) holds 0.0.0.0:8080/TCP"' }) description!: string;
  @Field({ nullable: true, description: 'ns/name of the pod holding the port' }) pod?: string;
  @Field({ nullable: true, description: 'Kind/name of that pod\'s owner' }) owner?: string;
  @Field({ nullable: true, description: 'hostIP:port/PROTOCOL' }) claim?: string;
  @Field(() => Int, { nullable: true }) port?: number;
  @Field({ nullable: true }) protocol?: string;
  @Field({ nullable: true }) taint?: string;
  @Field({ nullable: true }) resource?: string;
  @Field(() => Float, { nullable: true }) requested?: number;
  @Field(() => Float, { nullable: true }) used?: number;
  @Field(() => Float, { nullable: true }) allocatable?: number;
  @Field(() => [String], { nullable: true, description: 'podAffinity: ns/name of the pods behind the failed term (the existing pods whose anti-affinity rejects the node)' }) pods?: string[];
  @Field({ nullable: true, description: 'podAffinity: affinity | anti-affinity | existing-anti-affinity' }) rule?: string;
  @Field({ nullable: true }) topologyKey?: string;
  @Field({ nullable: true, description: "the node's value of topologyKey" }) topologyValue?: string;
  @Field(() => Int, { nullable: true, description: 'topologySpread: matching pods in the node\'s domain' }) matching?: number;
  @Field(() => Int, { nullable: true }) globalMin?: number;
  @Field(() => Int, { nullable: true }) maxSkew?: number;
  @Field(() => [TopologyDomainModel], { nullable: true, description: 'topologySpread: matching pods per domain' }) domains?: TopologyDomainModel[];
}

@ObjectType('RuntimePrediction', { description: 'What will happen after scheduling (e.g. bind() failing with Address in use), and how sure that is' })
export class RuntimePredictionModel {
  @Field() kind!: string;
  @Field() message!: string;
  @Field({ nullable: true }) consequence?: string;
  @Field(() => CertaintyEnum) certainty!: string;
  @Field(() => Int, { nullable: true }) port?: number;
  @Field({ nullable: true }) protocol?: string;
  @Field({ nullable: true, description: 'who holds the port' }) holder?: string;
}

@ObjectType('NodeVerdict')
export class NodeVerdictModel {
  @Field() node!: string;
  @Field() feasible!: boolean;
  @Field(() => FilterPluginEnum, { nullable: true, description: 'first failing filter, in kube-scheduler order' }) plugin?: string;
  @Field({ nullable: true, description: 'the upstream reason, exact' }) reason?: string;
  @Field(() => [String]) reasons!: string[];
  @Field(() => StatusCodeEnum, { nullable: true }) code?: string;
  @Field(() => [BlockerModel]) blockers!: BlockerModel[];
  @Field(() => [RuntimePredictionModel]) runtime!: RuntimePredictionModel[];
}

@ObjectType('KubeletAdmission')
export class KubeletAdmissionModel {
  @Field() node!: string;
  @Field() admit!: boolean;
  @Field({ nullable: true }) reason?: string;
  @Field({ nullable: true }) message?: string;
}

@ObjectType('Preemption')
export class PreemptionModel {
  @Field() nominatedNodeName!: string;
  @Field(() => [String]) victims!: string[];
}

@ObjectType('PodSchedule')
export class PodScheduleModel {
  @Field() pod!: string;
  @Field({ description: 'false when spec.nodeName is set: the kubelet admits or rejects instead' }) scheduler!: boolean;
  @Field(() => [String]) feasibleNodes!: string[];
  /** every node's verdict as the engine gave it; the `nodes` field (PodScheduleResolver) selects and maps them */
  nodes!: NodeVerdict[];
  @Field({ nullable: true, description: 'the FailedScheduling event text when no node fits' }) message?: string;
  @Field(() => KubeletAdmissionModel, { nullable: true }) kubeletAdmission?: KubeletAdmissionModel;
  @Field(() => PreemptionModel, { nullable: true }) preemption?: PreemptionModel;
  @Field(() => ID, { description: 'the snapshot answered from' }) snapshotId!: string;
}

@ObjectType()
export class PlacedPod {
  @Field() pod!: string;
  @Field() node!: string;
}
@ObjectType()
export class PendingPod {
  @Field() pod!: string;
  @Field() message!: string;
}
@ObjectType()
export class CrashingPod {
  @Field() pod!: string;
  @Field() node!: string;
  @Field() reason!: string;
  @Field(() => CertaintyEnum) certainty!: string;
}

@ObjectType('WorkloadPlacement')
export class PlacementModel {
  @Field() workload!: string;
  @Field(() => Int) replicas!: number;
  @Field(() => [PlacedPod]) placed!: PlacedPod[];
  @Field(() => [PendingPod]) pending!: PendingPod[];
  @Field(() => [CrashingPod]) crashing!: CrashingPod[];
  @Field(() => ID) snapshotId!: string;
}

@ObjectType('TraceHop')
export class TraceHopModel {
  @Field() node!: string;
  @Field({ nullable: true }) hook?: string;
  @Field() table!: string;
  @Field() chain!: string;
  @Field({ description: 'the rule in iptables-restore syntax' }) rule!: string;
  @Field({ description: 'what happened, in prose; action says it as data' }) verdict!: string;
  @Field(() => HopActionEnum) action!: string;
  @Field({ nullable: true, description: 'jump/goto/return: the chain; policy: ACCEPT or DROP; mark: the mark after it; route: the egress; deliver: the receiver' }) target?: string;
  @Field({ nullable: true, description: 'dnat/redirect: the destination, snat/masquerade: the source, address:port before the rewrite' }) before?: string;
  @Field({ nullable: true, description: 'the same address:port after the rewrite' }) after?: string;
}

@ObjectType('TraceDestination')
export class TraceDestinationModel {
  @Field({ description: 'pod | hostNetwork-pod | host-socket | none' }) kind!: string;
  @Field({ nullable: true }) node?: string;
  @Field({ nullable: true }) pod?: string;
  @Field() ip!: string;
  @Field(() => Int) port!: number;
  @Field(() => Float) probability!: number;
  @Field(() => TraceOutcomeEnum) outcome!: string;
  @Field() masquerade!: boolean;
  @Field() sourceSeen!: string;
  @Field(() => [TraceHopModel], { nullable: true, description: 'the hops of the first branch that reached this destination (the answer\'s hops are the first destination\'s)' }) hops?: TraceHopModel[];
}

@ObjectType('Dataplane', { description: 'What serves Services, NodePorts and hostPorts on the cluster, and how Portolan knows' })
export class DataplaneModel {
  @Field({ description: 'kube-proxy-iptables | kube-proxy-nftables | kube-proxy-ipvs | cilium-kube-proxy-replacement' }) kind!: string;
  @Field({ description: 'cluster-profile | cilium-config | kube-proxy-configuration | kube-proxy-configmap | default' }) source!: string;
  @Field({ description: 'false: Service, NodePort and ClusterIP hops of this dataplane are not simulated, so the answer lacks them' }) modelled!: boolean;
  @Field() detail!: string;
}

/** GraphQL names cannot hold '-': the enum's values are the engine's codes, its names their snake_case */
export enum IncompleteCodeEnum {
  chain_missing = 'chain-missing',
  entry_unreachable = 'entry-unreachable',
  endpoint_chain_empty = 'endpoint-chain-empty',
  chain_absent_from_dump = 'chain-absent-from-dump',
  table_inferred = 'table-inferred',
  dataplane_not_modelled = 'dataplane-not-modelled',
}
registerEnumType(IncompleteCodeEnum, { name: 'IncompleteCode', description: 'why an answer over an uploaded iptables-save dump cannot be the whole truth' });

@ObjectType('IncompleteReason')
export class IncompleteReasonModel {
  @Field(() => IncompleteCodeEnum) code!: IncompleteCodeEnum;
  @Field() node!: string;
  @Field({ nullable: true }) table?: string;
  @Field({ nullable: true }) chain?: string;
  @Field() message!: string;
}

export enum AddressFamilyEnum {
  IPv4 = 'IPv4',
  IPv6 = 'IPv6',
}
registerEnumType(AddressFamilyEnum, { name: 'AddressFamily', description: "a connection's IP family: IPv6 paths walk ip6tables and the ip6 nftables tables" });

@ObjectType('TrafficPath')
export class TrafficPathModel {
  @Field(() => AddressFamilyEnum) family!: AddressFamilyEnum;
  @Field(() => DataplaneModel, { nullable: true, description: 'the dataplane the trace assumed' }) dataplane?: DataplaneModel;
  @Field(() => TraceOutcomeEnum) outcome!: string;
  @Field(() => [TraceHopModel]) hops!: TraceHopModel[];
  @Field(() => [TraceDestinationModel]) destinations!: TraceDestinationModel[];
  @Field() masquerade!: boolean;
  @Field({ description: 'the source address the destination sees' }) sourceSeen!: string;
  @Field() fromDump!: boolean;
  @Field(() => [String], { description: "host settings the path depends on, e.g. route_localnet (sysctl net.ipv4.conf.*.route_localnet=1) for 127.0.0.0/8 DNATed off the node" }) requires!: string[];
  @Field({ description: 'false when a walked dump cannot be the whole truth; the reasons are in incomplete' }) complete!: boolean;
  @Field(() => [IncompleteReasonModel]) incomplete!: IncompleteReasonModel[];
  @Field(() => [String]) notes!: string[];
  @Field(() => ID) snapshotId!: string;
}

@ObjectType('PortClaim')
export class PortClaimModel {
  @Field() node!: string;
  @Field() address!: string;
  @Field(() => Int) port!: number;
  @Field() protocol!: string;
  @Field({ description: 'nodePort | hostPort | hostNetwork | host-listener | healthCheckNodePort' }) kind!: string;
  @Field() owner!: string;
  @Field({ description: 'whether traffic from outside the node reaches this owner' }) effective!: boolean;
  @Field({ nullable: true }) shadowedBy?: string;
  @Field({ nullable: true }) note?: string;
}

@ObjectType('PathSummary')
export class PathSummaryModel {
  @Field(() => TraceOutcomeEnum) outcome!: string;
  @Field(() => [String]) destinations!: string[];
}

@ObjectType('ClaimChange')
export class ClaimChangeModel {
  @Field() node!: string;
  @Field() address!: string;
  @Field(() => Int) port!: number;
  @Field() protocol!: string;
  @Field({ description: 'added | removed | changed' }) change!: string;
  @Field(() => [PortClaimModel]) before!: PortClaimModel[];
  @Field(() => [PortClaimModel]) after!: PortClaimModel[];
}

@ObjectType('PathChange')
export class PathChangeModel {
  @Field() node!: string;
  @Field(() => Int) port!: number;
  @Field() protocol!: string;
  @Field(() => PathSummaryModel) before!: PathSummaryModel;
  @Field(() => PathSummaryModel) after!: PathSummaryModel;
}

@ObjectType('WorkloadChange')
export class WorkloadChangeModel {
  @Field() workload!: string;
  @Field() change!: string;
  @Field(() => [String]) lostNodes!: string[];
  @Field(() => [String]) gainedNodes!: string[];
  @Field(() => Int) feasibleBefore!: number;
  @Field(() => Int) feasibleAfter!: number;
}

@ObjectType('SnapshotDiff')
export class SnapshotDiffModel {
  @Field(() => [ClaimChangeModel]) claims!: ClaimChangeModel[];
  @Field(() => [PathChangeModel], { description: 'node ports whose traced destination changed' }) paths!: PathChangeModel[];
  @Field(() => [WorkloadChangeModel]) workloads!: WorkloadChangeModel[];
  @Field(() => [String], { description: 'what the size caps left out; empty when complete' }) truncated!: string[];
}

// ------------------------------------------------------------------ typed inputs

@InputType()
export class ContainerPortInput {
  @Field(() => Int) containerPort!: number;
  @Field(() => Int, { nullable: true }) hostPort?: number;
  @Field({ nullable: true }) hostIP?: string;
  @Field({ nullable: true, description: 'TCP (default), UDP or SCTP' }) protocol?: string;
  @Field({ nullable: true }) name?: string;
}

@InputType()
export class ContainerInput {
  @Field() name!: string;
  @Field({ nullable: true }) image?: string;
  @Field(() => [ContainerPortInput], { nullable: true }) ports?: ContainerPortInput[];
  @Field({ nullable: true, description: 'e.g. 500m' }) cpu?: string;
  @Field({ nullable: true, description: 'e.g. 256Mi' }) memory?: string;
}

@InputType()
export class KeyValueInput {
  @Field() key!: string;
  @Field() value!: string;
}

@InputType()
export class TolerationInput {
  @Field({ nullable: true }) key?: string;
  @Field({ nullable: true }) operator?: string;
  @Field({ nullable: true }) value?: string;
  @Field({ nullable: true }) effect?: string;
}

@InputType({ description: 'A Pod (or a workload\'s pod template) as typed fields, for callers without YAML' })
export class PodInput {
  @Field() name!: string;
  @Field({ nullable: true }) namespace?: string;
  @Field(() => [KeyValueInput], { nullable: true }) labels?: KeyValueInput[];
  @Field({ nullable: true }) hostNetwork?: boolean;
  @Field({ nullable: true }) nodeName?: string;
  @Field(() => [KeyValueInput], { nullable: true }) nodeSelector?: KeyValueInput[];
  @Field(() => [TolerationInput], { nullable: true }) tolerations?: TolerationInput[];
  @Field(() => Int, { nullable: true }) priority?: number;
  @Field(() => [ContainerInput]) containers!: ContainerInput[];
}

@InputType()
export class WorkloadInput {
  @Field({ description: 'Deployment | ReplicaSet | StatefulSet | DaemonSet | Job' }) kind!: string;
  @Field() name!: string;
  @Field({ nullable: true }) namespace?: string;
  @Field(() => Int, { nullable: true }) replicas?: number;
  @Field(() => PodInput) template!: PodInput;
}

const kv = (xs?: KeyValueInput[]) => (xs ? Object.fromEntries(xs.map((x) => [x.key, x.value])) : undefined);

/** Typed input → the Kubernetes object the API server would receive. */
export function podObject(p: PodInput): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: p.name, namespace: p.namespace ?? 'default', ...(p.labels ? { labels: kv(p.labels) } : {}) },
    spec: {
      ...(p.hostNetwork !== undefined ? { hostNetwork: p.hostNetwork } : {}),
      ...(p.nodeName ? { nodeName: p.nodeName } : {}),
      ...(p.nodeSelector ? { nodeSelector: kv(p.nodeSelector) } : {}),
      ...(p.tolerations ? { tolerations: p.tolerations } : {}),
      ...(p.priority !== undefined ? { priority: p.priority } : {}),
      containers: p.containers.map((c) => ({
        name: c.name,
        image: c.image ?? 'registry.k8s.io/pause:3.9',
        ...(c.ports ? { ports: c.ports.map((x) => Object.fromEntries(Object.entries(x).filter(([, v]) => v !== undefined && v !== null))) } : {}),
        ...(c.cpu || c.memory ? { resources: { requests: { ...(c.cpu ? { cpu: c.cpu } : {}), ...(c.memory ? { memory: c.memory } : {}) } } } : {}),
      })),
    },
  };
}

export function workloadObject(w: WorkloadInput): Record<string, unknown> {
  const pod = podObject(w.template);
  const labels = (pod['metadata'] as { labels?: Record<string, string> }).labels ?? { app: w.name };
  return {
    apiVersion: w.kind === 'Job' ? 'batch/v1' : 'apps/v1',
    kind: w.kind,
    metadata: { name: w.name, namespace: w.namespace ?? 'default' },
    spec: {
      ...(w.kind === 'DaemonSet' ? {} : { replicas: w.replicas ?? 1 }),
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: pod['spec'] },
    },
  };
}

// ------------------------------------------------------------------ mapping

function blockerModel(b: Blocker): BlockerModel {
  switch (b.kind) {
    case 'hostPort':
      return { kind: b.kind, pod: `${b.pod.namespace ?? ''}/${b.pod.name}`, owner: b.owner ? `${b.owner.kind}/${b.owner.name}` : undefined, claim: b.claim, port: b.port, protocol: b.protocol, description: `${b.pod.namespace ?? ''}/${b.pod.name}${b.owner ? ` (${b.owner.kind} ${b.owner.name})` : ''} holds ${b.claim}` };
    case 'taint':
      return { kind: b.kind, taint: `${b.key}=${b.value}:${b.effect}`, description: `untolerated taint ${b.key}=${b.value}:${b.effect}` };
    case 'unschedulable':
      return { kind: b.kind, description: 'the node is cordoned (spec.unschedulable)' };
    case 'nodeName':
      return { kind: b.kind, description: `the pod asks for node ${b.requested}` };
    case 'affinity':
      return { kind: b.kind, description: b.detail };
    case 'resource':
      return { kind: b.kind, resource: b.resource, requested: b.requested, used: b.used, allocatable: b.allocatable, description: `${b.resource}: requested ${b.requested}, used ${b.used} of ${b.allocatable}` };
    case 'pods':
      return { kind: b.kind, resource: 'pods', used: b.used, allocatable: b.allocatable, description: `${b.used} of ${b.allocatable} pods` };
    case 'volume':
      return { kind: b.kind, pod: b.pod ? `${b.pod.namespace ?? ''}/${b.pod.name}` : undefined, description: b.detail };
    case 'podAffinity':
      return { kind: b.kind, rule: b.rule, topologyKey: b.topologyKey, topologyValue: b.value, pods: b.pods.map((p) => `${p.namespace ?? ''}/${p.name}`), description: b.detail };
    case 'topologySpread':
      return { kind: b.kind, topologyKey: b.topologyKey, topologyValue: b.value, matching: b.matching, globalMin: b.globalMin, maxSkew: b.maxSkew, domains: Object.entries(b.domains).map(([value, count]) => ({ value, count })), description: b.detail };
  }
}

function runtimeModel(r: RuntimePrediction): RuntimePredictionModel {
  return { kind: r.kind, message: r.message, consequence: r.consequence, certainty: r.certainty, port: r.port, protocol: r.protocol, holder: r.holder ? `${r.holder.kind} ${r.holder.name}` : undefined };
}

export function verdictModel(v: NodeVerdict): NodeVerdictModel {
  return { node: v.node, feasible: v.feasible, plugin: v.plugin, reason: v.reason, reasons: v.reasons, code: v.code, blockers: v.blockers.map(blockerModel), runtime: v.runtime.map(runtimeModel) };
}

export function podScheduleModel(r: ScheduleResult, snapshotId: string): PodScheduleModel {
  return { ...r, snapshotId };
}

export function placementModel(r: PlacementResult, snapshotId: string): PlacementModel {
  return { ...r, snapshotId };
}

export function trafficPathModel(r: TraceResult, snapshotId: string): TrafficPathModel {
  return { ...r, family: r.family as AddressFamilyEnum, fromDump: r.fromDump ?? false, incomplete: r.incomplete.map((i) => ({ ...i, code: i.code as IncompleteCodeEnum })), snapshotId };
}

export const claimModel = (c: PortClaim): PortClaimModel => ({ ...c });
