import { createHash } from 'node:crypto';
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { AppError } from './errors';

export interface CompressedUpload {
  /** gzip of the (decompressed) upload, what the worker reads */
  content: Buffer;
  /** sha256 over name, NUL, content, NUL: identical uploads are recognised by it */
  contentHash: string;
  /** decompressed bytes */
  size: number;
  parts: Array<{ name: string; start: number; end: number }>;
}

/**
 * Streams an upload (raw or gzip) into its gzip form while hashing and counting it, so a large `kubectl -o json`
 * is never held uncompressed: memory holds the compressed bytes once. `maxBytes` bounds the decompressed size
 * (a small gzip bomb gets a 413 like a large body does).
 */
export async function compressUpload(source: Readable, name: string, maxBytes: number): Promise<CompressedUpload> {
  // Peek at the first two bytes for gzip's magic, then stream everything (peeked bytes first) through the chain.
  const it = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const head: Buffer[] = [];
  let headLen = 0;
  while (headLen < 2) {
    const r = await it.next();
    if (r.done) break;
    head.push(r.value);
    headLen += r.value.length;
  }
  const first = Buffer.concat(head);
  const gzipped = first[0] === 0x1f && first[1] === 0x8b;
  async function* all(): AsyncGenerator<Buffer> {
    if (first.length) yield first;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  }
  const hash = createHash('sha256').update(name).update('\0');
  let size = 0;
  const count = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      size += chunk.length;
      if (size > maxBytes) return cb(new AppError('PAYLOAD_TOO_LARGE', `the upload is larger than the limit of ${maxBytes} bytes (uncompressed)`));
      hash.update(chunk);
      cb(null, chunk);
    },
  });
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(c: Buffer, _enc, cb) {
      chunks.push(c);
      cb();
    },
  });
  try {
    if (gzipped) await pipeline(Readable.from(all()), createGunzip(), count, createGzip({ level: 1 }), sink);
    else await pipeline(Readable.from(all()), count, createGzip({ level: 1 }), sink);
  } catch (e) {
    if (e instanceof AppError) throw e;
    if (gzipped && (e as { code?: string }).code?.startsWith('Z_')) {
      throw AppError.invalid(`${name}: not a valid gzip stream (${(e as Error).message})`, [{ file: name, message: 'invalid gzip' }]);
    }
    throw e;
  }
  hash.update('\0');
  return { content: Buffer.concat(chunks), contentHash: hash.digest('hex'), size, parts: [{ name, start: 0, end: size }] };
}
