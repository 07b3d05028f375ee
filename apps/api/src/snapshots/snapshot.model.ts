import { Field, GraphQLISODateTime, ID, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import type { SnapshotRow } from '@portolan/persistence';
import { Connection } from '../graphql/connection';

export enum SnapshotStatus {
  pending = 'pending',
  ready = 'ready',
  failed = 'failed',
}
registerEnumType(SnapshotStatus, { name: 'SnapshotStatus' });

@ObjectType()
export class SnapshotCounts {
  @Field(() => Int) nodes!: number;
  @Field(() => Int) pods!: number;
  @Field(() => Int) workloads!: number;
  @Field(() => Int) services!: number;
  @Field(() => Int) endpointSlices!: number;
  @Field(() => Int) hostStates!: number;
}

@ObjectType({ description: 'Why an import failed, pointing into the upload' })
export class SnapshotError {
  @Field() message!: string;
  @Field(() => String, {
    nullable: true,
    description:
      'What ended the import, as data: INPUT_ERROR (the content: see file/line/field), MEMORY_LIMIT (needed more than JOB_MEMORY_MB), RESOURCE_LIMIT, UNSTORABLE_CONTENT, WORKER_DIED (the worker stopped twice while running it), ATTEMPTS_EXHAUSTED, JOB_LOST, JOB_ENDED, INTERNAL; a scheduled import adds its fetch codes',
  })
  code?: string;
  @Field({ nullable: true }) file?: string;
  @Field(() => Int, { nullable: true, description: '1-based document number' }) document?: number;
  @Field(() => Int, { nullable: true }) line?: number;
  @Field({ nullable: true }) field?: string;
}

@ObjectType('Snapshot')
export class SnapshotModel {
  @Field(() => ID) id!: string;
  @Field(() => ID) clusterId!: string;
  @Field() source!: string;
  @Field(() => SnapshotStatus) status!: SnapshotStatus;
  @Field(() => String, { nullable: true }) contentHash!: string | null;
  @Field(() => SnapshotCounts, { nullable: true }) counts!: SnapshotCounts | null;
  @Field(() => SnapshotError, { nullable: true }) error!: SnapshotError | null;
  @Field(() => GraphQLISODateTime) createdAt!: Date;
  @Field(() => GraphQLISODateTime, { nullable: true }) readyAt!: Date | null;
}

export const SnapshotConnection = Connection(SnapshotModel, 'Snapshot');

export function snapshotModel(s: SnapshotRow): SnapshotModel {
  const c = s.counts as Partial<SnapshotCounts> | null;
  const e = s.error as { message?: string; code?: string; file?: string; doc?: number; line?: number; field?: string } | null;
  return {
    id: s.id,
    clusterId: s.clusterId,
    source: s.source,
    status: s.status as SnapshotStatus,
    contentHash: s.contentHash,
    counts: c ? { nodes: c.nodes ?? 0, pods: c.pods ?? 0, workloads: c.workloads ?? 0, services: c.services ?? 0, endpointSlices: c.endpointSlices ?? 0, hostStates: c.hostStates ?? 0 } : null,
    error: e ? { message: e.message ?? 'import failed', code: typeof e.code === 'string' ? e.code : undefined, file: e.file, document: e.doc !== undefined ? e.doc + 1 : undefined, line: e.line, field: e.field } : null,
    createdAt: s.createdAt,
    readyAt: s.readyAt,
  };
}

/** The REST shape of a snapshot: the same fields, plus where to poll. */
export function snapshotJson(s: SnapshotRow) {
  const m = snapshotModel(s);
  return { ...m, statusUrl: `/v1/snapshots/${s.id}` };
}
