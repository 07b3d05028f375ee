import { Controller, Get, Header, Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { clusterMetrics, underPrimary } from '../cluster';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

export const registry = new Registry();
collectDefaultMetrics({ register: registry });

const httpDuration = new Histogram({
  name: 'portolan_http_request_duration_seconds',
  help: 'HTTP request duration by route and status',
  labelNames: ['method', 'route', 'status'],
  buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
  registers: [registry],
});

@Injectable()
export class MetricsMiddleware implements NestMiddleware {
  use(req: Request, res: Response, next: NextFunction): void {
    const end = httpDuration.startTimer();
    // The matched route pattern keeps label cardinality bounded (ids would explode it).
    res.on('finish', () => end({ method: req.method, route: (req.route?.path as string | undefined) ?? req.baseUrl ?? 'unmatched', status: String(res.statusCode) }));
    next();
  }
}

@Controller()
export class MetricsController {
  @Get('metrics')
  @Header('Content-Type', registry.contentType)
  metrics(): Promise<string> {
    // Under API_PROCESSES > 1 the primary sums every process's registry; one process's counts would mislead.
    return underPrimary() ? clusterMetrics() : registry.metrics();
  }
}
