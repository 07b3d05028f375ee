import { AppError } from '@portolan/application';
import type { Request } from 'express';

/**
 * The request body as bytes for routes that take manifest text. JSON bodies were already parsed by express.json
 * (answered as null here: the caller reads the object); other content types are read from the stream, bounded by
 * `limit` like every other body.
 */
export async function readRawBody(req: Request, limit: number): Promise<Buffer | null> {
  if (Buffer.isBuffer(req.body)) return req.body;
  if (req.body !== undefined && req.body !== null) return null;
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw new AppError('PAYLOAD_TOO_LARGE', `request body is larger than the limit of ${limit} bytes`);
  if (req.readableEnded) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    size += b.length;
    if (size > limit) throw new AppError('PAYLOAD_TOO_LARGE', `request body is larger than the limit of ${limit} bytes`);
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}
