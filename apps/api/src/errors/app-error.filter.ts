import { HeaderMap } from '@apollo/server';
import { ArgumentsHost, Catch, HttpException, Logger, type ExceptionFilter } from '@nestjs/common';
import { GqlArgumentsHost } from '@nestjs/graphql';
import { AppError } from '@portolan/application';
import type { Response } from 'express';
import { GraphQLError } from 'graphql';
import { httpStatusOf } from './error-codes';
import { truncate } from './truncate';
import { isUnavailable, RETRY_AFTER_SECONDS } from './unavailable';

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown[] };
}

/**
 * Every error leaves as `{error: {code, message, details}}` over REST, or a GraphQL error with a stable
 * extensions.code. A backing service that is down is a 503 with Retry-After; anything else unexpected (a database
 * error included) is logged with the request id and its stack and answered 500 without its text. Messages are capped.
 */
@Catch()
export class AppErrorFilter implements ExceptionFilter {
  private readonly log = new Logger('AppErrorFilter');

  catch(exception: unknown, host: ArgumentsHost): unknown {
    const type = host.getType<'http' | 'graphql'>();
    const req = (type === 'graphql' ? GqlArgumentsHost.create(host).getContext<{ req?: { id?: string } }>().req : host.switchToHttp().getRequest<{ id?: string }>()) ?? {};
    const { status, body } = this.describe(exception, req.id);
    if (type === 'graphql') {
      const http = status === 503 ? { http: { status, headers: new HeaderMap([['retry-after', String(RETRY_AFTER_SECONDS)]]) } } : {};
      return new GraphQLError(body.error.message, { extensions: { code: body.error.code, ...(body.error.details?.length ? { details: body.error.details } : {}), ...http } });
    }
    const res = host.switchToHttp().getResponse<Response>();
    if (status === 503) res.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
    res.status(status).json(body);
    return undefined;
  }

  private describe(e: unknown, reqId: string | undefined): { status: number; body: ErrorBody } {
    if (e instanceof AppError) {
      const details = e.details.map((d) => ({ ...d, message: truncate(d.message) }));
      return { status: httpStatusOf(e.code), body: { error: { code: e.code, message: truncate(e.message), ...(details.length ? { details } : {}) } } };
    }
    if (e instanceof HttpException) {
      const status = e.getStatus();
      const code = status === 404 ? 'NOT_FOUND' : status === 401 ? 'UNAUTHENTICATED' : status === 403 ? 'FORBIDDEN' : status === 413 ? 'PAYLOAD_TOO_LARGE' : status === 503 ? 'UNAVAILABLE' : status < 500 ? 'INVALID_INPUT' : 'INTERNAL';
      const r = e.getResponse();
      const message = typeof r === 'string' ? r : Array.isArray((r as any).message) ? (r as any).message.join('; ') : ((r as any).message ?? e.message);
      return { status, body: { error: { code, message: truncate(String(message)) } } };
    }
    if (isUnavailable(e)) {
      this.log.warn({ err: e, reqId }, 'backing service unavailable');
      return { status: 503, body: { error: { code: 'UNAVAILABLE', message: `a backing service is unavailable; retry in ${RETRY_AFTER_SECONDS} s` } } };
    }
    this.log.error({ err: e, reqId }, 'unhandled error');
    return { status: 500, body: { error: { code: 'INTERNAL', message: 'internal error' } } };
  }
}
