import pg from 'pg';

/**
 * What one process tells the others through Postgres: caches that hold state for a few seconds (API keys, which
 * snapshot is "latest") drop it the moment the change commits, in every API process and worker, on any host; and a
 * request waiting for an analysis (`?wait`) answers as soon as the worker finishes it.
 */
export type DatabaseEvent =
  | { type: 'api-key-revoked'; tenantId: string; keyId: string }
  | { type: 'snapshot-ready'; tenantId: string; clusterId: string; snapshotId: string }
  | { type: 'analysis-finished'; tenantId: string; analysisId: string };

/**
 * Delivered to subscribers besides the events: the listening connection was (re)established, so events may have
 * been missed while it was down and every cached state is suspect.
 */
export type EventsResync = { type: 'resync' };

export const EVENTS_CHANNEL = 'portolan_events';

export const eventPayload = (e: DatabaseEvent): string => JSON.stringify(e);

/** The statement that publishes an event: run it inside the transaction that makes the change, so it goes at COMMIT. */
export const notifyStatement = (e: DatabaseEvent): { text: string; values: string[] } => ({ text: 'SELECT pg_notify($1, $2)', values: [EVENTS_CHANNEL, eventPayload(e)] });

const isEvent = (v: unknown): v is DatabaseEvent => {
  const e = v as Partial<Record<string, unknown>> | null;
  if (!e || typeof e !== 'object' || typeof e['tenantId'] !== 'string') return false;
  if (e['type'] === 'api-key-revoked') return typeof e['keyId'] === 'string';
  if (e['type'] === 'snapshot-ready') return typeof e['clusterId'] === 'string' && typeof e['snapshotId'] === 'string';
  if (e['type'] === 'analysis-finished') return typeof e['analysisId'] === 'string';
  return false;
};

export interface EventsLog {
  warn(msg: string): void;
}

/**
 * One LISTEN connection per process, opened with the first subscriber and reopened (1 s, doubling to 30 s) when it
 * drops; every (re)open tells subscribers to resync. Events that do not parse are ignored: a newer process may
 * publish kinds this one does not know.
 */
export class DatabaseEvents {
  private readonly subscribers = new Set<(e: DatabaseEvent | EventsResync) => void>();
  private client: pg.Client | undefined;
  private closed = false;
  private retryMs = 1000;
  private timer: NodeJS.Timeout | undefined;
  private started = false;
  private markListening: () => void = () => undefined;
  /** Resolves the first time this process listens. */
  readonly listening = new Promise<void>((resolve) => (this.markListening = resolve));

  constructor(
    private readonly url: string,
    private readonly log: EventsLog = { warn: () => undefined },
  ) {}

  subscribe(fn: (e: DatabaseEvent | EventsResync) => void): () => void {
    this.subscribers.add(fn);
    if (!this.started) {
      this.started = true;
      void this.connect();
    }
    return () => void this.subscribers.delete(fn);
  }

  private emit(e: DatabaseEvent | EventsResync): void {
    for (const fn of this.subscribers) {
      try {
        fn(e);
      } catch (err) {
        this.log.warn(`an events subscriber failed: ${(err as Error).message}`);
      }
    }
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({ connectionString: this.url });
    const lost = (why: string) => {
      if (this.client !== client || this.closed) return;
      this.client = undefined;
      client.removeAllListeners();
      // pg emits 'error' after 'end' (or twice) when Postgres terminates the connection: stay listening, or the
      // process dies of an unhandled 'error' event while Postgres shuts down
      client.on('error', () => undefined);
      client.end().catch(() => undefined);
      this.log.warn(`events connection lost (${why}); reconnecting in ${this.retryMs} ms`);
      this.timer = setTimeout(() => void this.connect(), this.retryMs);
      this.timer.unref();
      this.retryMs = Math.min(this.retryMs * 2, 30_000);
    };
    try {
      this.client = client;
      client.on('error', (e) => lost(e.message));
      client.on('end', () => lost('connection ended'));
      client.on('notification', (n) => {
        if (n.channel !== EVENTS_CHANNEL || !n.payload) return;
        let e: unknown;
        try {
          e = JSON.parse(n.payload);
        } catch {
          return;
        }
        if (isEvent(e)) this.emit(e);
      });
      await client.connect();
      await client.query(`LISTEN ${EVENTS_CHANNEL}`);
      this.retryMs = 1000;
      this.emit({ type: 'resync' });
      this.markListening();
    } catch (e) {
      lost((e as Error).message);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    const c = this.client;
    this.client = undefined;
    if (c) {
      c.removeAllListeners();
      await c.end().catch(() => undefined);
    }
  }
}
