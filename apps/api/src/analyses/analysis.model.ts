import { Field, GraphQLISODateTime, ID, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { AppError, type AnalysesService, type AnalysisMeta, type AnalysisResult, type SubmittedAnalysis } from '@portolan/application';
import { RuleIdEnum, SeverityEnum } from '../graphql/codes';
import type { TenantContext } from '@portolan/contracts';
import type { AnalysisRow } from '@portolan/persistence';
import type { Response } from 'express';

export enum AnalysisStatus {
  pending = 'pending',
  running = 'running',
  done = 'done',
  failed = 'failed',
}
registerEnumType(AnalysisStatus, { name: 'AnalysisStatus' });

export enum Verdict {
  pass = 'pass',
  warn = 'warn',
  fail = 'fail',
}
registerEnumType(Verdict, { name: 'Verdict', description: 'fail if any finding is an error, warn if any is a warning, else pass' });

@ObjectType('AnalysisFinding')
export class FindingModel {
  @Field(() => RuleIdEnum) rule!: string;
  @Field(() => SeverityEnum) severity!: string;
  @Field({ description: 'Kind/namespace/name' }) object!: string;
  @Field() message!: string;
  @Field() fix!: string;
  @Field(() => String, { nullable: true, description: 'the submitted file (envelope path) the finding points at' }) file!: string | null;
  @Field(() => Int, { nullable: true }) line!: number | null;
  @Field(() => String, { nullable: true, description: 'annotation | exemption when the finding is turned off (not in the verdict)' }) suppressed!: string | null;
  @Field(() => String, { nullable: true, description: 'why it is turned off' }) suppressionReason!: string | null;
}

@ObjectType('Analysis', { description: 'Submitted manifests checked against the cluster’s latest ready snapshot' })
export class AnalysisModel {
  @Field(() => ID) id!: string;
  @Field(() => ID) clusterId!: string;
  @Field(() => ID, { nullable: true, description: 'the snapshot checked against; null until running, or when the cluster had none' }) snapshotId!: string | null;
  @Field({ description: 'api | webhook' }) source!: string;
  @Field(() => AnalysisStatus) status!: AnalysisStatus;
  @Field(() => Verdict, { nullable: true }) verdict!: Verdict | null;
  @Field(() => [FindingModel], { description: 'empty until done' }) findings!: FindingModel[];
  @Field(() => String, { nullable: true, description: 'why the analysis failed (status failed)' }) error!: string | null;
  @Field(() => GraphQLISODateTime) createdAt!: Date;
  @Field(() => GraphQLISODateTime, { nullable: true }) finishedAt!: Date | null;
  /** the SARIF object, rendered as a string by the `sarif` field resolver only when asked for */
  sarifObject!: unknown;
}

export const resultOf = (a: AnalysisRow): AnalysisResult | null => (a.status === 'done' && a.result ? (a.result as AnalysisResult) : null);

export function findingsOf(a: AnalysisRow): FindingModel[] {
  return (resultOf(a)?.findings ?? []).map((f) => ({
    rule: f.rule,
    severity: f.severity,
    object: f.object,
    message: f.message,
    fix: f.fix,
    file: f.source?.file ?? null,
    line: f.source?.line ?? null,
    suppressed: f.suppressed?.kind ?? null,
    suppressionReason: f.suppressed?.reason ?? null,
  }));
}

const errorOf = (a: AnalysisRow): string | null => (a.status === 'failed' ? String((a.error as { message?: unknown } | null)?.message ?? 'analysis failed') : null);

export function analysisModel(a: AnalysisRow): AnalysisModel {
  return {
    id: a.id,
    clusterId: a.clusterId,
    snapshotId: a.snapshotId,
    source: a.source,
    status: a.status as AnalysisStatus,
    verdict: (a.verdict as Verdict | null) ?? null,
    findings: findingsOf(a),
    error: errorOf(a),
    createdAt: a.createdAt,
    finishedAt: a.finishedAt,
    sarifObject: a.status === 'done' ? a.sarif : null,
  };
}

/** The REST shape: what CI needs to decide, and where to look next. */
export function analysisJson(a: AnalysisRow) {
  const r = resultOf(a);
  const meta = (a.meta ?? {}) as AnalysisMeta;
  return {
    id: a.id,
    clusterId: a.clusterId,
    snapshotId: a.snapshotId,
    source: a.source,
    status: a.status,
    statusUrl: `/v1/analyses/${a.id}`,
    sarifUrl: `/v1/analyses/${a.id}/sarif`,
    ...(r ? { verdict: r.verdict, counts: r.counts, findings: findingsOf(a), placements: r.placements, ...(r.note ? { note: r.note } : {}) } : {}),
    ...(a.status === 'failed' ? { error: errorOf(a) } : {}),
    ...(meta.deliveryId ? { deliveryId: meta.deliveryId } : {}),
    ...(meta.event ? { event: meta.event } : {}),
    ...(meta.commit ? { commit: meta.commit } : {}),
    createdAt: a.createdAt,
    finishedAt: a.finishedAt,
  };
}

/** `?wait=N`: whole seconds 0..30 to hold the request for the verdict. */
export function parseWait(v: unknown): number {
  if (v === undefined) return 0;
  if (typeof v !== 'string' || !/^\d{1,2}$/.test(v) || Number(v) > 30) {
    throw AppError.invalid('wait must be a whole number of seconds from 0 to 30', [{ field: 'wait', message: `got ${JSON.stringify(v)}` }]);
  }
  return Number(v);
}

/**
 * Answers a submission: waits up to `wait` seconds for the worker, then 200 with the verdict inline when the
 * analysis has finished (done or failed), else 202 with where to poll. Repeats are marked `duplicate: true`.
 */
export async function submissionReply(service: AnalysesService, ctx: TenantContext, s: SubmittedAnalysis, wait: number, res: Response) {
  let a = s.analysis;
  if (wait > 0 && a.status !== 'done' && a.status !== 'failed') {
    const gone = new AbortController();
    const onClose = () => gone.abort();
    res.once('close', onClose);
    try {
      a = await service.waitFor(ctx, a.id, wait, gone.signal, a);
    } finally {
      res.off('close', onClose);
    }
  }
  const finished = a.status === 'done' || a.status === 'failed';
  res.status(finished ? 200 : 202);
  res.setHeader('Location', `/v1/analyses/${a.id}`);
  if (s.duplicate) res.setHeader('X-Portolan-Duplicate', 'true');
  return { analysisId: a.id, duplicate: s.duplicate, ...analysisJson(a) };
}
