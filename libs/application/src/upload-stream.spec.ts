import { Readable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import { AppError } from './errors';
import { compressUpload } from './upload-stream';

const chunked = (b: Buffer, size = 7) => Readable.from(Array.from({ length: Math.ceil(b.length / size) }, (_, i) => b.subarray(i * size, (i + 1) * size)));

describe('compressUpload', () => {
  const text = Buffer.from('apiVersion: v1\nkind: List\nitems: []\n'.repeat(50));

  it('stores the gzip of the content and hashes raw and gzip uploads alike', async () => {
    const raw = await compressUpload(chunked(text), 'a.yaml', 1 << 20);
    const gz = await compressUpload(chunked(gzipSync(text)), 'a.yaml', 1 << 20);
    expect(gunzipSync(raw.content).equals(text)).toBe(true);
    expect(gunzipSync(gz.content).equals(text)).toBe(true);
    expect(raw.contentHash).toBe(gz.contentHash);
    expect(raw.size).toBe(text.length);
    expect(raw.parts).toEqual([{ name: 'a.yaml', start: 0, end: text.length }]);
  });

  it('tells different names apart', async () => {
    const a = await compressUpload(chunked(text), 'a.yaml', 1 << 20);
    const b = await compressUpload(chunked(text), 'b.yaml', 1 << 20);
    expect(a.contentHash).not.toBe(b.contentHash);
  });

  it('refuses more than the limit, counted after decompression', async () => {
    const bomb = gzipSync(Buffer.alloc(200_000, 'a'));
    expect(bomb.length).toBeLessThan(1000);
    await expect(compressUpload(chunked(bomb), 'bomb.gz', 100_000)).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
  });

  it('names a corrupt gzip stream as invalid input', async () => {
    const broken = Buffer.concat([gzipSync(text).subarray(0, 20), Buffer.from('garbage')]);
    const err = await compressUpload(chunked(broken), 'x.gz', 1 << 20).catch((e) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err.code).toBe('INVALID_INPUT');
  });
});
