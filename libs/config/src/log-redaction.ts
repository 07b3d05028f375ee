import { stdSerializers, type LoggerOptions } from 'pino';

/**
 * What keeps secrets out of every process's logs. Logs are read by more people, kept longer and copied further
 * than the database, so a key, token or webhook secret must never reach them, whatever path it takes.
 */

export const REDACTED = '[REDACTED]';

/** Query parameter (or object key) names whose values are credentials: access_token, api_key, signature, ... */
const SENSITIVE_NAME = /token|key|secret|sig|pass|auth|cred|session|cookie|jwt/i;

/**
 * A URL with the values of sensitive query parameters replaced (`?access_token=[REDACTED]&first=10`). Other
 * parameters are kept byte for byte: they are what an operator reads the log for. A name that cannot be decoded
 * counts as sensitive.
 */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const hash = url.indexOf('#', q);
  const query = url.slice(q + 1, hash < 0 ? undefined : hash);
  const parts = query.split('&').map((pair) => {
    const eq = pair.indexOf('=');
    const rawName = eq < 0 ? pair : pair.slice(0, eq);
    let name: string;
    try {
      name = decodeURIComponent(rawName.replace(/\+/g, ' '));
    } catch {
      return REDACTED;
    }
    return SENSITIVE_NAME.test(name) && eq >= 0 ? `${rawName}=${REDACTED}` : pair;
  });
  return `${url.slice(0, q + 1)}${parts.join('&')}${hash < 0 ? '' : url.slice(hash)}`;
}

/**
 * Secrets in free text (an error message that quotes its input, a stack): Portolan's own key and webhook secret
 * formats, JWTs (Kubernetes service-account tokens), PEM blocks (kubeconfig client keys), bearer values, and the
 * value after a `token:`/`password=`/`client-key-data:`-like label (YAML, JSON or query syntax).
 */
const SECRET_PATTERNS: Array<[RegExp, string]> = [
  [/\bptl_[A-Za-z0-9_-]{8,}/g, REDACTED],
  [/\bwhsec_[A-Za-z0-9_-]{8,}/g, REDACTED],
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, REDACTED],
  [/-----BEGIN [A-Z ]+-----[\s\S]*?(?:-----END [A-Z ]+-----|$)/g, REDACTED],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, `$1 ${REDACTED}`],
  [/((?:token|secret|password|passwd|key-data|key_data|api[-_]?key|access[-_]?key|signature|kubeconfig)["']?\s*[:=]\s*["']?)[^\s"',}&]+/gi, `$1${REDACTED}`],
];

export function scrubSecrets(text: string): string {
  return SECRET_PATTERNS.reduce((out, [re, replacement]) => out.replace(re, replacement), text);
}

/** pino's err serializer, with message and stack scrubbed. */
export function errSerializer(err: Error): Record<string, unknown> {
  const s = stdSerializers.err(err) as unknown as Record<string, unknown>;
  for (const f of ['message', 'stack']) if (typeof s[f] === 'string') s[f] = scrubSecrets(s[f] as string);
  return s;
}

/**
 * Structured fields that may hold a credential wherever they appear one or two levels down (request bodies,
 * GraphQL variables and inputs of setImportSource / createApiKey / rotateWebhookSecret, headers). Nothing logs these
 * today; the censor is there so that a future `log.info({ input })` cannot leak.
 */
const SECRET_FIELDS = ['token', 'kubeconfig', 'auth', 'key', 'secret', 'webhookSecret', 'password', 'authorization', 'cookie', 'signature', 'body', 'variables'];
export const REDACT_PATHS: string[] = [
  'req.headers',
  'headers',
  ...SECRET_FIELDS.flatMap((f) => [f, `*.${f}`, `*.*.${f}`]),
];

/** The pino options every process starts from. */
export function loggerOptions(level: string, extra: LoggerOptions = {}): LoggerOptions {
  return { level, ...extra, redact: { paths: REDACT_PATHS, censor: REDACTED }, serializers: { err: errSerializer, ...extra.serializers } };
}
