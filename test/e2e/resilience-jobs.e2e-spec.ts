import { createHmac, randomUUID } from 'node:crypto';
import pg from 'pg';
import { prng } from '@portolan/netsim/testing';
import { hostileInput } from './support/hostile';
import { closeProvisioner, createCluster, http, newTenant } from './support/client';

// Issue 9's resilience suite, job half: a fixed-seed fuzz of hostile and odd inputs over the upload endpoint and the
// CI webhook. No answer may be a 5xx, and every accepted row must end (ready | failed, or pruned) within a bound.
afterAll(closeProvisioner);

const SEED = 0x9e3779b9;
const UPLOADS = 400;
const DELIVERIES = 1100;
const PARALLEL = 8;
const END_WITHIN_MS = 90_000;

async function inParallel<T>(n: number, items: T[], fn: (x: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    for (let i = next++; i < items.length; i = next++) await fn(items[i] as T, i);
  }));
}

describe('fuzzed uploads and webhook deliveries', () => {
  it(`answers ${UPLOADS + DELIVERIES} hostile inputs (seed ${SEED}) without a 5xx, and every accepted row ends`, async () => {
    const t0 = Date.now();
    const rand = prng(SEED);
    const a = await newTenant();
    const clusters = await Promise.all(Array.from({ length: 20 }, () => createCluster(a.key)));
    const statuses = new Map<number, number>();
    const fives: string[] = [];
    const snapshots: string[] = [];
    const analyses: string[] = [];
    const note = (status: number, what: string) => {
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (status >= 500) fives.push(what);
    };
    const uploads = Array.from({ length: UPLOADS }, (_, i) => hostileInput(rand, i));
    const deliveries = Array.from({ length: DELIVERIES }, (_, i) => hostileInput(rand, UPLOADS + i));
    const closed: string[] = [];
    // An upload over MAX_UPLOAD_BYTES is answered 413 before its body is read to the end; the server then closes the
    // connection, which fetch may see first (for that request, or the next one on the same kept-alive socket). Such
    // an upload may end that way; any other request is sent once more (same content, same delivery id: idempotent).
    const send = async (what: string, overLimit: boolean, req: () => ReturnType<typeof http>) => {
      try {
        return await req();
      } catch (e) {
        if (overLimit) {
          closed.push(what);
          return undefined;
        }
        return req().catch((again: Error) => {
          throw new Error(`${what}: ${(e as Error).message}, then ${again.message}`);
        });
      }
    };
    await inParallel(PARALLEL, uploads, async (input, i) => {
      const c = clusters[i % clusters.length]!;
      const r = await send(`upload #${i} (${input.kind})`, input.kind === 'gzip-bomb', () => http('POST', `/v1/clusters/${c.id}/snapshots`, { key: a.key, body: input.body, headers: { 'content-type': input.contentType, 'x-filename': `f${i}` } }));
      if (!r) return;
      note(r.status, `upload #${i} (${input.kind}): ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
      if (r.status === 202 && !r.body.duplicate) snapshots.push(r.body.id);
    });
    await inParallel(PARALLEL, deliveries, async (input, i) => {
      const c = clusters[i % clusters.length]!;
      const delivery = `fuzz-${i}-${randomUUID()}`;
      const timestamp = String(Math.floor(Date.now() / 1000));
      // the documented signature: HMAC-SHA256 over `<timestamp>\n<delivery id>\n<body>`
      const signature = `v1=${createHmac('sha256', c.webhookSecret).update(`${timestamp}\n${delivery}\n`).update(input.body).digest('hex')}`;
      const r = await send(`delivery #${i} (${input.kind})`, false, () =>
        http('POST', `/v1/webhooks/ci/${c.id}`, { body: input.body, headers: { 'content-type': input.contentType, 'x-portolan-signature': signature, 'x-portolan-delivery': delivery, 'x-portolan-timestamp': timestamp } }),
      );
      if (!r) return;
      note(r.status, `delivery #${i} (${input.kind}): ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
      if (r.status === 202 && !r.body.duplicate) analyses.push(r.body.analysisId);
    });
    const sent = Date.now();
    expect(fives).toEqual([]);
    expect(snapshots.length).toBeGreaterThan(UPLOADS / 3);
    expect(analyses.length).toBeGreaterThan(DELIVERIES / 3);

    const owner = new pg.Client({ connectionString: process.env['MIGRATION_DATABASE_URL'] });
    await owner.connect();
    let open = -1;
    try {
      const until = Date.now() + END_WITHIN_MS;
      for (;;) {
        const r = await owner.query<{ n: string }>(
          `SELECT (SELECT count(*) FROM snapshots WHERE id = ANY($1::uuid[]) AND status = 'pending') + (SELECT count(*) FROM analyses WHERE id = ANY($2::uuid[]) AND status IN ('pending', 'running')) AS n`,
          [snapshots, analyses],
        );
        open = Number(r.rows[0]?.n);
        if (open === 0 || Date.now() > until) break;
        await new Promise((res) => setTimeout(res, 250));
      }
      const ended = await owner.query<{ status: string; n: string }>(`SELECT status::text, count(*) AS n FROM snapshots WHERE id = ANY($1::uuid[]) GROUP BY 1`, [snapshots]);
      // figures for the README's reliability section
      console.log(
        JSON.stringify({
          seed: SEED,
          inputs: UPLOADS + DELIVERIES,
          statuses: Object.fromEntries([...statuses].sort()),
          closedOverLimit: closed.length,
          acceptedSnapshots: snapshots.length,
          acceptedAnalyses: analyses.length,
          snapshotsByStatus: Object.fromEntries(ended.rows.map((x) => [x.status, Number(x.n)])),
          sendSeconds: (sent - t0) / 1000,
          allEndedSeconds: (Date.now() - t0) / 1000,
        }),
      );
    } finally {
      await owner.end();
    }
    expect(open).toBe(0);
  }, 200_000);
});
