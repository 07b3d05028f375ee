import type { INestApplication } from '@nestjs/common';
import type { AppConfig } from '@portolan/config';
import { APP_CONFIG } from '@portolan/config';
import { AuthRepository } from '@portolan/persistence';
import express, { type NextFunction, type Request, type Response } from 'express';
import { Logger, PinoLogger } from 'nestjs-pino';
import { apiKeyMiddleware } from './auth/api-key.middleware';
import { AuthCache } from './auth/auth-cache';
import { KeyUsage } from './auth/key-usage';
import { graphiqlPage, serveAsset } from './docs/assets';
import { AppErrorFilter } from './errors/app-error.filter';
import { middlewareErrorHandler } from './errors/middleware-error.handler';
import { inputGuard } from './errors/input-guard.middleware';
import { truncate } from './errors/truncate';
import { graphqlDocumentSize } from './graphql/document-size.middleware';
import { accessLog } from './logging/access-log';
import { webApp } from './portal/web-app';

/** body-parser's errors carry a `type`; each becomes a 4xx that says what is wrong, never a 500. */
function bodyErrorHandler(err: any, _req: Request, res: Response, next: NextFunction): void {
  if (!err || typeof err !== 'object' || !('type' in err)) return next(err);
  const send = (status: number, code: string, message: string) => res.status(status).json({ error: { code, message } });
  switch (err.type) {
    case 'entity.too.large':
      return void send(413, 'PAYLOAD_TOO_LARGE', `request body is larger than the limit of ${err.limit} bytes`);
    case 'entity.parse.failed':
      return void send(400, 'INVALID_INPUT', truncate(`malformed JSON body: ${err.message}`));
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return void send(415, 'UNSUPPORTED_MEDIA_TYPE', err.message);
    case 'request.aborted':
      return void send(400, 'INVALID_INPUT', 'request aborted by the client');
    default:
      return void send(400, 'INVALID_INPUT', truncate(err.message ?? 'unreadable request body'));
  }
}

export const isSnapshotUpload = (req: Request): boolean => req.method === 'POST' && /^\/v1\/clusters\/[^/]+\/snapshots\/?$/.test(req.path);

/** Shared by main.ts and the in-process API tests, so both run the same pipeline. */
export function configureApp(app: INestApplication): void {
  const config = app.get<AppConfig>(APP_CONFIG);
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  // Answers are POST bodies or immutable snapshots: no client revalidates them, so hashing every body is waste.
  (app.getHttpAdapter().getInstance() as express.Application).set('etag', false);
  const auth = app.get(AuthRepository);
  const requireKey = apiKeyMiddleware(auth, app.get(AuthCache), app.get(KeyUsage));

  app.use(accessLog(PinoLogger.root)); // the root nestjs-pino's Logger (above) built: one pino for every line
  // Snapshot uploads are streamed by their handler (never buffered here); webhooks need raw bytes for the HMAC.
  app.use('/v1/webhooks', express.raw({ type: () => true, limit: config.http.maxBodyBytes }));
  // Manifests submitted for analysis: YAML (or any non-JSON type) as bytes; JSON bodies go to the JSON parser below.
  app.use('/v1/clusters/:id/analyses', express.raw({ type: (req) => !(req as Request).is('application/json'), limit: config.http.maxBodyBytes }));
  const json = express.json({ limit: config.http.maxBodyBytes, strict: true });
  app.use((req: Request, res: Response, next: NextFunction) => (isSnapshotUpload(req) ? next() : json(req, res, next)));
  app.use(bodyErrorHandler);
  app.use(inputGuard);
  app.use('/graphql', graphqlDocumentSize(config.graphql));

  app.use('/v1', (req: Request, res: Response, next: NextFunction) => (req.path.startsWith('/webhooks/') ? next() : requireKey(req, res, next)));
  // GraphiQL and its assets load without a key (served from this server, no CDN); every operation needs one.
  app.use('/_assets', serveAsset);
  app.use('/graphql', graphiqlPage);
  // the portal (apps/web): its page and assets load without a key; it asks /graphql with the key the user pastes
  app.use('/ui', webApp());
  app.use('/graphql', requireKey);
  app.use(middlewareErrorHandler);

  app.useGlobalFilters(new AppErrorFilter());
}
