/**
 * npm run -s bench:webhook: the CI webhook end to end (signed delivery → API → queue → worker → engine → Postgres
 * → verdict), on a throwaway stack (tools/bench/stack.ts: its own Postgres + Redis, the built API and worker),
 * against a cluster holding the seed-001 snapshot. Figures, not assertions; each next to a baseline measured in
 * the same run on the same machine:
 *   - engine in-process: the same manifests checked by analyzeInputs() with no HTTP, queue or database;
 *   - node:http echo: a bare loopback HTTP server in its own process answering the same signed bodies.
 * Bounded: BENCH_WEBHOOK_N deliveries (default 1000) for throughput, 300 at 20/s for latency; loopback only.
 */
import { spawn } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { analyzeInputs, parseWebhookBody } from '@portolan/application';
import { ClusterEngine, loadSnapshot } from '@portolan/netsim';
import { Client } from 'pg';
import { diffCpu, freePort, root, startStack, type CpuSample } from './stack';
import { fmt, percentile } from './stats';

const N = Number(process.env['BENCH_WEBHOOK_N'] ?? 1000);
const CONCURRENCY = Number(process.env['BENCH_WEBHOOK_CONCURRENCY'] ?? 32);
const RATE = 20; // requests per second for the latency phase
const RATE_COUNT = 300;
const DEADLINE_MS = 10 * 60_000;

const seedText = readFileSync(path.join(root, 'test/fixtures/clusters/seed-001-exposure-modes.yaml'), 'utf8');

/** A CI change set against seed 001: the api Deployment re-applied at 3 replicas plus a hostPort web Deployment. */
const envelopeOf = (n: number) => JSON.stringify({
  files: [
    {
      path: 'k8s/api.yaml',
      content: `# change ${n}
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: demo}
spec:
  replicas: 3
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
      - name: api
        image: example/api:2
        ports: [{name: http, containerPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: demo}
spec:
  type: NodePort
  selector: {app: api}
  ports: [{name: http, port: 80, targetPort: http, nodePort: 30080}]
`,
    },
    {
      path: 'k8s/web.yaml',
      content: `# change ${n}
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: demo}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx:stable
        ports: [{containerPort: 8081, hostPort: 8080}]
`,
    },
  ],
  commit: { sha: `b3nch${n}`, ref: 'refs/heads/main', repository: 'acme/bench' },
});
/** Every delivery carries different text (as successive commits do), so nothing downstream can reuse a parse. */
let deliveries = 0;
const envelope = envelopeOf(0);

/** v1: `<X-Portolan-Timestamp>\n<X-Portolan-Delivery>\n<body>`; the headers for one signed delivery */
const signed = (secret: string, body: string): Record<string, string> => {
  const ts = String(Math.floor(Date.now() / 1000));
  const delivery = randomUUID();
  const sig = `v1=${createHmac('sha256', secret).update(`${ts}\n${delivery}\n`).update(body).digest('hex')}`;
  return { 'x-portolan-delivery': delivery, 'x-portolan-timestamp': ts, 'x-portolan-signature': sig };
};
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
const total = (c: CpuSample) => c.api + c.worker + c.postgres + c.redis;
const perDelivery = (c: CpuSample, n: number): CpuSample => {
  const d = Math.max(n, 1);
  return { api: c.api / d, worker: c.worker / d, postgres: c.postgres / d, redis: c.redis / d };
};
const sleep = (t: number) => new Promise((r) => setTimeout(r, t));
const log = (s: string) => process.stderr.write(`[bench] ${s}\n`);

interface Lat {
  p50: number;
  p99: number;
  max: number;
}
const lat = (samples: number[]): Lat => {
  const s = [...samples].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p99: percentile(s, 99), max: s[s.length - 1] ?? NaN };
};

/** Sends `count` requests at `rate`/s (open loop: the schedule does not wait for answers); latencies in ms. */
async function atFixedRate(count: number, rate: number, send: (i: number) => Promise<boolean>): Promise<{ lat: Lat; failed: number }> {
  const samples: number[] = [];
  let failed = 0;
  const start = Date.now();
  const all: Array<Promise<void>> = [];
  for (let i = 0; i < count; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - Date.now();
    if (wait > 0) await sleep(wait);
    all.push(
      (async () => {
        const t0 = process.hrtime.bigint();
        const ok = await send(i).catch(() => false);
        samples.push(ms(t0));
        if (!ok) failed++;
      })(),
    );
  }
  await Promise.all(all);
  return { lat: lat(samples), failed };
}

/** `count` requests from `concurrency` closed-loop clients; completed per second. */
async function closedLoop(count: number, concurrency: number, send: (i: number) => Promise<boolean>): Promise<{ perSec: number; failed: number; seconds: number }> {
  let next = 0;
  let failed = 0;
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        if (!(await send(i).catch(() => false))) failed++;
      }
    }),
  );
  const seconds = ms(t0) / 1000;
  return { perSec: count / seconds, failed, seconds };
}

