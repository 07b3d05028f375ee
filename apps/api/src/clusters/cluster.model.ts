import { Field, GraphQLISODateTime, ID, InputType, Int, ObjectType } from '@nestjs/graphql';
import type { ClusterView } from '@portolan/application';
import { Connection } from '../graphql/connection';

@ObjectType('KubeProxySettings', { description: 'The kube-proxy configuration Portolan simulates for this cluster' })
export class KubeProxySettings {
  @Field() mode!: string;
  @Field({ description: 'detect-local CIDR; empty when detect-local is off' }) clusterCIDR!: string;
  @Field(() => Int) masqueradeBit!: number;
  @Field() masqueradeAll!: boolean;
  @Field() localhostNodePorts!: boolean;
  @Field(() => [String]) nodePortAddresses!: string[];
}

@ObjectType('Cluster')
export class ClusterModel {
  @Field(() => ID) id!: string;
  @Field() name!: string;
  @Field() kubernetesVersion!: string;
  @Field() nodePortRange!: string;
  @Field() containerRuntime!: string;
  @Field(() => KubeProxySettings) kubeProxy!: KubeProxySettings;
  @Field(() => Int, { description: 'snapshots kept' }) retention!: number;
  @Field() hasImportSource!: boolean;
  @Field(() => GraphQLISODateTime) createdAt!: Date;
}

export const ClusterConnection = Connection(ClusterModel, 'Cluster');

export function clusterModel(c: ClusterView): ClusterModel {
  const kp = (c.kubeProxy ?? {}) as Partial<KubeProxySettings>;
  return {
    id: c.id,
    name: c.name,
    kubernetesVersion: c.kubernetesVersion,
    nodePortRange: c.nodePortRange,
    containerRuntime: c.containerRuntime,
    kubeProxy: {
      mode: kp.mode ?? 'iptables',
      clusterCIDR: kp.clusterCIDR ?? '',
      masqueradeBit: kp.masqueradeBit ?? 14,
      masqueradeAll: kp.masqueradeAll ?? false,
      localhostNodePorts: kp.localhostNodePorts ?? true,
      nodePortAddresses: kp.nodePortAddresses ?? [],
    },
    retention: c.retention,
    hasImportSource: c.hasImportSource,
    createdAt: c.createdAt,
  };
}

@InputType()
export class KubeProxyInput {
  @Field({ nullable: true }) mode?: string;
  @Field({ nullable: true }) clusterCIDR?: string;
  @Field(() => Int, { nullable: true }) masqueradeBit?: number;
  @Field({ nullable: true }) masqueradeAll?: boolean;
  @Field({ nullable: true }) localhostNodePorts?: boolean;
  @Field(() => [String], { nullable: true }) nodePortAddresses?: string[];
}

@InputType()
export class CreateClusterInput {
  @Field() name!: string;
  @Field({ nullable: true }) kubernetesVersion?: string;
  @Field({ nullable: true }) nodePortRange?: string;
  @Field({ nullable: true }) containerRuntime?: string;
  @Field(() => KubeProxyInput, { nullable: true }) kubeProxy?: KubeProxyInput;
  @Field({ nullable: true, description: 'the CNI conflist as JSON text' }) cniConflist?: string;
  @Field(() => Int, { nullable: true }) retention?: number;
}

@ObjectType()
export class ClusterWithSecretPayload {
  @Field(() => ClusterModel) cluster!: ClusterModel;
  @Field({ description: 'the HMAC-SHA256 key for the CI webhook; shown only in this response' }) webhookSecret!: string;
}
