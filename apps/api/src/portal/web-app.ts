import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';

/**
 * The portal's own policy: scripts, styles and calls from this origin only (Vite's build has no inline script and
 * React sets styles through the CSSOM, which style-src does not govern), never framed.
 */
export const WEB_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** dist/apps/web next to the running dist/apps/api/main.js (the repository's build or the image). */
export const defaultWebDir = (): string => path.resolve(path.dirname(process.argv[1] ?? '.'), '../web');

const notFound = (res: Response, message: string) => res.status(404).json({ error: { code: 'NOT_FOUND', message } });

/**
 * GET /ui: the web app (apps/web) built into `dir`. Hashed assets are cached for a year; every other path under
 * /ui answers index.html, so a deep link (/ui/trace?cluster=...&to=...) opens its question.
 */
export function webApp(dir: string = defaultWebDir()): Router {
  const router = express.Router();
  const index = path.join(dir, 'index.html');
  router.use((_req: Request, res: Response, next: NextFunction) => {
    res.setHeader('Content-Security-Policy', WEB_CSP);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    next();
  });
  router.use('/assets', express.static(path.join(dir, 'assets'), { index: false, immutable: true, maxAge: '365d', dotfiles: 'deny' }));
  router.use((req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    if (req.path.startsWith('/assets/')) return void notFound(res, `no such asset: /ui${req.path}`);
    if (!existsSync(index)) return void notFound(res, 'the web app is not built: run `npx nx run web:build` (npm start and npm test build it)');
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index, (err) => err && next(err));
  });
  return router;
}
