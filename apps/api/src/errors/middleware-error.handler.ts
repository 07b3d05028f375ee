import { Logger } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { isUnavailable, RETRY_AFTER_SECONDS } from './unavailable';

const log = new Logger('MiddlewareError');

/**
 * Errors passed on by the middleware in front of the routes (the API-key look-up): Postgres down is a 503 with
 * Retry-After, anything else a logged, generic 500. Route handlers' errors go through AppErrorFilter instead.
 */
export function middlewareErrorHandler(err: unknown, req: Request & { id?: unknown }, res: Response, next: NextFunction): void {
  if (res.headersSent) return next(err);
  const unavailable = isUnavailable(err);
  if (unavailable) log.warn({ err, reqId: req.id }, 'backing service unavailable');
  else log.error({ err, reqId: req.id }, 'unhandled middleware error');
  const [status, code, message] = unavailable ? [503, 'UNAVAILABLE', `a backing service is unavailable; retry in ${RETRY_AFTER_SECONDS} s`] : [500, 'INTERNAL', 'internal error'];
  if (unavailable) res.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
  if (req.path.startsWith('/graphql')) res.status(status).json({ errors: [{ message, extensions: { code } }] });
  else res.status(status).json({ error: { code, message } });
}
