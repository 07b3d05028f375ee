import { Args, Field, Int, ObjectType, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { SnapshotsService } from '@portolan/application';
import type { TenantContext } from '@portolan/contracts';
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
}

@ObjectType('SnapshotWorkload')
export class SnapshotWorkloadModel {
  @Field() kind!: string;
  @Field() namespace!: string;
  @Field() name!: string;
  @Field(() => Int, { nullable: true }) replicas!: number | null;
  @Field() hostNetwork!: boolean;
  @Field(() => [String]) hostPorts!: string[];
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

type Raw = Record<string, any>;
const labels = (m: unknown): Label[] => (m && typeof m === 'object' ? Object.entries(m as Record<string, unknown>).map(([key, value]) => ({ key, value: String(value) })) : []);
const arr = (v: unknown): Raw[] => (Array.isArray(v) ? (v as Raw[]) : []);

function hostPortsOf(spec: Raw | undefined): string[] {
  const out: string[] = [];
  for (const c of [...arr(spec?.['containers']), ...arr(spec?.['initContainers']).filter((i) => i['restartPolicy'] === 'Always')]) {
    for (const p of arr(c['ports'])) {
      const hp = p['hostPort'] ?? (spec?.['hostNetwork'] ? p['containerPort'] : undefined);
      if (hp) out.push(`${p['hostIP'] || '0.0.0.0'}:${hp}/${p['protocol'] ?? 'TCP'} -> ${p['containerPort']}`);
    }
  }
  return out;
}

const nodeModel = (o: StoredObject): SnapshotNodeModel => {
  const r = o.raw as Raw;
  return {
    name: o.name,
    internalIP: o.ip,
    podCIDRs: arr(r['spec']?.['podCIDRs']).map(String).concat(r['spec']?.['podCIDRs'] ? [] : r['spec']?.['podCIDR'] ? [String(r['spec']['podCIDR'])] : []),
    unschedulable: r['spec']?.['unschedulable'] === true,
    taints: arr(r['spec']?.['taints']).map((t) => `${t['key']}${t['value'] ? `=${t['value']}` : ''}:${t['effect']}`),
    labels: labels(o.labels),
  };
};
const podModel = (o: StoredObject): SnapshotPodModel => ({
  namespace: o.namespace,
  name: o.name,
  nodeName: o.nodeName,
  hostNetwork: o.hostNetwork === true,
  phase: o.phase,
  podIP: o.ip,
  hostPorts: hostPortsOf((o.raw as Raw)['spec']),
  labels: labels(o.labels),
});
const workloadModel = (o: StoredObject): SnapshotWorkloadModel => {
  const spec = (o.raw as Raw)['spec']?.['template']?.['spec'] as Raw | undefined;
  return { kind: o.kind, namespace: o.namespace, name: o.name, replicas: typeof (o.raw as Raw)['spec']?.['replicas'] === 'number' ? (o.raw as Raw)['spec']['replicas'] : o.kind === 'DaemonSet' ? null : 1, hostNetwork: spec?.['hostNetwork'] === true, hostPorts: hostPortsOf(spec) };
};
const serviceModel = (o: StoredObject): SnapshotServiceModel => {
  const spec = ((o.raw as Raw)['spec'] ?? {}) as Raw;
  return {
    namespace: o.namespace,
    name: o.name,
    type: spec['type'] ?? 'ClusterIP',
    clusterIP: o.ip,
    ports: arr(spec['ports']).map((p) => `${p['name'] ? `${p['name']} ` : ''}${p['port']}/${p['protocol'] ?? 'TCP'} -> ${p['targetPort'] ?? p['port']}${p['nodePort'] ? ` nodePort ${p['nodePort']}` : ''}`),
    selector: labels(spec['selector']),
  };
};
const WORKLOAD_KINDS = ['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job'];
const cursor = (o: { cursor: string }) => o.cursor;

/** A snapshot's objects, read from their indexed columns and raw JSON (no engine needed). */
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
  ) {
    const filter = { kinds: kind ? [kind] : WORKLOAD_KINDS, ...(namespace != null ? { namespace } : {}) };
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
