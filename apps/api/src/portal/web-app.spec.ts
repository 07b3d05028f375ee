import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import request from 'supertest';
import { WEB_CSP, webApp } from './web-app';

describe('the portal under /ui', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'portolan-web-'));
    mkdirSync(path.join(dir, 'assets'));
    writeFileSync(path.join(dir, 'index.html'), '<!doctype html><div id="root"></div><script type="module" src="/ui/assets/index-abc.js"></script>');
    writeFileSync(path.join(dir, 'assets/index-abc.js'), 'console.log(1)');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const app = () => express().use('/ui', webApp(dir));

  it('answers index.html for /ui and for a deep link, with its CSP and no caching', async () => {
    for (const p of ['/ui', '/ui/', '/ui/trace?cluster=c1&to=node-a%3A81%2FTCP', '/ui/ports/extra/segments']) {
      const r = await request(app()).get(p);
      expect(r.status).toBe(200);
      expect(r.headers['content-type']).toMatch(/text\/html/);
      expect(r.text).toContain('<div id="root">');
      expect(r.headers['content-security-policy']).toBe(WEB_CSP);
      expect(r.headers['cache-control']).toBe('no-cache');
    }
    expect(WEB_CSP).toMatch(/script-src 'self'(;|$)/);
    expect(WEB_CSP).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
  });

  it('serves the hashed assets for a year; a missing asset is a 404 naming it, not the page', async () => {
    const js = await request(app()).get('/ui/assets/index-abc.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toMatch(/javascript/);
    expect(js.headers['cache-control']).toMatch(/max-age=31536000.*immutable/);
    const gone = await request(app()).get('/ui/assets/index-old.js');
    expect(gone.status).toBe(404);
    expect(gone.body.error.message).toBe('no such asset: /ui/assets/index-old.js');
  });

  it('without a build, says how to make one (404), and never serves other methods', async () => {
    const r = await request(express().use('/ui', webApp(path.join(dir, 'nope')))).get('/ui/trace');
    expect(r.status).toBe(404);
    expect(r.body.error).toEqual({ code: 'NOT_FOUND', message: expect.stringMatching(/web app is not built: run `npx nx run web:build`/) });
    expect((await request(app()).post('/ui/trace').send({})).status).toBe(404);
  });
});
