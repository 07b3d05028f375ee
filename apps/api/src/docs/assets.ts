import { createRequire } from 'node:module';
import path from 'node:path';
import type { NextFunction, Request, Response } from 'express';

// Resolved from the running entry point (dist/apps/api/main.js in the repository or the image), not from the
// bundle, so the packages' prebuilt files are served as they ship.
const resolve = createRequire(path.resolve(process.argv[1] ?? 'index.js')).resolve;
// Packages' `exports` maps hide their prebuilt browser files (React's umd/), so go through their package.json.
const fileIn = (pkg: string, rel: string) => path.join(path.dirname(resolve(`${pkg}/package.json`)), rel);

// GraphiQL fetches the schema as soon as it mounts: it mounts only once a key is known, so the docs pane works on
// the first open instead of answering UNAUTHENTICATED. The key lives in this browser's localStorage only.
const GRAPHIQL_INIT = `
const KEY = 'portolan.apiKey';
const bar = document.getElementById('keybar');
const form = bar.querySelector('form');
const input = bar.querySelector('input');
const root = ReactDOM.createRoot(document.getElementById('graphiql'));
function mount(key) {
  bar.querySelector('.state').textContent = key ? 'key ' + key.slice(0, 12) + '… in use' : 'paste the API key printed by npm start';
  form.querySelector('button[type=submit]').textContent = key ? 'change key' : 'use key';
  if (!key) { root.render(null); input.focus(); return; }
  root.render(React.createElement(GraphiQL, {
    key,
    fetcher: GraphiQL.createFetcher({ url: '/graphql', headers: { Authorization: 'Bearer ' + key } }),
    defaultQuery: '{\\n  clusters {\\n    edges { node { id name snapshots(first: 1) { edges { node { id status counts { nodes pods services } } } } } }\\n  }\\n}\\n',
  }));
}
form.addEventListener('submit', (e) => {
  e.preventDefault();
  const key = input.value.trim();
  if (!key) return;
  localStorage.setItem(KEY, key);
  input.value = '';
  mount(key);
});
bar.querySelector('.forget').addEventListener('click', () => { localStorage.removeItem(KEY); mount(''); });
mount(localStorage.getItem(KEY) || '');
`;
const SWAGGER_INIT = `window.ui = SwaggerUIBundle({ url: '/docs/openapi.json', dom_id: '#swagger-ui', deepLinking: true, persistAuthorization: true });`;

/** The only files served: a fixed list, never a directory of node_modules. */
const FILES: Record<string, () => string> = {
  'graphiql/graphiql.min.js': () => fileIn('graphiql', 'graphiql.min.js'),
  'graphiql/graphiql.min.css': () => fileIn('graphiql', 'graphiql.min.css'),
  'react/react.production.min.js': () => fileIn('react', 'umd/react.production.min.js'),
  'react-dom/react-dom.production.min.js': () => fileIn('react-dom', 'umd/react-dom.production.min.js'),
  'swagger/swagger-ui.css': () => fileIn('swagger-ui-dist', 'swagger-ui.css'),
  'swagger/swagger-ui-bundle.js': () => fileIn('swagger-ui-dist', 'swagger-ui-bundle.js'),
};
const INLINE: Record<string, string> = { 'portolan/graphiql-init.js': GRAPHIQL_INIT, 'portolan/swagger-init.js': SWAGGER_INIT };

export const GRAPHIQL_HTML = `<!doctype html>
<html><head><meta charset="utf-8"><title>Portolan GraphQL</title>
<link rel="stylesheet" href="/_assets/graphiql/graphiql.min.css"></head>
<body style="margin:0;font:14px system-ui,sans-serif">
<div id="keybar" style="display:flex;gap:.5em;align-items:center;padding:.4em .8em;border-bottom:1px solid #ddd;height:2.2em;box-sizing:border-box">
<strong>Portolan</strong><span class="state"></span>
<form style="display:flex;gap:.4em;margin-left:auto"><label>API key <input type="password" autocomplete="off" placeholder="ptl_..." aria-label="API key" style="width:22em"></label><button type="submit">use key</button><button type="button" class="forget">forget key</button></form>
</div>
<div id="graphiql" style="height:calc(100vh - 2.2em)"></div>
<script src="/_assets/react/react.production.min.js"></script>
<script src="/_assets/react-dom/react-dom.production.min.js"></script>
<script src="/_assets/graphiql/graphiql.min.js"></script>
<script src="/_assets/portolan/graphiql-init.js"></script>
</body></html>`;

export function serveAsset(req: Request, res: Response, next: NextFunction): void {
  const name = req.path.replace(/^\//, '');
  if (INLINE[name] !== undefined) {
    res.type('application/javascript').send(INLINE[name]);
    return;
  }
  const file = FILES[name];
  if (!file) return next();
  res.sendFile(file(), { maxAge: '1h', dotfiles: 'deny' }, (err) => err && next(err));
}

/** GET /graphql from a browser gets GraphiQL; every GraphQL operation still goes to Apollo (and needs a key). */
export function graphiqlPage(req: Request, res: Response, next: NextFunction): void {
  if (req.method === 'GET' && !req.query['query'] && req.accepts(['html', 'json']) === 'html') {
    res.type('html').send(GRAPHIQL_HTML);
    return;
  }
  next();
}
