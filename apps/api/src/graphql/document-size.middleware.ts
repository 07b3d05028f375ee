import type { AppConfig } from '@portolan/config';
import type { NextFunction, Request, Response } from 'express';

/**
 * The GraphQL document's size in bytes, checked before Apollo parses it (GET query strings included): a refusal is a
 * 400 in GraphQL's error shape with extensions.code QUERY_TOO_LARGE.
 */
export function graphqlDocumentSize(limits: AppConfig['graphql']) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const query: unknown = req.method === 'GET' ? req.query['query'] : (req.body as { query?: unknown } | undefined)?.query;
    const bytes = typeof query === 'string' ? Buffer.byteLength(query) : 0;
    if (bytes <= limits.maxDocumentBytes) return next();
    res.status(400).json({
      errors: [{ message: `GraphQL document is ${bytes} bytes; the limit is ${limits.maxDocumentBytes}`, extensions: { code: 'QUERY_TOO_LARGE', bytes, limit: limits.maxDocumentBytes } }],
    });
  };
}
