import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { TenantContext } from '@portolan/contracts';
import { DatabaseEvents, hashApiKey } from '@portolan/persistence';
import { LRUCache } from 'lru-cache';

/**
 * Valid keys are remembered for a few seconds so a busy portal does not pay a database round trip per request.
 * Only successes are cached (a flood of wrong keys cannot crowd out real ones for long, and never authenticates).
 * Revoking a key forgets it here at once, and in every other API process when the revocation commits (Postgres
 * NOTIFY); TTL_MS bounds the window only while a process's events connection is down. A key that expires sooner
 * is cached only until its expiry.
 */
@Injectable()
export class AuthCache implements OnModuleDestroy {
  static readonly TTL_MS = 5000;
  private readonly byHash = new LRUCache<string, TenantContext>({ max: 10_000, ttl: AuthCache.TTL_MS });
  private readonly unsubscribe: () => void;

  constructor(events: DatabaseEvents) {
    this.unsubscribe = events.subscribe((e) => {
      if (e.type === 'api-key-revoked') this.forgetActor(e.keyId);
      else if (e.type === 'resync') this.byHash.clear();
    });
  }

  onModuleDestroy(): void {
    this.unsubscribe();
  }

  get(key: string): TenantContext | undefined {
    return this.byHash.get(hashApiKey(key));
  }

  set(key: string, ctx: TenantContext, expiresAt: Date | null = null): void {
    const ttl = expiresAt ? Math.min(AuthCache.TTL_MS, expiresAt.getTime() - Date.now()) : AuthCache.TTL_MS;
    if (ttl > 0) this.byHash.set(hashApiKey(key), ctx, { ttl });
  }

  forgetActor(actorId: string): void {
    for (const [hash, ctx] of this.byHash.entries()) if (ctx.actorId === actorId) this.byHash.delete(hash);
  }
}
