import { EventEmitter } from 'node:events';
import { loggerOptions } from '@portolan/config';
import pino from 'pino';
import { accessLog } from './access-log';

function logger(level: string) {
  const lines: Array<Record<string, any>> = [];
  const log = pino(loggerOptions(level), { write: (s: string) => void lines.push(JSON.parse(s)) });
  return { log, lines };
}

function request(over: { path?: string; headers?: Record<string, string>; status?: number } = {}) {
  const headers: Record<string, string> = { authorization: 'Bearer ptl_secret', 'user-agent': 'ci/1', ...over.headers };
  const req = { headers, method: 'POST', path: (over.path ?? '/graphql').split('?')[0], originalUrl: over.path ?? '/graphql', socket: { remoteAddress: '10.0.0.9' }, tenant: { tenantId: 't-1' } } as any;
  const res = Object.assign(new EventEmitter(), { statusCode: over.status ?? 200, headersSent: {} as Record<string, string>, setHeader(k: string, v: string) { this.headersSent[k] = v; } }) as any;
  return { req, res };
}

describe('accessLog', () => {
  it('writes one line when the response finishes: id, method, URL, peer, agent, status, tenant; never a header', () => {
    const { log, lines } = logger('info');
    const { req, res } = request({ headers: { 'x-request-id': 'r'.repeat(100) } });
    let called = 0;
    accessLog(log)(req, res, () => called++);
    expect(called).toBe(1);
    expect(res.headersSent['x-request-id']).toBe('r'.repeat(64));
    expect(lines).toHaveLength(0);
    res.emit('finish');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 30, msg: 'request completed', req: { id: 'r'.repeat(64), method: 'POST', url: '/graphql', remoteAddress: '10.0.0.9', userAgent: 'ci/1' }, res: { statusCode: 200 }, tenantId: 't-1' });
    expect(JSON.stringify(lines[0])).not.toContain('ptl_secret');
  });

  it('makes an id when none is given, logs 5xx as errors even above info, and keeps health checks quiet', () => {
    const { log, lines } = logger('warn');
    const ok = request();
    accessLog(log)(ok.req, ok.res, () => undefined);
    ok.res.emit('finish');
    expect(ok.res.headersSent['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const failed = request({ status: 503 });
    accessLog(log)(failed.req, failed.res, () => undefined);
    failed.res.emit('finish');
    const health = request({ path: '/healthz' });
    accessLog(logger('info').log)(health.req, health.res, () => undefined);
    expect(health.res.listenerCount('finish')).toBe(0);
    expect(lines).toEqual([expect.objectContaining({ level: 50, msg: 'request errored', res: { statusCode: 503 } })]);
  });

  it('redacts the values of credential-named query parameters, keeping the others', () => {
    const { log, lines } = logger('info');
    const { req, res } = request({ path: '/v1/clusters?access_token=ptl_leaked_key_0001&first=10&signature=sha256%3Dabc&key=k1&token=t1&secret=s1', status: 401 });
    accessLog(log)(req, res, () => undefined);
    res.emit('finish');
    const line = JSON.stringify(lines[0]);
    for (const secret of ['ptl_leaked_key_0001', 'sha256%3Dabc', 'k1', 't1', 's1']) expect(line).not.toContain(secret);
    expect(lines[0]?.['req'].url).toBe('/v1/clusters?access_token=[REDACTED]&first=10&signature=[REDACTED]&key=[REDACTED]&token=[REDACTED]&secret=[REDACTED]');
  });
});
