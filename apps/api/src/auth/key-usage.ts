import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { AuthRepository } from '@portolan/persistence';
import { LRUCache } from 'lru-cache';

/**
 * `last_used_at` without a write per request: a key is written at most once per GRANULARITY_MS by this process
 * (and the SQL skips rows written by another process within that time), and the keys seen are flushed together,
 * FLUSH_DELAY_MS after the first one, in one statement. A failed flush is only logged: it must never fail a request.
 */
@Injectable()
export class KeyUsage implements OnModuleDestroy {
  static readonly GRANULARITY_MS = 5 * 60_000;
  static readonly FLUSH_DELAY_MS = 1000;
  private readonly log = new Logger(KeyUsage.name);
  /** key id → when this process last queued it; bounded like the auth cache */
  private readonly written = new LRUCache<string, number>({ max: 10_000, ttl: KeyUsage.GRANULARITY_MS });
  private readonly pending = new Set<string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly auth: AuthRepository) {}

  saw(keyId: string): void {
    if (this.written.has(keyId)) return;
    this.written.set(keyId, Date.now());
    this.pending.add(keyId);
    this.timer ??= setTimeout(() => void this.flush(), KeyUsage.FLUSH_DELAY_MS).unref();
  }

  async flush(): Promise<void> {
    this.timer = undefined;
    const ids = [...this.pending];
    this.pending.clear();
    await this.auth.touchKeys(ids, KeyUsage.GRANULARITY_MS).catch((e: Error) => {
      for (const id of ids) this.written.delete(id); // try again on the key's next request
      this.log.warn({ keys: ids.length, error: e.message }, 'last_used_at not written');
    });
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    await this.flush();
  }
}
