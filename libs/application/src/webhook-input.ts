import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { TextInput } from '@portolan/netsim';
import { z } from 'zod';
import { AppError, type ErrorDetail } from './errors';

/**
 * The CI webhook's pure input handling: signature and timestamp, delivery id, and the body (manifest text or a JSON envelope with
 * files and commit metadata). No I/O, so each rule is unit-tested on its own.
 */

const SIGNATURE_RE = /^v1=([0-9a-fA-F]{64})$/;
const LEGACY_SIGNATURE_RE = /^sha256=[0-9a-fA-F]{64}$/;
const TIMESTAMP_RE = /^\d{1,12}$/;
export const DELIVERY_ID_RE = /^[A-Za-z0-9._:-]{1,128}$/;
const EVENT_RE = /^[A-Za-z0-9._:/-]{1,64}$/;

/**
 * The bytes a v1 signature covers: `<timestamp>\n<delivery id>\n<body>`. The timestamp bounds a captured request's
 * life to the tolerance window; the delivery id stops it being replayed inside the window under a new id (a new id
 * would be a new analysis). Newline separates because neither the digits nor the delivery id's alphabet contain it,
 * so no two (timestamp, id, body) triples sign the same bytes.
 */
function signedPayload(timestamp: string, deliveryId: string, body: Uint8Array | string): Buffer {
  return Buffer.concat([Buffer.from(`${timestamp}\n${deliveryId}\n`), typeof body === 'string' ? Buffer.from(body) : body]);
}

/** The value a client puts in `X-Portolan-Signature`: `v1=` + hex HMAC-SHA256 of `<timestamp>\n<delivery id>\n<body>`. */
export function signDelivery(secret: string, timestamp: string | number, deliveryId: string, body: Uint8Array | string): string {
  return `v1=${createHmac('sha256', secret).update(signedPayload(String(timestamp), deliveryId, body)).digest('hex')}`;
}

/**
 * Whether `header` is a valid v1 signature under `secret`. A malformed header is simply false; well-formed ones are
 * compared in constant time on two 32-byte buffers (timingSafeEqual needs equal lengths).
 */
export function verifySignature(secret: string, timestamp: string, deliveryId: string, body: Uint8Array, header: string | undefined | null): boolean {
  const m = SIGNATURE_RE.exec((header ?? '').trim());
  if (!m) return false;
  const given = Buffer.from(m[1] as string, 'hex');
  const expected = createHmac('sha256', secret).update(signedPayload(timestamp, deliveryId, body)).digest();
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export const WEBHOOK_SIGNATURE_HELP = 'X-Portolan-Signature: v1=<hex HMAC-SHA256 of "<X-Portolan-Timestamp>\\n<X-Portolan-Delivery>\\n<body>" with the cluster webhook secret>';

/**
 * The credential headers' shape, checked before any lookup so that their answers say nothing about whether the
 * cluster exists: a signature header in the v1 form and a timestamp (unix seconds) within `toleranceSeconds` of
 * `nowSeconds`, either side (clock skew). Answers the timestamp as signed (its exact text).
 */
export function checkCredentialHeaders(signature: string | undefined, timestamp: string | undefined, nowSeconds: number, toleranceSeconds: number): string {
  const sig = (signature ?? '').trim();
  if (!sig) throw new AppError('UNAUTHENTICATED', `the X-Portolan-Signature header is required: ${WEBHOOK_SIGNATURE_HELP}`);
  if (LEGACY_SIGNATURE_RE.test(sig)) {
    throw new AppError('UNAUTHENTICATED', `sha256= signatures of the body alone are no longer accepted (a captured request could be replayed): ${WEBHOOK_SIGNATURE_HELP}`);
  }
  const ts = (timestamp ?? '').trim();
  if (!TIMESTAMP_RE.test(ts)) {
    throw new AppError('UNAUTHENTICATED', 'the X-Portolan-Timestamp header is required: the unix time in seconds at signing, covered by the signature');
  }
  if (Math.abs(nowSeconds - Number(ts)) > toleranceSeconds) {
    throw new AppError('UNAUTHENTICATED', `X-Portolan-Timestamp is more than ${toleranceSeconds} s from the server's clock: sign each request when it is sent (a replayed request is refused)`);
  }
  return ts;
}

/** `X-Portolan-Delivery` (or GitHub's `X-GitHub-Delivery`): required, 1-128 of `[A-Za-z0-9._:-]`. */
export function parseDeliveryId(primary: string | undefined, alias?: string): string {
  const v = primary ?? alias;
  if (v === undefined || v === '') {
    throw AppError.invalid('the X-Portolan-Delivery header is required: a unique id per delivery makes retries idempotent', [{ field: 'X-Portolan-Delivery', message: 'missing' }]);
  }
  if (!DELIVERY_ID_RE.test(v)) {
    throw AppError.invalid('X-Portolan-Delivery must be 1-128 characters of A-Z a-z 0-9 . _ : -', [{ field: 'X-Portolan-Delivery', message: 'malformed' }]);
  }
  return v;
}

/** Optional `X-Portolan-Event`, kept with the analysis (e.g. `push`, `pull_request`). */
export function parseEvent(v: string | undefined): string | undefined {
  if (v === undefined || v === '') return undefined;
  if (!EVENT_RE.test(v)) throw AppError.invalid('X-Portolan-Event must be 1-64 characters of A-Z a-z 0-9 . _ : / -', [{ field: 'X-Portolan-Event', message: 'malformed' }]);
  return v;
}

/** The name plain-text manifests get when the client names no file. */
export const DEFAULT_MANIFEST_NAME = 'manifests.yaml';

/** No control characters (they would end up in SARIF URIs and logs). */
const printable = (s: string): boolean => {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return false;
  }
  return true;
};

