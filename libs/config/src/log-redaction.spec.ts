import pino from 'pino';
import { loggerOptions, REDACTED, redactUrl, scrubSecrets } from './log-redaction';

describe('redactUrl', () => {
  it('replaces the values of credential-named query parameters and keeps the rest byte for byte', () => {
    expect(redactUrl('/v1/clusters?access_token=ptl_abc&first=10')).toBe(`/v1/clusters?access_token=${REDACTED}&first=10`);
    expect(redactUrl('/x?token=a&key=b&secret=c&signature=d&api_key=e&X-Amz-Signature=f&after=g%20h')).toBe(
      `/x?token=${REDACTED}&key=${REDACTED}&secret=${REDACTED}&signature=${REDACTED}&api_key=${REDACTED}&X-Amz-Signature=${REDACTED}&after=g%20h`,
    );
    // an encoded name is still recognised; a malformed one is dropped as a whole
    expect(redactUrl('/x?acc%65ss_token=zzz&%E0%A4%A=1')).toBe(`/x?acc%65ss_token=${REDACTED}&${REDACTED}`);
    expect(redactUrl('/x?wait=10#frag')).toBe('/x?wait=10#frag');
    expect(redactUrl('/v1/analyses/abc')).toBe('/v1/analyses/abc');
  });
});

describe('scrubSecrets', () => {
  it('removes keys, webhook secrets, JWTs, PEM blocks, bearer values and labelled values from free text', () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW0ifQ.c2lnbmF0dXJl';
    const text = `bad input ptl_0123456789abcdef and whsec_0123456789abcd; token: ${jwt}\nAuthorization: Bearer s3cr3t-value\n"password":"hunter2" client-key-data: LS0tLS1CRUdJTi\n-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----`;
    const out = scrubSecrets(text);
    for (const secret of ['ptl_0123456789abcdef', 'whsec_0123456789abcd', jwt, 's3cr3t-value', 'hunter2', 'LS0tLS1CRUdJTi', 'MIIE']) expect(out).not.toContain(secret);
    expect(out).toContain('bad input');
    expect(scrubSecrets('cluster web has 3 nodes')).toBe('cluster web has 3 nodes');
  });
});

describe('loggerOptions', () => {
  it('censors credential fields and scrubs error messages in what pino writes', () => {
    const lines: string[] = [];
    const log = pino(loggerOptions('info'), { write: (s: string) => void lines.push(s) });
    log.info({ input: { token: 'tok-1', kubeconfig: 'kc-2' }, variables: { key: 'k-3' }, req: { headers: { authorization: 'Bearer h-4' } }, clusterId: 'c-1' }, 'mutation');
    log.error({ err: new Error('invalid invocation: { data: { token: "tok-5" } }') }, 'unhandled error');
    const all = lines.join('');
    for (const secret of ['tok-1', 'kc-2', 'k-3', 'h-4', 'tok-5']) expect(all).not.toContain(secret);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ clusterId: 'c-1', input: { token: REDACTED } });
    expect(JSON.parse(lines[1] as string).err.message).toContain('invalid invocation');
  });
});
