import cluster, { type Worker } from 'node:cluster';
import { Worker as Thread } from 'node:worker_threads';
import { AggregatorRegistry, type Registry } from 'prom-client';
import pino from 'pino';

/** IPC between an API process answering GET /metrics and the primary, which gathers every process's registry. */
export const METRICS_REQ = 'portolan:metrics:req';
export const METRICS_RES = 'portolan:metrics:res';

const RESTART_WINDOW_MS = 60_000;
const MAX_RESTARTS = 5;
/**
 * How long an API process may take to drain after SIGTERM, or to exit once its primary is gone: then it is killed.
 * A process whose event loop is blocked never runs its own signal handlers, so only another thread or process can
 * end it.
 */
export const DRAIN_LIMIT_MS = 15_000;

/**
 * The primary of API_PROCESSES > 1: forks the API processes (they share the listening socket through node:cluster),
 * replaces one that dies, gives up when they keep dying (MAX_RESTARTS within a minute: exit 1 so the supervisor
 * sees it), forwards SIGTERM/SIGINT and exits once every process has drained, killing one still running after
 * DRAIN_LIMIT_MS (exit 1 then). It serves no request itself.
 */
export function runPrimary(processes: number, level: string): void {
  const log = pino({ level, base: { role: 'api-primary', pid: process.pid } });
  const metrics = new AggregatorRegistry();
  const restarts: number[] = [];
  let stopping = false;

  const live = new Set<Worker>();
  const fork = (): void => void live.add(cluster.fork());
  for (let i = 0; i < processes; i++) fork();

  cluster.on('message', (worker, msg: { type?: string; id?: number }) => {
    if (msg?.type !== METRICS_REQ) return;
    metrics.clusterMetrics().then(
      (text) => worker.send({ type: METRICS_RES, id: msg.id, text }),
      (e: Error) => worker.send({ type: METRICS_RES, id: msg.id, error: e.message }),
    );
  });

  cluster.on('exit', (worker, code, signal) => {
    live.delete(worker);
    if (stopping) {
      if (live.size === 0) process.exit(process.exitCode ?? 0);
      return;
    }
    const now = Date.now();
    restarts.push(now);
    while ((restarts[0] ?? now) < now - RESTART_WINDOW_MS) restarts.shift();
    if (restarts.length > MAX_RESTARTS) {
      log.fatal({ code, signal }, `API processes keep exiting (${restarts.length} in a minute): giving up`);
      stopping = true;
      process.exitCode = 1;
      for (const w of live) w.process.kill('SIGTERM');
      if (live.size === 0) process.exit(1);
      return;
    }
    log.error({ code, signal, worker: worker.process.pid }, 'API process exited; starting another');
    fork();
  });

  const stop = (sig: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info(`${sig}: draining ${processes} API processes`);
    for (const w of live) w.process.kill('SIGTERM');
    if (live.size === 0) process.exit(0);
    setTimeout(() => {
      log.error({ pids: [...live].map((w) => w.process.pid) }, `API processes still running ${DRAIN_LIMIT_MS} ms after SIGTERM: killing them`);
      process.exitCode = 1;
      for (const w of live) w.process.kill('SIGKILL');
    }, DRAIN_LIMIT_MS).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  log.info(`starting ${processes} API processes`);
}

let nextId = 0;
let listening = false;
const pending = new Map<number, { resolve: (text: string) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();

/** In an API process under a primary: every process's metrics, summed by the primary (prom-client's aggregation). */
export function clusterMetrics(timeoutMs = 5000): Promise<string> {
  if (!listening) {
    listening = true;
    process.on('message', (msg: { type?: string; id?: number; text?: string; error?: string }) => {
      const id = msg?.type === METRICS_RES ? msg.id : undefined;
      const p = id === undefined ? undefined : pending.get(id);
      if (id === undefined || !p) return;
      pending.delete(id);
      clearTimeout(p.timer);
      if (msg.error !== undefined) p.reject(new Error(msg.error));
      else p.resolve(msg.text ?? '');
    });
  }
  const id = ++nextId;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      pending.delete(id);
      reject(new Error('the API primary did not answer with the metrics in time'));
    }, timeoutMs);
    pending.set(id, { resolve, reject, timer });
    process.send?.({ type: METRICS_REQ, id });
  });
}

export const underPrimary = (): boolean => cluster.isWorker;

/** In an API process under a primary: answer the primary's requests for this process's metrics. */
export function joinPrimary(registry: Registry): void {
  AggregatorRegistry.setRegistries([registry]);
  new AggregatorRegistry(); // its constructor installs prom-client's worker-side IPC listener
  // The primary owns the listening socket: without it this process gets no connection again, so it drains and
  // exits (a SIGKILLed primary must not leave orphans holding database connections).
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  orphanWatchdog(process.ppid, DRAIN_LIMIT_MS);
}

/**
 * A thread that kills this process when its primary is gone (the parent pid changed: re-parented) and the process
 * has not exited within `limitMs`: the 'disconnect' handler above needs a free event loop, and a process blocked in a
 * request would otherwise outlive its primary, holding its database connections (and a core). Unref'd: it never
 * keeps the process alive.
 */
export function orphanWatchdog(parentPid: number, limitMs: number): Thread {
  const code = `
    const { workerData: { parentPid, limitMs } } = require('node:worker_threads');
    const poll = setInterval(() => {
      if (process.ppid === parentPid) return;
      clearInterval(poll);
      setTimeout(() => process.kill(process.pid, 'SIGKILL'), limitMs);
    }, 500);`;
  const thread = new Thread(code, { eval: true, workerData: { parentPid, limitMs } });
  thread.unref();
  return thread;
}
