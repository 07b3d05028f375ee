import { createHash, randomBytes } from 'node:crypto';

/** API keys are shown once and stored as sha256: a leaked table does not leak keys. */
export function newApiKey(): { key: string; prefix: string; hash: string } {
  const key = `ptl_${randomBytes(32).toString('base64url')}`;
  return { key, prefix: key.slice(0, 12), hash: hashApiKey(key) };
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}
