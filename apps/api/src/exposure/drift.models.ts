import { Field, Int, ObjectType } from '@nestjs/graphql';

@ObjectType('IptablesDriftFinding', { description: 'One rule (or whole chain) where the node differs from what kube-proxy and portmap would write' })
export class DriftFindingModel {
  @Field({ description: 'missing | extra | different | order' }) kind!: string;
  @Field() table!: string;
  @Field() chain!: string;
  @Field({ nullable: true, description: 'the rule the snapshot implies, as iptables-save prints it' }) expected?: string;
  @Field({ nullable: true, description: 'the rule as the node holds it' }) actual?: string;
  @Field({ description: 'the whole chain is absent (missing) or stale (extra), e.g. a CNI-DN- chain of a deleted pod' }) wholeChain!: boolean;
}

@ObjectType('IptablesForeignChain', { description: 'A chain of someone else (Docker, Calico, Cilium, firewalld, ...): reported, not judged' })
export class ForeignChainModel {
  @Field() table!: string;
  @Field() chain!: string;
  @Field() owner!: string;
  @Field(() => Int) rules!: number;
}

@ObjectType('IptablesDriftCounts')
export class DriftCountsModel {
  @Field(() => Int) missing!: number;
  @Field(() => Int) extra!: number;
  @Field(() => Int) different!: number;
  @Field(() => Int) order!: number;
}

@ObjectType('IptablesDrift')
export class DriftModel {
  @Field(() => String) snapshotId!: string;
  @Field() node!: string;
  @Field() clean!: boolean;
  @Field(() => DriftCountsModel) counts!: DriftCountsModel;
  @Field(() => [DriftFindingModel]) findings!: DriftFindingModel[];
  @Field(() => [ForeignChainModel]) foreign!: ForeignChainModel[];
  @Field(() => [String], { description: 'tables the snapshot implies that the dump lacks' }) missingTables!: string[];
}
