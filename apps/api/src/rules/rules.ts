import { Controller, Get } from '@nestjs/common';
import { Field, ObjectType, Query, Resolver } from '@nestjs/graphql';
import { RULES } from '@portolan/netsim';
import { RuleIdEnum, SeverityEnum } from '../graphql/codes';

@ObjectType('Rule', { description: 'A check rule of the catalogue (generated from the rules themselves)' })
export class RuleModel {
  @Field(() => RuleIdEnum, { description: 'stable id: SARIF ruleId, portolan.dev/ignore and exemptions name it' }) id!: string;
  @Field(() => SeverityEnum, { description: 'the default severity' }) severity!: string;
  @Field() title!: string;
  @Field({ description: 'why it matters, with its upstream source' }) rationale!: string;
  @Field({ description: 'the usual fix' }) fix!: string;
  @Field() helpUri!: string;
}

const catalogue = (): RuleModel[] => RULES.map((r) => ({ id: r.id, severity: r.severity, title: r.title, rationale: r.rationale, fix: r.fix, helpUri: r.helpUri }));

@Controller('v1')
export class RulesController {
  /** Any authenticated caller: the rule catalogue, in SARIF rule order. */
  @Get('rules')
  rules() {
    return { rules: catalogue() };
  }
}

@Resolver(() => RuleModel)
export class RulesResolver {
  @Query(() => [RuleModel], { description: 'The rule catalogue (ids, severities, rationale, fix, help URI)' })
  rules(): RuleModel[] {
    return catalogue();
  }
}
