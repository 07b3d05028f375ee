/**
 * npm run bench (service part): issue 4's figures on a throwaway stack (tools/bench/stack.ts), each next to a
 * baseline measured in the same run. Figures, not assertions. Loopback only, bounded in count and time.
 *  1. importing the synthetic 5,000-node / 150,000-pod snapshot through the upload endpoint into Postgres, against a
 *     raw COPY of the same rows (psql, same server) — wall time to "ready", and the worker's and API's peak memory;
 *  2. schedulePod over HTTP with a warm engine, against a bare node:http server returning the same JSON.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { objectRow } from '@portolan/application';
import type { ParsedObject } from '@portolan/netsim';
import { copyRow } from '@portolan/persistence';
import { root, startStack, type Stack } from './stack';
import { fmt, mb, percentile } from './stats';
import { BENCH_SCALE, syntheticListJson } from './synthetic';

const scale = process.env['BENCH_NODES'] ? { ...BENCH_SCALE, nodes: Number(process.env['BENCH_NODES']) } : BENCH_SCALE;
const WARM_MS = Number(process.env['BENCH_HTTP_WARM_MS'] ?? 4000);
const MEASURE_MS = Number(process.env['BENCH_HTTP_MS'] ?? 10_000);
const HTTP_CONCURRENCY = Number(process.env['BENCH_HTTP_CONCURRENCY'] ?? 16);
const API_PROCESSES = Number(process.env['BENCH_API_PROCESSES'] ?? availableParallelism());
/** BENCH_ONLY=schedule | import: one part, for iterating on it */
const ONLY = process.env['BENCH_ONLY'];
const rows: string[] = [];
const row = (s: string) => {
  rows.push(s);
  console.log(s);
};

/** Peak RSS (VmHWM) of a process, or the largest of it and its children (API_PROCESSES > 1 runs them under a primary). */
function peakRss(pid: number): number {
  const one = (p: number) => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      return m ? Number(m[1]) * 1024 : NaN;
    } catch {
      return NaN;
    }
  };
  let children: number[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    // no /proc children list: the process alone
  }
  return Math.max(one(pid), ...children.map(one).filter((x) => !Number.isNaN(x)));
}

async function api(stack: Stack, key: string, method: string, p: string, body?: unknown, headers: Record<string, string> = {}): Promise<any> {
  const r = await fetch(`${stack.baseUrl}${p}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body !== undefined && typeof body !== 'string' && !(body instanceof Uint8Array) ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' || body instanceof Uint8Array ? (body as string) : JSON.stringify(body),
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${p}: ${r.status} ${text.slice(0, 300)}`);
  return text.startsWith('{') || text.startsWith('[') ? JSON.parse(text) : text;
}

