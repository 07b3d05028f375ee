import { Field, GraphQLISODateTime, ID, InputType, ObjectType } from '@nestjs/graphql';
import type { ImportSourceView } from '@portolan/application';
import { SnapshotStatus } from '../snapshots/snapshot.model';

@ObjectType('ImportRun', { description: "A scheduled import's run: its snapshot (source schedule) and outcome" })
export class ImportRunModel {
  @Field(() => ID) snapshotId!: string;
  @Field(() => SnapshotStatus) status!: SnapshotStatus;
  @Field(() => GraphQLISODateTime) startedAt!: Date;
  @Field(() => GraphQLISODateTime, { nullable: true }) finishedAt!: Date | null;
  @Field(() => String, { nullable: true, description: 'why the run failed: the API server and the HTTP status or cause' }) error!: string | null;
}

@ObjectType('ImportSource', { description: "Where and when the cluster's objects are imported from its API server. The credential is never returned." })
export class ImportSourceModel {
  @Field(() => ID) clusterId!: string;
  @Field() apiServer!: string;
  @Field({ description: 'token, kubeconfig or inCluster (the worker\'s own service account)' }) auth!: string;
  @Field({ description: 'cron pattern (5 fields, or 6 with seconds)' }) schedule!: string;
  @Field(() => [String]) resources!: string[];
  @Field() insecureSkipTLSVerify!: boolean;
  @Field() hasCaData!: boolean;
  @Field(() => GraphQLISODateTime) updatedAt!: Date;
  @Field(() => ImportRunModel, { nullable: true }) lastRun!: ImportRunModel | null;
  @Field(() => GraphQLISODateTime, { nullable: true }) nextRunAt!: Date | null;
}

export function importSourceModel(v: ImportSourceView): ImportSourceModel {
  return { ...v, resources: [...v.resources], lastRun: v.lastRun ? { ...v.lastRun, status: v.lastRun.status as SnapshotStatus } : null };
}

@InputType({ description: 'apiServer with exactly one of token or kubeconfig, or inCluster alone. Plain http:// needs insecureSkipTLSVerify (test servers only).' })
export class ImportSourceInput {
  @Field({ nullable: true, description: 'https:// URL of the Kubernetes API server' }) apiServer?: string;
  @Field({ nullable: true, description: "true: the cluster Portolan runs in, read as the worker's service account (no token; enabled per tenant by IMPORT_IN_CLUSTER_TENANTS)" }) inCluster?: boolean;
  @Field({ nullable: true, description: 'bearer token, e.g. from kubectl create token' }) token?: string;
  @Field({ nullable: true, description: 'kubeconfig YAML with inline credentials (no exec, auth-provider or file references)' }) kubeconfig?: string;
  @Field({ nullable: true, description: 'base64 PEM CA bundle (certificate-authority-data)' }) caData?: string;
  @Field({ nullable: true }) insecureSkipTLSVerify?: boolean;
  @Field({ description: 'cron: 5 fields, or 6 with a leading second; @hourly/@daily/... accepted' }) schedule!: string;
  @Field(() => [String], { nullable: true, description: 'subset of nodes, pods, services, endpointslices, deployments, daemonsets, statefulsets, replicasets, namespaces, persistentvolumes, persistentvolumeclaims, storageclasses, csinodes, poddisruptionbudgets, priorityclasses, resourceslices, deviceclasses' })
  resources?: string[];
}
