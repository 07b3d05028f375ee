import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ClusterEngine, loadSnapshot } from '@portolan/netsim';
import { analyzeInputs, verdictOf } from './analyses.service';
import { isTransient } from './transient';
import { AppError } from './errors';
import { DEFAULT_MANIFEST_NAME, inputsOf, parseDeliveryId, parseEvent, parseFileName, parseWebhookBody, signDelivery, verifySignature, checkCredentialHeaders } from './webhook-input';

const secret = 'whsec_test-secret';
const body = Buffer.from('apiVersion: v1\nkind: Service\nmetadata: {name: web}\n');

function appError(fn: () => unknown): AppError {
  try {
    fn();
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected an AppError');
}

describe('verifySignature (v1: timestamp, delivery id and body)', () => {
  const ts = '1764720000';
  const id = 'ci-1';
  const hex = createHmac('sha256', secret).update(`${ts}\n${id}\n`).update(body).digest('hex');

  it('accepts the HMAC-SHA256 of "<timestamp>\\n<delivery id>\\n<body>", in either hex case', () => {
    expect(verifySignature(secret, ts, id, body, `v1=${hex}`)).toBe(true);
    expect(verifySignature(secret, ts, id, body, `v1=${hex.toUpperCase()}`)).toBe(true);
    expect(signDelivery(secret, ts, id, body)).toBe(`v1=${hex}`);
  });

  it('refuses another timestamp, delivery id, body or key, a truncated or malformed signature, or none', () => {
    expect(verifySignature(secret, '1764720001', id, body, `v1=${hex}`)).toBe(false);
    expect(verifySignature(secret, ts, 'ci-2', body, `v1=${hex}`)).toBe(false);
    expect(verifySignature(secret, ts, id, Buffer.concat([body, Buffer.from(' ')]), `v1=${hex}`)).toBe(false);
    expect(verifySignature('whsec_other', ts, id, body, `v1=${hex}`)).toBe(false);
    expect(verifySignature(secret, ts, id, body, `v1=${hex.slice(0, 62)}`)).toBe(false); // a shorter buffer never reaches timingSafeEqual
    expect(verifySignature(secret, ts, id, body, `v1=${hex}00`)).toBe(false);
    expect(verifySignature(secret, ts, id, body, `sha256=${hex}`)).toBe(false);
    expect(verifySignature(secret, ts, id, body, hex)).toBe(false);
    expect(verifySignature(secret, ts, id, body, `v1=${'z'.repeat(64)}`)).toBe(false);
    expect(verifySignature(secret, ts, id, body, '')).toBe(false);
    expect(verifySignature(secret, ts, id, body, undefined)).toBe(false);
  });

  it('cannot move bytes between the delivery id and the body (ids may contain dots, never a newline)', () => {
    const sig = signDelivery(secret, ts, 'a', 'b.c');
    expect(verifySignature(secret, ts, 'a.b', Buffer.from('c'), sig)).toBe(false);
  });

  it('signs bytes, not a re-encoded string (a UTF-8 body with a BOM or CRLF keeps its signature)', () => {
    const raw = Buffer.from('\ufeffkind: List\r\nitems: []\r\n', 'utf8');
    expect(verifySignature(secret, ts, id, raw, signDelivery(secret, ts, id, raw))).toBe(true);
    expect(verifySignature(secret, ts, id, Buffer.from(raw.toString('utf8').replace(/\r\n/g, '\n')), signDelivery(secret, ts, id, raw))).toBe(false);
  });
});

describe('checkCredentialHeaders', () => {
  const now = 1_764_720_000;
  const sig = `v1=${'a'.repeat(64)}`;

  it('answers the timestamp when it is within the window, either side', () => {
    expect(checkCredentialHeaders(sig, String(now), now, 300)).toBe(String(now));
    expect(checkCredentialHeaders(sig, String(now - 300), now, 300)).toBe(String(now - 300));
    expect(checkCredentialHeaders(sig, ` ${now + 300}`, now, 300)).toBe(String(now + 300));
  });

  it('refuses a stale or future timestamp, a missing or malformed one, a missing or legacy signature (401)', () => {
    const refuse = (s: string | undefined, t: string | undefined) => appError(() => checkCredentialHeaders(s, t, now, 300));
    expect(refuse(sig, String(now - 301))).toMatchObject({ code: 'UNAUTHENTICATED', message: expect.stringMatching(/more than 300 s/) });
    expect(refuse(sig, String(now + 301)).code).toBe('UNAUTHENTICATED');
    for (const t of [undefined, '', '-5', '1.5', 'now', String(now) + '000000000']) {
      expect(refuse(sig, t)).toMatchObject({ code: 'UNAUTHENTICATED', message: expect.stringMatching(/X-Portolan-Timestamp/) });
    }
    expect(refuse(undefined, String(now)).message).toMatch(/X-Portolan-Signature header is required/);
    expect(refuse(`sha256=${'a'.repeat(64)}`, String(now)).message).toMatch(/no longer accepted/);
  });
});

describe('delivery id, event and file name headers', () => {
  it('requires a delivery id of 1-128 safe characters; GitHub’s header is an alias', () => {
    expect(parseDeliveryId('ci-1234:run.5_a')).toBe('ci-1234:run.5_a');
    expect(parseDeliveryId(undefined, '72d3162e-cc78-11e3-81ab-4c9367dc0958')).toBe('72d3162e-cc78-11e3-81ab-4c9367dc0958');
    expect(parseDeliveryId('mine', 'github')).toBe('mine');
    expect(parseDeliveryId('x'.repeat(128))).toHaveLength(128);
    expect(appError(() => parseDeliveryId(undefined)).code).toBe('INVALID_INPUT');
    expect(appError(() => parseDeliveryId('')).message).toMatch(/X-Portolan-Delivery header is required/);
    for (const bad of ['x'.repeat(129), 'a b', 'a/b', 'é', "1' OR 1=1"]) expect(appError(() => parseDeliveryId(bad)).details[0]?.field).toBe('X-Portolan-Delivery');
  });

  it('validates the optional event and file name', () => {
    expect(parseEvent(undefined)).toBeUndefined();
    expect(parseEvent('pull_request')).toBe('pull_request');
    expect(appError(() => parseEvent('a b')).code).toBe('INVALID_INPUT');
    expect(parseFileName(undefined)).toBe(DEFAULT_MANIFEST_NAME);
    expect(parseFileName('k8s/web.yaml')).toBe('k8s/web.yaml');
    expect(appError(() => parseFileName('a\nb')).code).toBe('INVALID_INPUT');
  });
});

describe('parseWebhookBody', () => {
  it('refuses a body holding a NUL byte as bad input naming the line (Postgres text cannot store it)', () => {
    expect(() => parseWebhookBody('kind: Pod\nmetadata: {name: "a\u0000"}\n', 'x.yaml')).toThrow(expect.objectContaining({ code: 'INVALID_INPUT', message: expect.stringMatching(/NUL byte \(line 2\)/) }));
  });

  it('takes YAML or JSON manifest text as one input under the given name', () => {
    const yaml = 'apiVersion: v1\nkind: Service\nmetadata: {name: web}\n';
    expect(parseWebhookBody(yaml, 'deploy.yaml')).toEqual({ inputs: [{ name: 'deploy.yaml', text: yaml }], source: { format: 'text', name: 'deploy.yaml' } });
    const json = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [] });
    expect(parseWebhookBody(json).inputs).toEqual([{ name: DEFAULT_MANIFEST_NAME, text: json }]);
    // a JSON object without `files` is a manifest, and malformed JSON is left to the manifest parser (with its line)
    expect(parseWebhookBody('{"kind": ').source).toEqual({ format: 'text', name: DEFAULT_MANIFEST_NAME });
  });

  it('detects the envelope by a JSON object with files: paths become input names, commit metadata is kept', () => {
    const env = { files: [{ path: 'k8s/web.yaml', content: 'kind: Service\n' }, { path: 'k8s/db.yaml', content: 'kind: Pod\n' }], commit: { sha: 'abc123', ref: 'refs/heads/main', repository: 'acme/shop', url: 'https://github.com/acme/shop/commit/abc123' }, extra: true };
    const r = parseWebhookBody(`  \n${JSON.stringify(env)}`);
    expect(r.source).toEqual({ format: 'envelope' });
    expect(r.inputs).toEqual([
      { name: 'k8s/web.yaml', text: 'kind: Service\n' },
      { name: 'k8s/db.yaml', text: 'kind: Pod\n' },
    ]);
    expect(r.commit).toEqual(env.commit);
    expect(inputsOf(JSON.stringify(env), r.source)).toEqual(r.inputs);
    expect(inputsOf('kind: Pod\n', { format: 'text', name: 'a.yaml' })).toEqual([{ name: 'a.yaml', text: 'kind: Pod\n' }]);
  });

  it('names the envelope field that is wrong', () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ files: [] }, /files: must list at least one file/],
      [{ files: 'k8s/web.yaml' }, /files: /],
      [{ files: [{ path: '', content: 'x' }] }, /files\[0\]\.path/],
      [{ files: [{ path: 'a.yaml' }] }, /files\[0\]\.content/],
      [{ files: [{ path: 'a\u0000.yaml', content: 'x' }] }, /files\[0\]\.path: must be printable/],
      [{ files: [{ path: 'a.yaml', content: 'x' }], commit: { sha: 42 } }, /commit\.sha/],
      [{ files: [{ path: 'a.yaml', content: '  \n' }] }, /every file is empty/],
    ];
    for (const [env, msg] of cases) {
      const e = appError(() => parseWebhookBody(JSON.stringify(env)));
      expect(e.code).toBe('INVALID_INPUT');
      expect(e.message).toMatch(msg);
    }
  });

  it('refuses an empty body', () => {
    expect(appError(() => parseWebhookBody('  \n')).message).toMatch(/the request body is empty/);
  });
});

