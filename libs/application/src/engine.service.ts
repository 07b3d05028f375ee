import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@portolan/config';
import type { TenantContext } from '@portolan/contracts';
import { buildSnapshot, ClusterEngine, fromObjects } from '@portolan/netsim';
import { ClustersRepository, DatabaseEvents, SnapshotsRepository, type ClusterRow, type SnapshotRow } from '@portolan/persistence';
import { LRUCache } from 'lru-cache';
import { profileOf } from './cluster-profile';
import { AppError } from './errors';

export interface LoadedSnapshot {
  snapshot: SnapshotRow;
  engine: ClusterEngine;
}

/**
 * Engines per snapshot. Snapshots are immutable, so a snapshot's objects are read from Postgres and built into an
 * engine once, then shared by every question (concurrent first requests share one load). Access is re-checked on
 * every call through the tenant-scoped repository; the cache key carries the tenant as well.
 */
@Injectable()
export class EngineService implements OnModuleDestroy {
  static readonly RESOLVE_TTL_MS = 2000;
  private readonly cache: LRUCache<string, Promise<ClusterEngine>>;
  /**
   * Which snapshot a question is about (and that the caller may see the cluster), remembered for RESOLVE_TTL_MS:
   * a warm question then costs no database round trip. A new import becomes "latest" when the import commits (the
   * worker's `snapshot-ready` event); RESOLVE_TTL_MS bounds the delay only while the events connection is down.
   */
  private readonly resolved = new LRUCache<string, Promise<{ cluster: ClusterRow; snapshot: SnapshotRow }>>({ max: 10_000, ttl: EngineService.RESOLVE_TTL_MS });
  private readonly unsubscribe: () => void;

  constructor(
    private readonly snapshots: SnapshotsRepository,
    private readonly clusters: ClustersRepository,
    @Inject(APP_CONFIG) config: AppConfig,
    events: DatabaseEvents,
  ) {
    this.cache = new LRUCache({ max: config.snapshots.engineCacheSize });
    this.unsubscribe = events.subscribe((e) => {
      if (e.type === 'snapshot-ready') this.resolved.delete(`${e.tenantId}/${e.clusterId}/latest`);
      else if (e.type === 'resync') this.resolved.clear();
    });
  }

  onModuleDestroy(): void {
    this.unsubscribe();
  }

  /** The snapshot (ready) and its engine; `snapshotId` absent means the cluster's latest ready snapshot. */
  async load(ctx: TenantContext, clusterId: string, snapshotId?: string | null): Promise<LoadedSnapshot> {
    const rkey = `${ctx.tenantId}/${clusterId}/${snapshotId ?? 'latest'}`;
    let resolution = this.resolved.get(rkey);
    if (!resolution) {
      resolution = this.resolve(ctx, clusterId, snapshotId);
      this.resolved.set(rkey, resolution);
      resolution.catch(() => this.resolved.delete(rkey));
    }
    const { cluster, snapshot } = await resolution;
    const key = `${ctx.tenantId}/${snapshot.id}`;
    let engine = this.cache.get(key);
    if (!engine) {
      const s = snapshot;
      engine = (async () => {
        const rows = await this.snapshots.loadObjects(ctx, s.id);
        return new ClusterEngine(buildSnapshot(fromObjects(rows.map((r) => r.raw), `snapshot ${s.id}`), { defaults: profileOf(cluster) }).snapshot);
      })();
      this.cache.set(key, engine);
      engine.catch(() => this.cache.delete(key));
    }
    return { snapshot, engine: await engine };
  }

  private async resolve(ctx: TenantContext, clusterId: string, snapshotId?: string | null): Promise<{ cluster: ClusterRow; snapshot: SnapshotRow }> {
    const cluster = await this.clusters.get(ctx, clusterId);
    if (!cluster) throw AppError.notFound('cluster', clusterId);
    let snapshot: SnapshotRow | null;
    if (snapshotId) {
      snapshot = await this.snapshots.get(ctx, snapshotId);
      if (!snapshot || snapshot.clusterId !== clusterId) throw AppError.notFound('snapshot', snapshotId);
      if (snapshot.status !== 'ready') throw new AppError('SNAPSHOT_NOT_READY', `snapshot ${snapshotId} is ${snapshot.status}, not ready`);
    } else {
      snapshot = await this.snapshots.latestReady(ctx, clusterId);
      if (!snapshot) throw new AppError('SNAPSHOT_NOT_READY', `cluster ${JSON.stringify(cluster.name)} has no ready snapshot yet: upload one first`);
    }
    return { cluster, snapshot };
  }
}
