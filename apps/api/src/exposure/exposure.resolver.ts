import { Args, ID, Int, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { AppError, ExposureService, selectVerdicts } from '@portolan/application';
import type { TenantContext } from '@portolan/contracts';
import { CurrentTenant } from '../auth/current-tenant.decorator';
import { DriftModel } from './drift.models';
import {
  NodeVerdictModel,
  PlacementModel,
  PodInput,
  PodScheduleModel,
  PortClaimModel,
  SnapshotDiffModel,
  TrafficPathModel,
  WorkloadInput,
  claimModel,
  placementModel,
  podObject,
  podScheduleModel,
  trafficPathModel,
  verdictModel,
  workloadObject,
} from './exposure.models';

/** Engine questions cost more than field reads; the cost limiter prices them so one query cannot ask hundreds. */
const ENGINE_COST = { complexity: 50 };

function oneOf<T>(typed: T | undefined | null, text: string | undefined | null, names: [string, string]): T | string {
  if ((typed == null) === (text == null)) throw AppError.invalid(`give exactly one of ${names[0]} or ${names[1]}`, [{ field: names[0], message: 'exactly one required' }]);
  return (typed ?? text) as T | string;
}

@Resolver()
export class ExposureResolver {
  constructor(private readonly exposure: ExposureService) {}

  @Query(() => PodScheduleModel, { ...ENGINE_COST, description: 'Every node: can it host this pod, the upstream reason and the blocking object if not, and what will happen at run time if so' })
  async schedulePod(
    @CurrentTenant() t: TenantContext,
    @Args('clusterId', { type: () => ID }) clusterId: string,
    @Args('snapshotId', { type: () => ID, nullable: true, description: 'default: the latest ready snapshot' }) snapshotId?: string,
    @Args('pod', { type: () => PodInput, nullable: true }) pod?: PodInput,
    @Args('podYaml', { type: () => String, nullable: true, description: 'a Pod as YAML or JSON' }) podYaml?: string,
  ): Promise<PodScheduleModel> {
    const input = oneOf(pod, podYaml, ['pod', 'podYaml']);
    const a = await this.exposure.schedule(t, clusterId, snapshotId, typeof input === 'string' ? input : podObject(input));
    if (a.result.kind !== 'pod') throw AppError.invalid('podYaml holds a workload: ask placeWorkload', [{ field: 'podYaml', message: 'not a Pod' }]);
    return podScheduleModel(a.result.result, a.snapshotId);
  }

  @Query(() => PlacementModel, { ...ENGINE_COST, description: 'Where the replicas of a Deployment, ReplicaSet, StatefulSet, DaemonSet or Job go, one at a time: placed, pending and why, crashing and why' })
  async placeWorkload(
    @CurrentTenant() t: TenantContext,
    @Args('clusterId', { type: () => ID }) clusterId: string,
    @Args('snapshotId', { type: () => ID, nullable: true }) snapshotId?: string,
    @Args('workload', { type: () => WorkloadInput, nullable: true }) workload?: WorkloadInput,
    @Args('workloadYaml', { type: () => String, nullable: true }) workloadYaml?: string,
  ): Promise<PlacementModel> {
    const input = oneOf(workload, workloadYaml, ['workload', 'workloadYaml']);
    const a = await this.exposure.schedule(t, clusterId, snapshotId, typeof input === 'string' ? input : workloadObject(input));
    if (a.result.kind !== 'workload') throw AppError.invalid('workloadYaml holds a Pod: ask schedulePod', [{ field: 'workloadYaml', message: 'not a workload' }]);
    return placementModel(a.result.result, a.snapshotId);
  }

  @Query(() => TrafficPathModel, { ...ENGINE_COST, description: 'The path a packet takes, hop by hop through the real chains, to a pod, a host socket, or a refusal' })
  async trafficPath(
    @CurrentTenant() t: TenantContext,
    @Args('clusterId', { type: () => ID }) clusterId: string,
    @Args('to', { description: 'HOST:PORT[/PROTO], HOST a node name, an IPv4 address or a bracketed IPv6 address, e.g. node-b:81/TCP, [2001:db8::10]:30080/TCP' }) to: string,
    @Args('from', { type: () => String, nullable: true, description: 'external[:IP] (default) | node:NAME | localhost:NAME | pod:NS/NAME | ip:IP@NODE; IP is IPv4 or IPv6 (external:2001:db8::2, ip:fd00::5@node-a), of the destination\'s family' }) from?: string,
    @Args('at', { type: () => String, nullable: true, description: 'the node the packet enters, when the address alone does not say' }) at?: string,
    @Args('snapshotId', { type: () => ID, nullable: true }) snapshotId?: string,
  ): Promise<TrafficPathModel> {
    const a = await this.exposure.trafficPath(t, clusterId, snapshotId, to, from, at);
    return trafficPathModel(a.result, a.snapshotId);
  }

  @Query(() => String, { ...ENGINE_COST, description: "The nat and filter tables kube-proxy and portmap would hold on the node (iptables-save)" })
  async nodeIptables(
    @CurrentTenant() t: TenantContext,
    @Args('clusterId', { type: () => ID }) clusterId: string,
    @Args('node') node: string,
    @Args('snapshotId', { type: () => ID, nullable: true }) snapshotId?: string,
  ): Promise<string> {
    return (await this.exposure.nodeIptables(t, clusterId, snapshotId, node)).result;
  }

  @Query(() => DriftModel, { ...ENGINE_COST, description: "Which rules the node's iptables-save lacks, has extra or holds differently from what kube-proxy and portmap would write" })
  async iptablesDrift(
    @CurrentTenant() t: TenantContext,
    @Args('clusterId', { type: () => ID }) clusterId: string,
    @Args('node') node: string,
    @Args('dump', { description: "the node's iptables-save output" }) dump: string,
    @Args('snapshotId', { type: () => ID, nullable: true }) snapshotId?: string,
  ): Promise<DriftModel> {
    const a = await this.exposure.drift(t, clusterId, snapshotId, node, dump);
    return { snapshotId: a.snapshotId, ...a.result, findings: a.result.findings.map((f) => ({ ...f, wholeChain: f.wholeChain === true })) };
  }

  @Query(() => [PortClaimModel], { ...ENGINE_COST, description: 'Who claims each (address, port, protocol) on the node, and who is shadowed' })
  async portClaims(
    @CurrentTenant() t: TenantContext,
    @Args('clusterId', { type: () => ID }) clusterId: string,
    @Args('node') node: string,
    @Args('port', { type: () => Int, nullable: true }) port?: number,
    @Args('snapshotId', { type: () => ID, nullable: true }) snapshotId?: string,
  ): Promise<PortClaimModel[]> {
    return (await this.exposure.portClaims(t, clusterId, snapshotId, node, port)).result.map(claimModel);
  }

  @Query(() => SnapshotDiffModel, { complexity: 200, description: 'Which (node, address, port, protocol) changed owner or path, and which workloads lost or gained feasible nodes' })
  async snapshotDiff(
    @CurrentTenant() t: TenantContext,
    @Args('clusterId', { type: () => ID }) clusterId: string,
    @Args('from', { type: () => ID }) from: string,
    @Args('to', { type: () => ID }) to: string,
    @Args('nodes', { type: () => [String], nullable: true }) nodes?: string[],
  ): Promise<SnapshotDiffModel> {
    return this.exposure.diff(t, clusterId, from, to, nodes);
  }

  @Query(() => SnapshotDiffModel, { complexity: 200, description: 'The same diff between a snapshot and that snapshot plus submitted manifests' })
  async whatIf(
    @CurrentTenant() t: TenantContext,
    @Args('clusterId', { type: () => ID }) clusterId: string,
    @Args('manifests', { description: 'YAML or JSON, multi-document' }) manifests: string,
    @Args('snapshotId', { type: () => ID, nullable: true }) snapshotId?: string,
    @Args('nodes', { type: () => [String], nullable: true }) nodes?: string[],
  ): Promise<SnapshotDiffModel> {
    return this.exposure.whatIf(t, clusterId, snapshotId, manifests, nodes);
  }
}

/** The per-node verdicts of a schedulePod answer, all of them or a selection (a 5,000-node answer is ~1 MB). */
@Resolver(() => PodScheduleModel)
export class PodScheduleResolver {
  @ResolveField(() => [NodeVerdictModel], { description: 'every node in the scheduler\'s order, or those the arguments select' })
  nodes(
    @Parent() p: PodScheduleModel,
    @Args('feasible', { type: () => Boolean, nullable: true, description: 'only feasible (true) or only infeasible (false) nodes' }) feasible?: boolean,
    @Args('names', { type: () => [String], nullable: true, description: 'only these nodes' }) names?: string[],
    @Args('first', { type: () => Int, nullable: true, description: 'at most this many, after the other filters' }) first?: number,
  ): NodeVerdictModel[] {
    return selectVerdicts(p.nodes, { feasible, names, first }).nodes.map(verdictModel);
  }

  @ResolveField(() => Int, { description: 'how many nodes match these filters (all nodes without them), before any `first` cuts the list' })
  nodeCount(
    @Parent() p: PodScheduleModel,
    @Args('feasible', { type: () => Boolean, nullable: true }) feasible?: boolean,
    @Args('names', { type: () => [String], nullable: true }) names?: string[],
  ): number {
    return selectVerdicts(p.nodes, { feasible, names }).total;
  }
}
