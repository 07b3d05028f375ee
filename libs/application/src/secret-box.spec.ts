import { randomBytes } from 'node:crypto';
import { SecretBox, newWebhookSecret } from './secret-box';

describe('SecretBox', () => {
  const box = new SecretBox(randomBytes(32));
  it('round-trips a secret and never stores it in clear', () => {
    const s = newWebhookSecret();
    const sealed = box.seal(s);
    expect(sealed).not.toContain(s);
    expect(box.open(sealed)).toBe(s);
  });
  it('refuses a tampered ciphertext', () => {
    const sealed = box.seal('token');
    const parts = sealed.split('.');
    const body = Buffer.from(parts[3] as string, 'base64url');
    body[0] = (body[0] ?? 0) ^ 1;
    parts[3] = body.toString('base64url');
    expect(() => box.open(parts.join('.'))).toThrow();
  });
  it('refuses to open under another key', () => {
    expect(() => new SecretBox(randomBytes(32)).open(box.seal('x'))).toThrow();
  });
});
