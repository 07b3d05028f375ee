import { Injectable } from '@nestjs/common';
import { canWrite, type TenantContext } from '@portolan/contracts';
import { RULE_IDS, type Exemption } from '@portolan/netsim';
import { ClustersRepository, ExemptionsRepository, type ExemptionRow } from '@portolan/persistence';
import { z } from 'zod';
import { parseInput } from './cluster-profile';
import { AppError } from './errors';

// a Kubernetes kind, namespace or name, or a name prefix ending in '*' (the engine's exemptionCovers)
const selectorField = z.string().trim().min(1).max(253).regex(/^[A-Za-z0-9][A-Za-z0-9._-]*\*?$|^\*$/, 'a Kubernetes kind, namespace or name; a name may end in *');

const NewExemption = z
  .object({
    rule: z.string().refine((r) => RULE_IDS.has(r), 'not a rule of the catalogue (GET /v1/rules)'),
    selector: z.object({ kind: selectorField.optional(), namespace: selectorField.optional(), name: selectorField.optional() }).strict().default({}),
    reason: z.string().trim().min(1, 'say why the finding is accepted').max(500),
    // an ISO 8601 instant with its offset; a Date when GraphQL's DateTime scalar already parsed it
    expiresAt: z
      .union([z.iso.datetime({ offset: true }).transform((s) => new Date(s)), z.date()])
      .refine((d) => !Number.isNaN(d.getTime()) && d.getTime() > Date.now(), 'must be a future instant (ISO 8601 with offset, e.g. 2027-01-31T00:00:00Z)')
      .nullish(),
  })
  .strict();

/** The engine's view of a stored exemption. */
export const engineExemption = (r: ExemptionRow): Exemption => ({ id: r.id, rule: r.rule, selector: r.selector, reason: r.reason, ...(r.expiresAt ? { expiresAt: r.expiresAt.toISOString() } : {}) });

/**
 * Per-cluster exemptions from check rules: readers list them, writers and admins add and remove them. A cluster
 * of another tenant is "not found", as everywhere.
 */
@Injectable()
export class ExemptionsService {
  constructor(
    private readonly exemptions: ExemptionsRepository,
    private readonly clusters: ClustersRepository,
  ) {}

  private async cluster(ctx: TenantContext, clusterId: string): Promise<void> {
    if (!(await this.clusters.get(ctx, clusterId))) throw AppError.notFound('cluster', clusterId);
  }

  async list(ctx: TenantContext, clusterId: string): Promise<ExemptionRow[]> {
    await this.cluster(ctx, clusterId);
    return this.exemptions.list(ctx, clusterId);
  }

  /** Those an analysis applies now (expired ones are kept for the record but cover nothing). */
  async live(ctx: TenantContext, clusterId: string, now = new Date()): Promise<Exemption[]> {
    return (await this.exemptions.list(ctx, clusterId, now)).map(engineExemption);
  }

  async create(ctx: TenantContext, clusterId: string, input: unknown): Promise<ExemptionRow> {
    if (!canWrite(ctx)) throw AppError.forbidden('adding an exemption needs a writer or admin key');
    await this.cluster(ctx, clusterId);
    const i = parseInput(NewExemption, input, 'exemption');
    return this.exemptions.create(ctx, { clusterId, rule: i.rule, selector: i.selector, reason: i.reason, expiresAt: i.expiresAt ?? null });
  }

  async delete(ctx: TenantContext, clusterId: string, id: string): Promise<ExemptionRow> {
    if (!canWrite(ctx)) throw AppError.forbidden('removing an exemption needs a writer or admin key');
    await this.cluster(ctx, clusterId);
    const r = await this.exemptions.delete(ctx, clusterId, id);
    if (!r) throw AppError.notFound('exemption', id);
    return r;
  }
}