async function waitReady(stack: Stack, key: string, id: string, timeoutMs: number): Promise<any> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const s = await api(stack, key, 'GET', `/v1/snapshots/${id}`);
    if (s.status !== 'pending') return s;
    if (Date.now() > until) throw new Error(`snapshot ${id} still pending after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** psql running `script` with `lines` streamed in where the script reads COPY data; resolves with the wall time. */
function psqlCopy(url: string, before: string, lines: string[], after: string): Promise<number> {
  const started = Date.now();
  return new Promise<number>((resolve, reject) => {
    const p = spawn('psql', [url, '-v', 'ON_ERROR_STOP=1', '-qAt'], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 && out.trim().endsWith(String(lines.length)) ? resolve(Date.now() - started) : reject(new Error(`psql COPY exited ${code}: ${out}`))));
    p.stdin.write(before);
    for (let i = 0; i < lines.length; i += 5000) p.stdin.write(lines.slice(i, i + 5000).join('\n') + '\n');
    p.stdin.write(`\\.\n${after}`);
    p.stdin.end();
  });
}

/**
 * The floor for storing the same rows (the columns the import derives with objectRow, and the raw JSON), COPYed by
 * psql over a local socket to the same server, two ways:
 *  - into the table the import fills, snapshot_objects, as its owner (RLS does not apply to the owner, and COPY
 *    refuses RLS tables to anyone else), under a scratch snapshot: the same indexes, foreign key and WAL. The goal's
 *    baseline.
 *  - into a temp table with no index, constraint or WAL: what parsing the rows costs Postgres at least.
 */
async function rawCopy(stack: Stack, text: string, tenantId: string, clusterId: string): Promise<{ table: number; temp: number }> {
  const items = (JSON.parse(text) as { items: Array<Record<string, unknown>> }).items;
  const snapshotId = randomUUID();
  // the same encoding the import streams (persistence's copyRow), behind the two columns the import adds in SQL
  const lines = items.map((item) => `${tenantId}\t${snapshotId}\t${copyRow(objectRow({ obj: item } as unknown as ParsedObject))}`);
  const url = stack.env['MIGRATION_DATABASE_URL'] as string;
  const cols = 'tenant_id, snapshot_id, kind, namespace, name, node_name, host_network, phase, ip, labels, raw';
  const table = await psqlCopy(
    url,
    `BEGIN;\nINSERT INTO snapshots (id, tenant_id, cluster_id, source) VALUES ('${snapshotId}', '${tenantId}', '${clusterId}', 'upload');\nCOPY snapshot_objects (${cols}) FROM STDIN;\n`,
    lines,
    `COMMIT;\nSELECT count(*) FROM snapshot_objects WHERE snapshot_id = '${snapshotId}';\n`,
  );
  execFileSync('psql', [url, '-qAtc', `DELETE FROM snapshots WHERE id = '${snapshotId}'`]);
  const temp = await psqlCopy(
    url,
    `CREATE TEMP TABLE copy_baseline (tenant_id uuid, snapshot_id uuid, kind text, namespace text, name text, node_name text, host_network boolean, phase text, ip text, labels jsonb, raw jsonb);\nCOPY copy_baseline FROM STDIN;\n`,
    lines,
    'SELECT count(*) FROM copy_baseline;\n',
  );
  return { table, temp };
}

/** Requests with C in flight over keep-alive connections for a fixed time (or until N are done); latencies in ms. */
async function drive(url: string, init: { method: string; headers: Record<string, string>; body: string | ((i: number) => string) }, limit: { ms: number; n?: number }, c: number): Promise<{ n: number; rps: number; p50: number; p99: number; errors: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: c });
  const lat: number[] = [];
  let errors = 0;
  let sent = 0;
  const one = (i: number) =>
    new Promise<void>((resolve) => {
      const body = typeof init.body === 'string' ? init.body : init.body(i);
      const t = process.hrtime.bigint();
      const req = http.request(url, { method: init.method, headers: { ...init.headers, 'content-length': Buffer.byteLength(body) }, agent }, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode !== 200) errors++;
          lat.push(Number(process.hrtime.bigint() - t) / 1e6);
          resolve();
        });
      });
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end(body);
    });
  const started = Date.now();
  const until = started + limit.ms;
  await Promise.all(Array.from({ length: c }, async () => {
    while (Date.now() < until && (limit.n === undefined || sent < limit.n)) {
      await one(sent++);
    }
  }));
  const secs = (Date.now() - started) / 1000;
  agent.destroy();
  lat.sort((a, b) => a - b);
  return { n: lat.length, rps: lat.length / secs, p50: percentile(lat, 50), p99: percentile(lat, 99), errors };
}

/** A bare node:http server that answers every request with `body`: what serving that JSON costs at minimum. */
function bareServer(body: string): Promise<{ url: string; close: () => void }> {
  return new Promise((resolve) => {
    const s = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(body));
    });
    s.keepAliveTimeout = 30_000;
    s.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(s.address() as { port: number }).port}/`, close: () => s.close() }));
  });
}

/** `selection`: the arguments of schedulePod's `nodes` field; none asks for every node's verdict. */
async function scheduleBench(stack: Stack, key: string, clusterId: string, label: string, selection = ''): Promise<void> {
  const nodes = selection ? `nodeCount nodes(${selection})` : 'feasibleNodes nodes';
  const query = `query($c: ID!, $y: String) { schedulePod(clusterId: $c, podYaml: $y) { message ${nodes} { node feasible plugin reason runtime { message } } } }`;
  const pod = 'apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: bench}\nspec:\n  containers:\n  - name: web\n    image: nginx\n    ports: [{containerPort: 443, hostPort: 8443}]\n';
  const body = JSON.stringify({ query, variables: { c: clusterId, y: pod } });
  const init = { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body };
  const warm = await api(stack, key, 'POST', '/graphql', JSON.parse(body)); // loads the engine once
  if (warm.errors) throw new Error(JSON.stringify(warm.errors));
  const sample = JSON.stringify(warm);
  const big = label.includes('5000');
  // Warm every API process (each loads the engine and JITs the path on its first requests), then measure for a
  // fixed time: a short count-bound run mostly measures that warm-up.
  await drive(`${stack.baseUrl}/graphql`, init, { ms: WARM_MS, n: big ? 50 : undefined }, HTTP_CONCURRENCY);
  const r = await drive(`${stack.baseUrl}/graphql`, init, { ms: big ? MEASURE_MS / 2 : MEASURE_MS }, HTTP_CONCURRENCY);
  // The same question with a different pod text each time: what a request costs when its YAML is new.
  const distinct = { ...init, body: (i: number) => JSON.stringify({ query, variables: { c: clusterId, y: pod.replace('name: web,', `name: web-${i},`) } }) };
  const d = big ? undefined : await drive(`${stack.baseUrl}/graphql`, distinct, { ms: MEASURE_MS / 2 }, HTTP_CONCURRENCY);
  const bare = await bareServer(sample);
  const b = await drive(bare.url, init, { ms: big ? MEASURE_MS / 2 : MEASURE_MS }, HTTP_CONCURRENCY);
  bare.close();
  row(`schedulePod over HTTP, warm (${label}, response ${mb(sample.length).replace(' MB', '')} MB) | ${Math.round(r.rps)} req/s | p50 ${fmt(r.p50)} | p99 ${fmt(r.p99)} | errors ${r.errors}/${r.n} | baseline bare node:http same JSON: ${Math.round(b.rps)} req/s, p99 ${fmt(b.p99)} | ratio ${(r.rps / b.rps).toFixed(2)}x | goal >= 1,500 req/s, p99 <= 50 ms`);
  if (d) row(`schedulePod over HTTP, warm, a new pod text every request (${label}) | ${Math.round(d.rps)} req/s | p50 ${fmt(d.p50)} | p99 ${fmt(d.p99)} | errors ${d.errors}/${d.n}`);
}

