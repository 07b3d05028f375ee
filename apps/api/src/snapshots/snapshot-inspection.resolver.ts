import { Field, Int, ObjectType, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { ExposureService, SnapshotsService } from '@portolan/application';
import type { TenantContext } from '@portolan/contracts';
import { GUESS_CODES, type InspectReport } from '@portolan/netsim';
import { CurrentTenant } from '../auth/current-tenant.decorator';
import { DataplaneModel } from '../exposure/exposure.models';
import { codeEnum } from '../graphql/codes';
import { SnapshotModel } from './snapshot.model';

export const GuessCodeEnum = codeEnum('GuessCode', GUESS_CODES, 'what Portolan assumed rather than read (the CLI inspect verb lists the same)');

@ObjectType('SnapshotProfile', { description: 'The cluster profile the engine answers with, from the snapshot, the cluster record or defaults' })
export class SnapshotProfileModel {
  @Field() kubernetesVersion!: string;
  @Field() containerRuntime!: string;
  @Field({ description: 'base-last, e.g. 30000-32767' }) nodePortRange!: string;
  @Field({ description: 'iptables | ipvs | nftables' }) kubeProxyMode!: string;
  @Field() clusterCIDR!: string;
  @Field(() => String, { nullable: true }) cniNetwork!: string | null;
  @Field({ description: 'false: the CNI conflist has no portmap plugin, so hostPorts do nothing' }) portmap!: boolean;
  @Field(() => DataplaneModel, { nullable: true }) dataplane!: DataplaneModel | null;
}

@ObjectType('Guess', { description: 'One thing the engine assumed, with where' })
export class GuessModel {
  @Field(() => GuessCodeEnum) code!: string;
  @Field() message!: string;
  @Field(() => String, { nullable: true }) file!: string | null;
  @Field(() => Int, { nullable: true }) line!: number | null;
  @Field(() => String, { nullable: true }) node!: string | null;
  @Field(() => String, { nullable: true }) field!: string | null;
}

@ObjectType('ImportDiagnostic', { description: 'A warning the adapter reported while importing (the import still succeeded)' })
export class ImportDiagnosticModel {
  @Field() message!: string;
  @Field(() => String, { nullable: true }) file!: string | null;
  @Field(() => Int, { nullable: true, description: '1-based document number' }) document!: number | null;
  @Field(() => Int, { nullable: true }) line!: number | null;
  @Field(() => String, { nullable: true }) field!: string | null;
}

@ObjectType('SnapshotInspection', { description: 'What Portolan read from a ready snapshot, what it assumed, and what the import reported' })
export class SnapshotInspectionModel {
  @Field(() => SnapshotProfileModel) profile!: SnapshotProfileModel;
  @Field(() => [GuessModel]) guesses!: GuessModel[];
  @Field(() => [ImportDiagnosticModel]) diagnostics!: ImportDiagnosticModel[];
  @Field(() => [String], { description: 'apiVersion/Kind ns/name of each object kept but not modelled' }) unknown!: string[];
}

export function inspectionModel(r: InspectReport, warnings: unknown): SnapshotInspectionModel {
  const p = r.profile;
  const diags = Array.isArray(warnings) ? (warnings as Array<{ message?: string; file?: string; doc?: number; line?: number; field?: string }>) : [];
  return {
    profile: {
      kubernetesVersion: p.kubernetesVersion,
      containerRuntime: p.containerRuntime,
      nodePortRange: `${p.nodePortRange.base}-${p.nodePortRange.base + p.nodePortRange.size - 1}`,
      kubeProxyMode: p.kubeProxy.mode,
      clusterCIDR: p.kubeProxy.clusterCIDR,
      cniNetwork: p.cniNetwork ?? null,
      portmap: p.portmap !== null,
      dataplane: p.dataplane ?? null,
    },
    guesses: r.guesses.map((g) => ({ code: g.code, message: g.message, file: g.file ?? null, line: g.line ?? null, node: g.node ?? null, field: g.field ?? null })),
    diagnostics: diags.map((d) => ({ message: d.message ?? '', file: d.file ?? null, document: d.doc !== undefined ? d.doc + 1 : null, line: d.line ?? null, field: d.field ?? null })),
    unknown: r.unknown,
  };
}

@Resolver(() => SnapshotModel)
export class SnapshotInspectionResolver {
  constructor(
    private readonly exposure: ExposureService,
    private readonly snapshots: SnapshotsService,
  ) {}

  // the engine of the snapshot is built (or taken from the cache), as for a question
  @ResolveField(() => SnapshotInspectionModel, { nullable: true, complexity: 50, description: 'null until the snapshot is ready' })
  async inspection(@CurrentTenant() t: TenantContext, @Parent() s: SnapshotModel): Promise<SnapshotInspectionModel | null> {
    if (s.status !== 'ready') return null;
    const [a, row] = await Promise.all([this.exposure.inspect(t, s.clusterId, s.id), this.snapshots.get(t, s.id)]);
    return inspectionModel(a.result, row.warnings);
  }
}