describe('analyzeInputs', () => {
  const seed = readFileSync(path.resolve(__dirname, '../../../test/fixtures/clusters/seed-002-hostnetwork-replicas.yaml'), 'utf8');
  const engine = new ClusterEngine(loadSnapshot([{ name: 'seed-002', text: seed }]).snapshot);
  const deployment = (replicas: number) =>
    `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: nginx, namespace: default}\nspec:\n  replicas: ${replicas}\n  selector:\n    matchLabels: {app: nginx}\n  template:\n    metadata:\n      labels: {app: nginx}\n    spec:\n      hostNetwork: true\n      containers:\n      - {image: "nginx:alpine", name: nginx}\n`;

  it('fails seed 002 with two replicas on one node: the crash loop, placements and SARIF locations', () => {
    const { result, sarif } = analyzeInputs([{ name: 'k8s/web.yaml', text: deployment(2) }], engine, 'snap-1');
    expect(result.verdict).toBe('fail');
    const crash = result.findings.find((f) => f.rule === 'runtime-bind-conflict');
    expect(crash?.message).toContain('bind() to 0.0.0.0:80 failed (98: Address in use)');
    expect(crash?.source?.file).toBe('k8s/web.yaml');
    expect(result.placements).toEqual([expect.objectContaining({ workload: 'Deployment/default/nginx', replicas: 2, counts: { placed: 1, pending: 0, crashing: 1 }, truncated: false })]);
    expect(result.snapshotId).toBe('snap-1');
    const results = (sarif as any).runs[0].results as any[];
    expect(results.find((r) => r.ruleId === 'runtime-bind-conflict').locations[0].physicalLocation.artifactLocation.uri).toBe('k8s/web.yaml');
  });

  it('turns malformed manifests into input-error findings naming file and line, and still checks the other files', () => {
    const { result } = analyzeInputs(
      [
        { name: 'k8s/broken.yaml', text: 'apiVersion: v1\nkind: Pod\nmetadata: [\n' },
        { name: 'k8s/web.yaml', text: deployment(2) },
      ],
      engine,
      'snap-1',
    );
    expect(result.verdict).toBe('fail');
    expect(result.findings[0]).toMatchObject({ rule: 'input-error', severity: 'error', source: { file: 'k8s/broken.yaml', line: expect.any(Number) } });
    expect(result.findings.some((f) => f.rule === 'runtime-bind-conflict')).toBe(true);
  });

  it('says so when there is no snapshot, and places nothing', () => {
    const empty = new ClusterEngine(loadSnapshot([]).snapshot);
    const { result } = analyzeInputs([{ name: 'svc.yaml', text: 'apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  type: NodePort\n  ports: [{port: 80, nodePort: 80}]\n' }], empty, null);
    expect(result.snapshotId).toBeNull();
    expect(result.note).toMatch(/no ready snapshot/);
    expect(result.placements).toEqual([]);
    expect(result.findings.map((f) => f.rule)).toContain('nodeport-out-of-range');
    expect(result.verdict).toBe('fail');
  });

  it('derives the verdict from severities', () => {
    const f = (severity: 'error' | 'warning' | 'info') => ({ rule: 'r', severity, object: 'o', message: 'm', fix: '' });
    expect(verdictOf([])).toBe('pass');
    expect(verdictOf([f('info')])).toBe('pass');
    expect(verdictOf([f('info'), f('warning')])).toBe('warn');
    expect(verdictOf([f('warning'), f('error')])).toBe('fail');
  });
});

describe('isTransient', () => {
  it('retries connection trouble only', () => {
    expect(isTransient(Object.assign(new Error('x'), { code: 'P1001' }))).toBe(true);
    expect(isTransient(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isTransient(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isTransient(new AppError('UNAVAILABLE', 'queue down'))).toBe(true);
    expect(isTransient(new AppError('NOT_FOUND', 'gone'))).toBe(false);
    expect(isTransient(new TypeError("Cannot read properties of undefined (reading 'x')"))).toBe(false);
    expect(isTransient(Object.assign(new Error('unique'), { code: 'P2002' }))).toBe(false);
  });
});