async function main(): Promise<void> {
  const stack = await startStack({ build: 'if-missing', log: (l) => console.log(`[stack] ${l}`), env: { LOG_LEVEL: process.env['BENCH_LOG_LEVEL'] ?? 'warn', MAX_UPLOAD_BYTES: String(1024 * 1024 * 1024), API_PROCESSES: String(API_PROCESSES) } });
  console.log(`API_PROCESSES=${API_PROCESSES} (one per core; BENCH_API_PROCESSES overrides)`);
  try {
    const { key, tenantId } = await stack.newTenant('admin');
    // ---- 2 first (small cluster, fast): schedulePod against the seed-001 demo cluster
    const demo = (await api(stack, key, 'POST', '/v1/clusters', { name: 'demo' })).cluster.id;
    const up = await api(stack, key, 'POST', `/v1/clusters/${demo}/snapshots`, readFileSync(path.join(root, 'test/fixtures/clusters/seed-001-exposure-modes.yaml'), 'utf8'));
    await waitReady(stack, key, up.id, 30_000);
    if (ONLY !== 'import') await scheduleBench(stack, key, demo, '3-node seed-001 cluster');
    if (ONLY === 'schedule') return;

    // ---- 1. the synthetic cluster through the upload endpoint
    let text: string | undefined = syntheticListJson(scale);
    console.log(`synthetic List JSON: ${mb(text.length)}, ${scale.nodes} nodes, ${scale.nodes * scale.podsPerNode} pods, ${scale.services} services`);
    const big = (await api(stack, key, 'POST', '/v1/clusters', { name: 'synthetic', kubeProxy: { clusterCIDR: '10.64.0.0/11' } })).cluster.id;
    const t0 = Date.now();
    const accepted = await api(stack, key, 'POST', `/v1/clusters/${big}/snapshots`, new Uint8Array(Buffer.from(text)), { 'content-type': 'application/json', 'x-filename': 'synthetic.json' });
    const acceptedMs = Date.now() - t0;
    const done = await waitReady(stack, key, accepted.id, 15 * 60_000);
    const importMs = Date.now() - t0;
    if (done.status !== 'ready') throw new Error(`import failed: ${JSON.stringify(done.error)}`);
    const copy = await rawCopy(stack, text, tenantId, big);
    text = undefined;
    row(
      `import ${scale.nodes} nodes / ${scale.nodes * scale.podsPerNode} pods via upload | ${(importMs / 1000).toFixed(1)} s to ready (202 after ${(acceptedMs / 1000).toFixed(1)} s) | ` +
        `baseline COPY of the same rows into snapshot_objects ${(copy.table / 1000).toFixed(1)} s: ratio ${(importMs / copy.table).toFixed(2)}x | ` +
        `COPY into a bare temp table ${(copy.temp / 1000).toFixed(1)} s: ratio ${(importMs / copy.temp).toFixed(2)}x | ` +
        `peak RSS api ${mb(peakRss(stack.pids.api))}, worker ${mb(peakRss(stack.pids.worker))} | goal <= 60 s, <= 3x COPY, <= 1.5 GB`,
    );

    if (ONLY !== 'import') {
      await scheduleBench(stack, key, big, '5000-node synthetic cluster');
      await scheduleBench(stack, key, big, '5000-node synthetic cluster, nodes(first: 50) and nodeCount', 'first: 50');
    }
    row(`peak RSS after the synthetic cluster's engine is cached | api ${mb(peakRss(stack.pids.api))} | worker ${mb(peakRss(stack.pids.worker))}`);
  } finally {
    await stack.stop();
  }
  console.log('\nsummary');
  for (const r of rows) console.log(`- ${r}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
