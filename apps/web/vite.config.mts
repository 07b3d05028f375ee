import path from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Served by the API under /ui from dist/apps/web (same origin: the page calls /graphql with the user's key).
export default defineConfig({
  root: path.dirname(new URL(import.meta.url).pathname),
  base: '/ui/',
  plugins: [react()],
  build: {
    outDir: path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../dist/apps/web'),
    emptyOutDir: true,
    // no inline scripts or data: URLs, so the API's CSP can stay 'self'
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
});
