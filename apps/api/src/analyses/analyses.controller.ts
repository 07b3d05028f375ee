import { Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { AnalysesService, AppError } from '@portolan/application';
import type { TenantContext } from '@portolan/contracts';
import type { Request, Response } from 'express';
import { CurrentTenant } from '../auth/current-tenant.decorator';
import { analysisJson, parseWait, submissionReply } from './analysis.model';

/** Manifests as JSON: `{"manifests": "<YAML/JSON text>", "name"?}`, an envelope `{"files": [...]}`, or one object/List. */
function textOfJson(body: unknown): { text: string; name?: string } {
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const o = body as Record<string, unknown>;
    if ('manifests' in o) {
      if (typeof o['manifests'] !== 'string') throw AppError.invalid('manifests must be a string of YAML or JSON', [{ field: 'manifests', message: 'not a string' }]);
      if (o['name'] !== undefined && typeof o['name'] !== 'string') throw AppError.invalid('name must be a string', [{ field: 'name', message: 'not a string' }]);
      return { text: o['manifests'], ...(typeof o['name'] === 'string' ? { name: o['name'] } : {}) };
    }
  }
  return { text: JSON.stringify(body) };
}

@Controller('v1')
export class AnalysesController {
  constructor(private readonly analyses: AnalysesService) {}

  /**
   * Writer or admin: check manifests against the cluster's latest snapshot. The body is YAML/JSON manifest text,
   * the webhook's envelope, or `{"manifests": "..."}`; `?wait=N` (0-30 s) answers the verdict inline when ready.
   */
  @Post('clusters/:id/analyses')
  async submit(@CurrentTenant() t: TenantContext, @Param('id') id: string, @Req() req: Request, @Res({ passthrough: true }) res: Response, @Query('wait') wait?: string) {
    const seconds = parseWait(wait);
    // configure-app gives this route non-JSON bodies as bytes and JSON bodies parsed; no body at all is empty text
    const raw = Buffer.isBuffer(req.body) ? req.body : req.body === undefined ? Buffer.alloc(0) : null;
    const { text, name } = raw ? { text: new TextDecoder('utf-8', { fatal: false }).decode(raw), name: undefined } : textOfJson(req.body);
    const fileName = name ?? (typeof req.headers['x-filename'] === 'string' ? req.headers['x-filename'] : undefined);
    const s = await this.analyses.submitManifests(t, id, text, fileName);
    return submissionReply(this.analyses, t, s, seconds, res);
  }

  @Get('analyses/:id')
  async get(@CurrentTenant() t: TenantContext, @Param('id') id: string) {
    return analysisJson(await this.analyses.get(t, id));
  }

  /** The SARIF 2.1.0 log of a finished analysis, for code-scanning uploads (e.g. github/codeql-action/upload-sarif). */
  @Get('analyses/:id/sarif')
  async sarif(@CurrentTenant() t: TenantContext, @Param('id') id: string, @Res({ passthrough: true }) res: Response) {
    const a = await this.analyses.get(t, id);
    if (a.status !== 'done' || !a.sarif) throw new AppError('CONFLICT', `analysis ${a.id} is ${a.status}: its SARIF exists once it is done`);
    res.type('application/sarif+json');
    return a.sarif;
  }
}
