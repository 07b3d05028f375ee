import { ArgumentsHost, Catch, HttpException, Logger, type ExceptionFilter } from '@nestjs/common';
import { GqlArgumentsHost } from '@nestjs/graphql';
import { AppError } from '@portolan/application';
import type { Response } from 'express';
import { GraphQLError } from 'graphql';
import { httpStatusOf } from './error-codes';

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown[] };
}

/**
 * Every error leaves as `{error: {code, message, details}}` over REST, or a GraphQL error with a stable
 * extensions.code. Anything unexpected is logged with its stack and answered 500 without internals.
 */
@Catch()
export class AppErrorFilter implements ExceptionFilter {
  private readonly log = new Logger('AppErrorFilter');

  catch(exception: unknown, host: ArgumentsHost): unknown {
    const type = host.getType<'http' | 'graphql'>();
    const req = (type === 'graphql' ? GqlArgumentsHost.create(host).getContext<{ req?: { id?: string } }>().req : host.switchToHttp().getRequest<{ id?: string }>()) ?? {};
    const { status, body } = this.describe(exception, req.id);
    if (type === 'graphql') {
      return new GraphQLError(body.error.message, { extensions: { code: body.error.code, ...(body.error.details?.length ? { details: body.error.details } : {}) } });
    }
    const res = host.switchToHttp().getResponse<Response>();
    res.status(status).json(body);
    return undefined;
  }

  private describe(e: unknown, reqId: string | undefined): { status: number; body: ErrorBody } {
    if (e instanceof AppError) {
      return { status: httpStatusOf(e.code), body: { error: { code: e.code, message: e.message, ...(e.details.length ? { details: e.details } : {}) } } };
    }
    if (e instanceof HttpException) {
      const status = e.getStatus();
      const code = status === 404 ? 'NOT_FOUND' : status === 401 ? 'UNAUTHENTICATED' : status === 403 ? 'FORBIDDEN' : status === 413 ? 'PAYLOAD_TOO_LARGE' : status < 500 ? 'INVALID_INPUT' : 'INTERNAL';
      const r = e.getResponse();
      const message = typeof r === 'string' ? r : Array.isArray((r as any).message) ? (r as any).message.join('; ') : ((r as any).message ?? e.message);
      return { status, body: { error: { code, message } } };
    }
    this.log.error({ err: e, reqId }, 'unhandled error');
    return { status: 500, body: { error: { code: 'INTERNAL', message: 'internal error' } } };
  }
}
