import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Req } from '@nestjs/common';
import { AppError, ClustersService, SnapshotsService, compressUpload } from '@portolan/application';
import { APP_CONFIG, type AppConfig } from '@portolan/config';
import type { TenantContext } from '@portolan/contracts';
import { CurrentTenant, type AuthedRequest } from '../auth/current-tenant.decorator';
import { pageRequest } from '../graphql/connection';
import { snapshotJson } from '../snapshots/snapshot.model';
import { clusterModel } from './cluster.model';

const intQuery = (v: string | undefined, name: string): number | undefined => {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw AppError.invalid(`${name} must be a positive integer`, [{ field: name, message: 'not an integer' }]);
  return Number(v);
};

@Controller('v1')
export class ClustersController {
  constructor(
    private readonly clusters: ClustersService,
    private readonly snapshots: SnapshotsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get('clusters')
  async list(@CurrentTenant() t: TenantContext, @Query('first') first?: string, @Query('after') after?: string) {
    const p = await this.clusters.list(t, pageRequest(intQuery(first, 'first'), after));
    return { items: p.items.map(clusterModel), nextCursor: p.hasNextPage ? p.endCursor : null, totalCount: p.totalCount };
  }

  @Post('clusters')
  @HttpCode(201)
  async create(@CurrentTenant() t: TenantContext, @Body() body: unknown) {
    const r = await this.clusters.create(t, body);
    return { cluster: clusterModel(r.cluster), webhookSecret: r.webhookSecret };
  }

  @Get('clusters/:id')
  async get(@CurrentTenant() t: TenantContext, @Param('id') id: string) {
    return clusterModel(await this.clusters.get(t, id));
  }

  @Post('clusters/:id/webhook-secret/rotate')
  async rotate(@CurrentTenant() t: TenantContext, @Param('id') id: string) {
    const r = await this.clusters.rotateWebhookSecret(t, id);
    return { cluster: clusterModel(r.cluster), webhookSecret: r.webhookSecret };
  }

  /**
   * 202: the upload is stored and a worker parses it; poll statusUrl. Takes kubectl -o json/-o yaml output,
   * multi-document YAML, Portolan's ClusterProfile/NodeHostState documents, raw or gzip.
   */
  @Post('clusters/:id/snapshots')
  @HttpCode(202)
  async upload(@CurrentTenant() t: TenantContext, @Param('id') id: string, @Req() req: AuthedRequest) {
    const limit = this.config.http.maxUploadBytes;
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (declared > limit) throw new AppError('PAYLOAD_TOO_LARGE', `the upload is larger than the limit of ${limit} bytes`);
    // Checked before reading the body, so a foreign or missing cluster costs no upload.
    await this.clusters.get(t, id);
    const name = typeof req.headers['x-filename'] === 'string' ? req.headers['x-filename'].slice(0, 200) : 'upload';
    const upload = await compressUpload(req, name, limit);
    if (upload.size === 0) throw AppError.invalid('the request body is empty: send kubectl output (JSON or YAML, optionally gzip)');
    const r = await this.snapshots.submitCompressed(t, id, upload, 'upload');
    return { ...snapshotJson(r.snapshot), duplicate: r.duplicate };
  }

  @Get('clusters/:id/snapshots')
  async listSnapshots(@CurrentTenant() t: TenantContext, @Param('id') id: string, @Query('first') first?: string, @Query('after') after?: string) {
    const p = await this.snapshots.list(t, id, pageRequest(intQuery(first, 'first'), after));
    return { items: p.items.map(snapshotJson), nextCursor: p.hasNextPage ? p.endCursor : null, totalCount: p.totalCount };
  }

  @Get('snapshots/:id')
  async snapshot(@CurrentTenant() t: TenantContext, @Param('id') id: string) {
    return snapshotJson(await this.snapshots.get(t, id));
  }
}
