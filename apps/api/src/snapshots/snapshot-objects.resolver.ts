import { Args, Field, Int, ObjectType, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { SnapshotsService } from '@portolan/application';
import type { TenantContext } from '@portolan/contracts';
import { nodeFromObject, podFromObject, podFromTemplate, serviceFromObject, workloadFromObject, type Pod } from '@portolan/netsim';
import type { StoredObject } from '@portolan/persistence';
import { CurrentTenant } from '../auth/current-tenant.decorator';
import { Connection, listCost, pageRequest, toConnection } from '../graphql/connection';
import { SnapshotModel } from './snapshot.model';

@ObjectType()
export class Label {
  @Field() key!: string;
  @Field() value!: string;
}

@ObjectType('SnapshotNode')
export class SnapshotNodeModel {
  @Field() name!: string;
  @Field(() => String, { nullable: true }) internalIP!: string | null;
  @Field(() => [String]) podCIDRs!: string[];
  @Field() unschedulable!: boolean;
  @Field(() => [String], { description: 'key=value:effect' }) taints!: string[];
  @Field(() => [Label]) labels!: Label[];
}

@ObjectType('SnapshotPod')
export class SnapshotPodModel {
  @Field() namespace!: string;
  @Field() name!: string;
  @Field(() => String, { nullable: true }) nodeName!: string | null;
  @Field() hostNetwork!: boolean;
  @Field(() => String, { nullable: true }) phase!: string | null;
  @Field(() => String, { nullable: true }) podIP!: string | null;
  @Field(() => [String], { description: 'hostIP:hostPort/PROTOCOL -> containerPort, as declared' }) hostPorts!: string[];
  @Field(() => [Label]) labels!: Label[];
  /** the stored object, for the manifest field (snapshot-manifest.resolver.ts) */
  raw?: unknown;
}

@ObjectType('SnapshotWorkload')
export class SnapshotWorkloadModel {
  @Field() kind!: string;
  @Field() namespace!: string;
  @Field() name!: string;
  @Field(() => Int, { nullable: true }) replicas!: number | null;
  @Field() hostNetwork!: boolean;
  @Field(() => [String]) hostPorts!: string[];
  raw?: unknown;
}

@ObjectType('SnapshotService')
export class SnapshotServiceModel {
  @Field() namespace!: string;
  @Field() name!: string;
  @Field() type!: string;
  @Field(() => String, { nullable: true }) clusterIP!: string | null;
  @Field(() => [String], { description: 'name port/PROTOCOL -> targetPort [nodePort N]' }) ports!: string[];
  @Field(() => [Label]) selector!: Label[];
}

const NodeConnection = Connection(SnapshotNodeModel, 'SnapshotNode');
const PodConnection = Connection(SnapshotPodModel, 'SnapshotPod');
const WorkloadConnection = Connection(SnapshotWorkloadModel, 'SnapshotWorkload');
const ServiceConnection = Connection(SnapshotServiceModel, 'SnapshotService');

const labels = (m: Record<string, string> | undefined): Label[] => Object.entries(m ?? {}).map(([key, value]) => ({ key, value }));

/** Declared host ports of the containers and restartable (sidecar) init containers, after Pod defaulting. */
function hostPortsOf(pod: Pod): string[] {
  const out: string[] = [];
  for (const c of [...pod.containers, ...pod.initContainers.filter((i) => i.restartPolicy === 'Always')]) {
    for (const p of c.ports) if (p.hostPort) out.push(`${p.hostIP || '0.0.0.0'}:${p.hostPort}/${p.protocol} -> ${p.containerPort}`);
  }
  return out;
}

// Every view reads the stored object through the engine's adapter: one parser for Kubernetes objects.
const nodeModel = (o: StoredObject): SnapshotNodeModel => {
  const n = nodeFromObject(o.raw);
  return {
    name: o.name,
    internalIP: n.internalIP ?? null,
    podCIDRs: n.podCIDRs,
    unschedulable: n.unschedulable,
    taints: n.taints.map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`),
    labels: labels(n.labels),
  };
};
const podModel = (o: StoredObject): SnapshotPodModel => {
  const p = podFromObject(o.raw);
  return {
    namespace: p.namespace,
    name: o.name,
    nodeName: p.nodeName || null,
    hostNetwork: p.hostNetwork,
    phase: o.phase,
    podIP: p.podIPs[0] ?? null,
    hostPorts: hostPortsOf(p),
    labels: labels(p.labels),
    raw: o.raw,
  };
};
const workloadModel = (o: StoredObject): SnapshotWorkloadModel => {
  const w = workloadFromObject(o.raw);
  return {
    kind: w.kind,
    namespace: w.namespace,
    name: w.name,
    replicas: w.kind === 'DaemonSet' ? null : (w.replicas ?? 1),
    hostNetwork: w.template.hostNetwork,
    hostPorts: hostPortsOf(podFromTemplate(w, w.name)),
    raw: o.raw,
  };
};
const serviceModel = (o: StoredObject): SnapshotServiceModel => {
  const s = serviceFromObject(o.raw);
  return {
    namespace: s.namespace,
    name: s.name,
    type: s.type,
    clusterIP: s.clusterIP || null,
    ports: s.ports.map((p) => `${p.name ? `${p.name} ` : ''}${p.port}/${p.protocol} -> ${p.targetPort}${p.nodePort ? ` nodePort ${p.nodePort}` : ''}`),
    selector: labels(s.selector),
  };
};
const WORKLOAD_KINDS = ['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job'];
const cursor = (o: { cursor: string }) => o.cursor;

/** A snapshot's objects: the page comes from the indexed columns, each object's fields from the engine's adapter. */
@Resolver(() => SnapshotModel)
export class SnapshotObjectsResolver {
  constructor(private readonly snapshots: SnapshotsService) {}

  @ResolveField(() => NodeConnection, { complexity: listCost })
  async nodes(
    @CurrentTenant() t: TenantContext,
    @Parent() s: SnapshotModel,
    @Args('first', { type: () => Int, nullable: true }) first?: number,
    @Args('after', { type: () => String, nullable: true }) after?: string,
    @Args('nameContains', { type: () => String, nullable: true }) nameContains?: string,
  ) {
    const page = await this.snapshots.listObjects(t, s.id, { kinds: ['Node'], ...(nameContains ? { nameContains } : {}) }, pageRequest(first, after));
    return toConnection(page, nodeModel, cursor);
  }

  @ResolveField(() => PodConnection, { complexity: listCost })
  async pods(
    @CurrentTenant() t: TenantContext,
    @Parent() s: SnapshotModel,
    @Args('first', { type: () => Int, nullable: true }) first?: number,
    @Args('after', { type: () => String, nullable: true }) after?: string,
    @Args('namespace', { type: () => String, nullable: true }) namespace?: string,
    @Args('node', { type: () => String, nullable: true }) node?: string,
    @Args('hostNetwork', { type: () => Boolean, nullable: true }) hostNetwork?: boolean,
    @Args('nameContains', { type: () => String, nullable: true }) nameContains?: string,
  ) {
    const filter = { kinds: ['Pod'], ...(namespace != null ? { namespace } : {}), ...(node != null ? { nodeName: node } : {}), ...(hostNetwork != null ? { hostNetwork } : {}), ...(nameContains ? { nameContains } : {}) };
    return toConnection(await this.snapshots.listObjects(t, s.id, filter, pageRequest(first, after)), podModel, cursor);
  }

  @ResolveField(() => WorkloadConnection, { complexity: listCost })
  async workloads(
    @CurrentTenant() t: TenantContext,
    @Parent() s: SnapshotModel,
    @Args('first', { type: () => Int, nullable: true }) first?: number,
    @Args('after', { type: () => String, nullable: true }) after?: string,
    @Args('namespace', { type: () => String, nullable: true }) namespace?: string,
    @Args('kind', { type: () => String, nullable: true, description: 'Deployment | ReplicaSet | StatefulSet | DaemonSet | Job' }) kind?: string,
    @Args('nameContains', { type: () => String, nullable: true }) nameContains?: string,
  ) {
    const filter = { kinds: kind ? [kind] : WORKLOAD_KINDS, ...(namespace != null ? { namespace } : {}), ...(nameContains ? { nameContains } : {}) };
    return toConnection(await this.snapshots.listObjects(t, s.id, filter, pageRequest(first, after)), workloadModel, cursor);
  }

  @ResolveField(() => ServiceConnection, { complexity: listCost })
  async services(
    @CurrentTenant() t: TenantContext,
    @Parent() s: SnapshotModel,
    @Args('first', { type: () => Int, nullable: true }) first?: number,
    @Args('after', { type: () => String, nullable: true }) after?: string,
    @Args('namespace', { type: () => String, nullable: true }) namespace?: string,
  ) {
    const filter = { kinds: ['Service'], ...(namespace != null ? { namespace } : {}) };
    return toConnection(await this.snapshots.listObjects(t, s.id, filter, pageRequest(first, after)), serviceModel, cursor);
  }
}