/** A client-supplied file name (`X-Filename`), or the default. */
export function parseFileName(v: string | undefined): string {
  if (v === undefined || v === '') return DEFAULT_MANIFEST_NAME;
  if (v.length > 512 || !printable(v)) throw AppError.invalid('X-Filename must be 1-512 printable characters', [{ field: 'X-Filename', message: 'malformed' }]);
  return v;
}

const str = (max: number) => z.string().min(1).max(max);

export const CommitInfo = z.object({
  sha: str(128).optional(),
  ref: str(512).optional(),
  repository: str(512).optional(),
  url: str(2048).optional(),
});
export type CommitInfo = z.infer<typeof CommitInfo>;

export const WebhookEnvelope = z.object({
  files: z
    .array(
      z.object({
        path: z.string().min(1).max(1024).refine(printable, 'must be printable (no control characters)'),
        content: z.string(),
      }),
    )
    .min(1, 'must list at least one file')
    .max(1000),
  commit: CommitInfo.optional(),
});
export type WebhookEnvelope = z.infer<typeof WebhookEnvelope>;

/** What an analysis stores about how its manifests arrived, so the worker rebuilds exactly these inputs. */
export type ManifestSource = { format: 'text'; name: string } | { format: 'envelope' };

export interface ParsedWebhookBody {
  inputs: TextInput[];
  source: ManifestSource;
  commit?: CommitInfo;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const pathOf = (p: PropertyKey[]): string => p.map((x, i) => (typeof x === 'number' ? `[${x}]` : `${i ? '.' : ''}${String(x)}`)).join('');

/**
 * The body as manifests. A JSON object with a `files` key is the envelope (validated; its paths become the input
 * names, so findings and SARIF locations point at repository files); anything else is YAML/JSON manifest text.
 */
export function parseWebhookBody(text: string, name: string = DEFAULT_MANIFEST_NAME): ParsedWebhookBody {
  if (text.trim() === '') throw AppError.invalid('the request body is empty: send manifests (YAML or JSON) or an envelope {"files": [{"path", "content"}]}');
  // Manifests are stored as text, which Postgres cannot hold with a NUL; neither YAML nor JSON text has one.
  const nul = text.indexOf('\u0000');
  if (nul >= 0) {
    const line = text.slice(0, nul).split('\n').length;
    throw AppError.invalid(`the body contains a NUL byte (line ${line}): manifests are YAML or JSON text`, [{ file: name, line, message: 'NUL byte' }]);
  }
  const t = text.trimStart();
  if (t.startsWith('{')) {
    let json: unknown;
    try {
      json = JSON.parse(t);
    } catch {
      json = undefined; // not JSON: the manifest parser reports it with a line
    }
    if (isObject(json) && Object.hasOwn(json, 'files')) {
      const r = WebhookEnvelope.safeParse(json);
      if (!r.success) {
        const details: ErrorDetail[] = r.error.issues.map((i) => ({ field: pathOf(i.path), message: i.message }));
        throw AppError.invalid(`invalid envelope: ${details.map((d) => `${d.field || '(body)'}: ${d.message}`).join('; ')}`, details);
      }
      const nonEmpty = r.data.files.filter((f) => f.content.trim() !== '');
      if (!nonEmpty.length) throw AppError.invalid('invalid envelope: every file is empty', [{ field: 'files', message: 'all empty' }]);
      return { inputs: r.data.files.map((f) => ({ name: f.path, text: f.content })), source: { format: 'envelope' }, ...(r.data.commit ? { commit: r.data.commit } : {}) };
    }
  }
  return { inputs: [{ name, text }], source: { format: 'text', name } };
}

/** The stored manifests back into engine inputs (the worker's half of parseWebhookBody). */
export function inputsOf(manifests: string, source: ManifestSource | undefined): TextInput[] {
  if (source?.format === 'envelope') return parseWebhookBody(manifests).inputs;
  return [{ name: source?.format === 'text' ? source.name : DEFAULT_MANIFEST_NAME, text: manifests }];
}

export const sha256Hex = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex');