/** A bare node:http server in its own process: reads the body, answers a small JSON. The transport's floor. */
async function startEcho(): Promise<{ url: string; stop(): void }> {
  const port = await freePort();
  const code = `require('node:http').createServer((q, s) => { let n = 0; q.on('data', (c) => (n += c.length)); q.on('end', () => { s.writeHead(200, {'content-type': 'application/json'}); s.end(JSON.stringify({ bytes: n, verdict: 'fail' })); }); }).listen(${port}, '127.0.0.1', () => process.stdout.write('up\\n'));`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.once('data', () => resolve());
    child.once('exit', (c) => reject(new Error(`echo server exited (${c})`)));
  });
  return { url: `http://127.0.0.1:${port}/`, stop: () => child.kill('SIGTERM') };
}

async function main(): Promise<void> {
  const guard = setTimeout(() => {
    log(`still running after ${DEADLINE_MS / 60000} min: giving up`);
    process.exit(2); // the stack's exit handler stops what it started
  }, DEADLINE_MS);
  guard.unref();
  log(`${cpus().length} CPUs, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}; node ${process.version}`);
  const stack = await startStack({ log });
  const owner = new Client({ connectionString: stack.env['MIGRATION_DATABASE_URL'] });
  const echo = await startEcho();
  try {
    await owner.connect();
    // --- setup: tenant, cluster, seed-001 snapshot through the real upload path
    const { key } = await stack.newTenant('admin');
    const api = async (method: string, p: string, body?: string, headers: Record<string, string> = {}) => {
      const r = await fetch(`${stack.baseUrl}${p}`, { method, headers: { authorization: `Bearer ${key}`, ...headers }, body });
      const json = (await r.json()) as any;
      if (!r.ok) throw new Error(`${method} ${p}: ${r.status} ${JSON.stringify(json)}`);
      return json;
    };
    const created = await api('POST', '/v1/clusters', JSON.stringify({ name: 'bench-seed-001' }), { 'content-type': 'application/json' });
    const clusterId: string = created.cluster.id;
    const secret: string = created.webhookSecret;
    let snap = await api('POST', `/v1/clusters/${clusterId}/snapshots`, seedText, { 'content-type': 'application/yaml', 'x-filename': 'seed-001-exposure-modes.yaml' });
    for (let i = 0; snap.status === 'pending' && i < 300; i++) {
      await sleep(100);
      snap = await api('GET', `/v1/snapshots/${snap.id}`);
    }
    if (snap.status !== 'ready') throw new Error(`seed-001 snapshot is ${snap.status}`);
    log(`cluster ${clusterId}, snapshot ${snap.id} ready`);

    const hook = `${stack.baseUrl}/v1/webhooks/ci/${clusterId}`;
    const deliver = async (wait: number): Promise<{ status: number; body: any }> => {
      const body = envelopeOf(++deliveries);
      const r = await fetch(`${hook}${wait ? `?wait=${wait}` : ''}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...signed(secret, body) },
        body,
      });
      return { status: r.status, body: await r.json() };
    };

    // --- warm-up (JIT, connection pools, the worker's engine cache), and the verdict we measure
    let sample: any;
    for (let i = 0; i < 20; i++) sample = (await deliver(10)).body;
    if (sample?.status !== 'done') throw new Error(`warm-up delivery did not finish: ${JSON.stringify(sample)}`);
    const objects = 4;
    log(`verdict ${sample.verdict}: ${sample.findings.length} findings (${sample.findings.map((f: any) => f.rule).join(', ')})`);

    // --- baseline 1: the same manifests through the engine in-process (no HTTP, queue, database)
    const engine = new ClusterEngine(loadSnapshot([{ name: 'seed-001', text: seedText }]).snapshot);
    const inputs = parseWebhookBody(envelope).inputs;
    for (let i = 0; i < 50; i++) analyzeInputs(inputs, engine, snap.id);
    const engineSamples: number[] = [];
    const te = process.hrtime.bigint();
    for (let i = 0; i < 500; i++) {
      const t0 = process.hrtime.bigint();
      analyzeInputs(inputs, engine, snap.id);
      engineSamples.push(ms(t0));
    }
    const engineLat = lat(engineSamples);
    const enginePerSec = 500 / (ms(te) / 1000);

    // --- baseline 2: a bare node:http echo over loopback with the same signed bodies
    const echoSend = async () => {
      const r = await fetch(echo.url, { method: 'POST', headers: { 'content-type': 'application/json', ...signed(secret, envelope) }, body: envelope });
      await r.arrayBuffer();
      return r.ok;
    };
    await closedLoop(200, CONCURRENCY, echoSend);
    const echoTput = await closedLoop(N, CONCURRENCY, echoSend);
    const echoRate = await atFixedRate(RATE_COUNT, RATE, echoSend);

    // --- throughput: N signed deliveries (202) from CONCURRENCY clients, until every verdict is stored
    const before = Number((await owner.query<{ n: string }>(`SELECT count(*) AS n FROM analyses WHERE cluster_id = $1 AND status IN ('done', 'failed')`, [clusterId])).rows[0]?.n);
    const cpu0 = stack.cpu();
    const client0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const accept = await closedLoop(N, CONCURRENCY, async () => (await deliver(0)).status === 202);
    let finished = 0;
    const drainUntil = Date.now() + 180_000;
    for (;;) {
      const rows = (await owner.query<{ status: string; n: string }>(`SELECT status, count(*) AS n FROM analyses WHERE cluster_id = $1 GROUP BY status`, [clusterId])).rows;
      const by = Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
      finished = (by['done'] ?? 0) + (by['failed'] ?? 0) - before;
      if (finished >= N - accept.failed || Date.now() > drainUntil) break;
      await sleep(20);
    }
    const endToEndSec = ms(t0) / 1000;
    const cpuPer = perDelivery(diffCpu(cpu0, stack.cpu()), finished);
    const clientCpu = process.cpuUsage(client0);
    const clientPer = (clientCpu.user + clientCpu.system) / 1000 / Math.max(finished, 1);
    const failedRows = Number((await owner.query<{ n: string }>(`SELECT count(*) AS n FROM analyses WHERE cluster_id = $1 AND status = 'failed'`, [clusterId])).rows[0]?.n);
    const tput = finished / endToEndSec;

    // --- latency at a fixed 20 requests/s, each ?wait=10 until the verdict is inline
    await sleep(500);
    const cpu1 = stack.cpu();
    const rate = await atFixedRate(RATE_COUNT, RATE, async () => {
      const r = await deliver(10);
      return r.status === 200 && r.body.status === 'done' && typeof r.body.verdict === 'string';
    });
    const cpuRate = perDelivery(diffCpu(cpu1, stack.cpu()), RATE_COUNT);

    const row = (cells: string[]) => console.log(`| ${cells.join(' | ')} |`);
    console.log(`\nCI webhook, seed-001 cluster, one delivery = ${inputs.length} files / ${objects} objects (envelope, ${envelope.length} bytes), verdict ${sample.verdict}`);
    console.log(`machine: ${cpus().length} CPUs shared by the bench client, API, worker, Postgres and Redis (and whatever else runs: load average now ${loadavg()[0]?.toFixed(2)})\n`);
    row(['measure', 'webhook (HTTP → queue → worker → Postgres)', 'baseline: engine in-process', 'baseline: node:http echo', 'goal']);
    row(['---', '---', '---', '---', '---']);
    row([
      `throughput, ${N} deliveries, ${CONCURRENCY} clients`,
      `${tput.toFixed(0)} deliveries/s end to end, each ${inputs.length} manifest files (accepted at ${accept.perSec.toFixed(0)}/s; ${finished}/${N} verdicts in ${endToEndSec.toFixed(1)} s; ${accept.failed} refused, ${failedRows} failed rows)`,
      `${enginePerSec.toFixed(0)} /s on one core`,
      `${echoTput.perSec.toFixed(0)} /s`,
      '≥ 100 manifests/s (read as deliveries/s)',
    ]);
    row([
      `latency at ${RATE}/s (${RATE_COUNT} requests, ?wait=10)`,
      `p50 ${fmt(rate.lat.p50)}, p99 ${fmt(rate.lat.p99)}, max ${fmt(rate.lat.max)} (${rate.failed} without an inline verdict)`,
      `p50 ${fmt(engineLat.p50)}, p99 ${fmt(engineLat.p99)}`,
      `p50 ${fmt(echoRate.lat.p50)}, p99 ${fmt(echoRate.lat.p99)}`,
      'p99 ≤ 500 ms',
    ]);
    const cpuLine = (c: CpuSample) => `api ${c.api.toFixed(1)} + worker ${c.worker.toFixed(1)} + Postgres ${c.postgres.toFixed(1)} + Redis ${c.redis.toFixed(1)} = ${total(c).toFixed(1)} ms`;
    console.log(`\nCPU per delivery (from /proc, independent of other load on the machine):`);
    console.log(`  throughput phase (202, no wait): ${cpuLine(cpuPer)}; the bench client ${clientPer.toFixed(1)} ms; the engine alone ${(1000 / enginePerSec).toFixed(1)} ms`);
    console.log(`  latency phase (?wait=10: the API waits for the worker's NOTIFY, then reads the row): ${cpuLine(cpuRate)}`);
    console.log(`  → with ${cpus().length} cores for the service alone: about ${((cpus().length * 1000) / total(cpuPer)).toFixed(0)} deliveries/s (CPU-bound estimate)`);
    console.log(
      `\noverhead over the engine at p99: ${fmt(rate.lat.p99 - engineLat.p99)} (HTTP, the queue hand-off, three Postgres transactions — API: create, one statement; worker: claim, finish — plus the cluster lookup by signature, the NOTIFY that wakes the waiting request and its read of the verdict); ratio webhook/echo p99 ${(rate.lat.p99 / echoRate.lat.p99).toFixed(1)}x`,
    );
  } finally {
    echo.stop();
    await owner.end().catch(() => undefined);
    await stack.stop();
    clearTimeout(guard);
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exitCode = 1;
});
