import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ImportSourcesService } from '@portolan/application';
import type { TenantContext } from '@portolan/contracts';
import { CurrentTenant } from '../auth/current-tenant.decorator';

/** A cluster's scheduled import source. The credential goes in with PUT and never comes out. */
@Controller('v1/clusters/:id/import-source')
export class ImportSourcesController {
  constructor(private readonly imports: ImportSourcesService) {}

  @Put()
  set(@CurrentTenant() t: TenantContext, @Param('id') id: string, @Body() body: unknown) {
    return this.imports.set(t, id, body);
  }

  @Get()
  describe(@CurrentTenant() t: TenantContext, @Param('id') id: string) {
    return this.imports.describe(t, id);
  }

  @Delete()
  @HttpCode(204)
  async clear(@CurrentTenant() t: TenantContext, @Param('id') id: string): Promise<void> {
    await this.imports.clear(t, id);
  }

  /** 202: one run is queued; its snapshot (source schedule) appears under /v1/clusters/:id/snapshots. */
  @Post('run')
  @HttpCode(202)
  async run(@CurrentTenant() t: TenantContext, @Param('id') id: string) {
    await this.imports.runNow(t, id);
    return { queued: true, snapshotsUrl: `/v1/clusters/${id}/snapshots` };
  }
}
