import { Body, Controller, Get, Header, HttpCode, Param, Post, Query } from '@nestjs/common';
import { AppError, ExposureService, selectVerdicts } from '@portolan/application';
import type { TenantContext } from '@portolan/contracts';
import { z } from 'zod';
import { CurrentTenant } from '../auth/current-tenant.decorator';

const ScheduleBody = z
  .object({
    pod: z.union([z.string().min(1), z.record(z.string(), z.unknown())]),
    snapshotId: z.uuid().optional(),
    /** which per-node verdicts to return (a Pod's answer only); default all */
    nodes: z.object({ feasible: z.boolean().optional(), names: z.array(z.string()).optional(), first: z.number().int().min(0).optional() }).strict().optional(),
  })
  .strict();
const DriftBody = z.object({ dump: z.string().min(1, "the node's iptables-save output"), snapshotId: z.uuid().optional() }).strict();
const DiffBody = z.object({ manifests: z.string().min(1), snapshotId: z.uuid().optional(), nodes: z.array(z.string()).optional() }).strict();

function body<T>(schema: z.ZodType<T>, b: unknown): T {
  const r = schema.safeParse(b);
  if (!r.success) throw AppError.invalid(`invalid body: ${r.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ')}`, r.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })));
  return r.data;
}

const optPort = (v?: string) => {
  if (v === undefined) return undefined;
  if (!/^\d{1,5}$/.test(v)) throw AppError.invalid(`port must be a number, got ${JSON.stringify(v)}`, [{ field: 'port', message: 'not a number' }]);
  return Number(v);
};

/** REST for the engine's questions; same use cases as GraphQL. */
@Controller('v1')
export class ExposureController {
  constructor(private readonly exposure: ExposureService) {}

  /** A Pod → every node's verdict; a workload → its placement. `pod` is YAML/JSON text or the object itself. */
  @Post('clusters/:id/schedule')
  async schedule(@CurrentTenant() t: TenantContext, @Param('id') id: string, @Body() b: unknown) {
    const { pod, snapshotId, nodes } = body(ScheduleBody, b);
    const a = await this.exposure.schedule(t, id, snapshotId, pod);
    if (a.result.kind === 'pod' && nodes) {
      const picked = selectVerdicts(a.result.result.nodes, nodes);
      return { snapshotId: a.snapshotId, kind: a.result.kind, ...a.result.result, nodes: picked.nodes, nodesTotal: picked.total };
    }
    return { snapshotId: a.snapshotId, kind: a.result.kind, ...a.result.result };
  }

  @Get('clusters/:id/traffic-path')
  async trafficPath(@CurrentTenant() t: TenantContext, @Param('id') id: string, @Query('to') to?: string, @Query('from') from?: string, @Query('at') at?: string, @Query('snapshotId') snapshotId?: string) {
    if (!to) throw AppError.invalid('to is required: HOST:PORT[/PROTO]', [{ field: 'to', message: 'required' }]);
    const a = await this.exposure.trafficPath(t, id, snapshotId, to, from, at);
    return { snapshotId: a.snapshotId, ...a.result };
  }

  @Get('clusters/:id/nodes/:node/iptables')
  @Header('Content-Type', 'text/plain; charset=utf-8')
  async iptables(@CurrentTenant() t: TenantContext, @Param('id') id: string, @Param('node') node: string, @Query('snapshotId') snapshotId?: string) {
    return (await this.exposure.nodeIptables(t, id, snapshotId, node)).result;
  }

  /** The node's real iptables-save against what kube-proxy and portmap would write for the snapshot. */
  @Post('clusters/:id/nodes/:node/drift')
  @HttpCode(200)
  async drift(@CurrentTenant() t: TenantContext, @Param('id') id: string, @Param('node') node: string, @Body() b: unknown) {
    const { dump, snapshotId } = body(DriftBody, b);
    const a = await this.exposure.drift(t, id, snapshotId, node, dump);
    return { snapshotId: a.snapshotId, ...a.result };
  }

  @Get('clusters/:id/nodes/:node/port-claims')
  async claims(@CurrentTenant() t: TenantContext, @Param('id') id: string, @Param('node') node: string, @Query('port') port?: string, @Query('snapshotId') snapshotId?: string) {
    const a = await this.exposure.portClaims(t, id, snapshotId, node, optPort(port));
    return { snapshotId: a.snapshotId, claims: a.result };
  }

  @Get('clusters/:id/diff')
  async diff(@CurrentTenant() t: TenantContext, @Param('id') id: string, @Query('from') from?: string, @Query('to') to?: string) {
    if (!from || !to) throw AppError.invalid('from and to (snapshot ids) are required', [{ field: from ? 'to' : 'from', message: 'required' }]);
    return this.exposure.diff(t, id, from, to);
  }

  @Post('clusters/:id/what-if')
  async whatIf(@CurrentTenant() t: TenantContext, @Param('id') id: string, @Body() b: unknown) {
    const { manifests, snapshotId, nodes } = body(DiffBody, b);
    return this.exposure.whatIf(t, id, snapshotId, manifests, nodes);
  }
}
