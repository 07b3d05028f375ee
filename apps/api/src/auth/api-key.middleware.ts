import type { AuthRepository } from '@portolan/persistence';
import type { AuthCache } from './auth-cache';
import type { KeyUsage } from './key-usage';
import type { NextFunction, Response } from 'express';
import type { AuthedRequest } from './current-tenant.decorator';

/**
 * `Authorization: Bearer <key>` on every /v1 route and GraphQL operation. A missing, malformed, unknown, revoked or
 * expired key gets 401 and nothing else: no hint whether the tenant or key exists.
 */
export function apiKeyMiddleware(auth: AuthRepository, cache: AuthCache, usage: KeyUsage) {
  return async (req: AuthedRequest, res: Response, next: NextFunction): Promise<void> => {
    const header = req.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const key = m?.[1];
    const cached = key ? cache.get(key) : undefined;
    const found = cached ? { ctx: cached, expiresAt: null } : key ? await auth.authenticateKey(key).catch((e) => next(e)) : null;
    if (found === undefined) return; // the look-up failed and next(err) already answered
    const ctx = found?.ctx;
    if (ctx && key && !cached) cache.set(key, ctx, found.expiresAt);
    if (!ctx) {
      res.status(401).set('WWW-Authenticate', 'Bearer realm="portolan"').json({ error: { code: 'UNAUTHENTICATED', message: 'a valid API key is required (Authorization: Bearer <key>)' } });
      return;
    }
    usage.saw(ctx.actorId);
    req.tenant = ctx;
    next();
  };
}
