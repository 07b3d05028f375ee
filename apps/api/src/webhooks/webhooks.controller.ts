import { Controller, Param, Post, Query, Req, Res } from '@nestjs/common';
import { AnalysesService } from '@portolan/application';
import type { Request, Response } from 'express';
import { parseWait, submissionReply } from '../analyses/analysis.model';

const header = (req: Request, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

/**
 * CI deliveries. No API key: the credential is `X-Portolan-Signature: v1=<hex>`, the HMAC-SHA256 of
 * `<X-Portolan-Timestamp>\n<delivery id>\n<exact body bytes>` under the cluster's webhook secret (configure-app gives
 * this route the raw body), the timestamp within the tolerance window. `X-Portolan-Delivery` (or `X-GitHub-Delivery`)
 * makes retries idempotent.
 */
@Controller('v1/webhooks')
export class WebhooksController {
  constructor(private readonly analyses: AnalysesService) {}

  @Post('ci/:clusterId')
  async ci(@Param('clusterId') clusterId: string, @Req() req: Request, @Res({ passthrough: true }) res: Response, @Query('wait') wait?: string) {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    // Authenticate before anything else is looked at: a bad signature stores nothing and learns nothing.
    const ctx = await this.analyses.authenticateWebhook(clusterId, body, {
      signature: header(req, 'x-portolan-signature'),
      timestamp: header(req, 'x-portolan-timestamp'),
      deliveryId: header(req, 'x-portolan-delivery'),
      githubDeliveryId: header(req, 'x-github-delivery'),
    });
    const seconds = parseWait(wait);
    const s = await this.analyses.submitFromWebhook(ctx, clusterId, {
      deliveryId: header(req, 'x-portolan-delivery'),
      githubDeliveryId: header(req, 'x-github-delivery'),
      event: header(req, 'x-portolan-event'),
      fileName: header(req, 'x-filename'),
      body,
    });
    return submissionReply(this.analyses, ctx, s, seconds, res);
  }
}
