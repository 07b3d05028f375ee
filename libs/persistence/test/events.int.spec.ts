import pg from 'pg';
import { AnalysesRepository } from '../src/analyses.repository';
import { ApiKeysRepository } from '../src/api-keys.repository';
import { ClustersRepository } from '../src/clusters.repository';
import { Database } from '../src/database';
import { DatabaseEvents, EVENTS_CHANNEL, type DatabaseEvent, type EventsResync } from '../src/events';
import { TenantProvisioner } from '../src/provisioning';
import { SnapshotsRepository } from '../src/snapshots.repository';
import { databaseUrls, freshTenant, newCluster } from './support';

const urls = databaseUrls();
const db = new Database(urls.app, 4);
const provisioner = new TenantProvisioner(urls.owner);
const clusters = new ClustersRepository(db);
const snapshots = new SnapshotsRepository(db);
const keys = new ApiKeysRepository(db);
const analyses = new AnalysesRepository(db);
const events = new DatabaseEvents(urls.app);
const heard: Array<DatabaseEvent | EventsResync> = [];
const unsubscribe = events.subscribe((e) => heard.push(e));

afterAll(async () => {
  unsubscribe();
  await events.close();
  await db.close();
  await provisioner.close();
});

/** The events heard since `from` that match, once some arrive or `ms` pass. */
async function heardSince(from: number, match: (e: DatabaseEvent | EventsResync) => boolean, ms = 2000): Promise<Array<DatabaseEvent | EventsResync>> {
  const until = Date.now() + ms;
  while (Date.now() < until && !heard.slice(from).some(match)) await new Promise((r) => setTimeout(r, 20));
  return heard.slice(from).filter(match);
}

describe('database events (LISTEN/NOTIFY)', () => {
  it('tells subscribers to resync once the connection listens', async () => {
    await events.listening;
    expect(heard[0]).toEqual({ type: 'resync' });
  });

  it('publishes snapshot-ready when an import commits, and nothing when it rolls back', async () => {
    await events.listening;
    const t = await freshTenant(provisioner);
    const c = await clusters.create(t, newCluster('ev'));
    const rows = [{ kind: 'Node', namespace: '', name: 'n1', raw: { kind: 'Node' } }];
    const failed = await snapshots.createPending(t, { clusterId: c.id, source: 'upload', contentHash: 'a', upload: { parts: [], content: new Uint8Array([1]) } });
    const mark = heard.length;
    await expect(
      snapshots.complete(t, failed.id, rows, () => {
        throw new Error('invalid');
      }),
    ).rejects.toThrow('invalid');
    const ok = await snapshots.createPending(t, { clusterId: c.id, source: 'upload', contentHash: 'b', upload: { parts: [], content: new Uint8Array([1]) } });
    await snapshots.complete(t, ok.id, rows, { counts: {}, warnings: [] });
    const ready = await heardSince(mark, (e) => e.type === 'snapshot-ready' && e.clusterId === c.id);
    expect(ready).toEqual([{ type: 'snapshot-ready', tenantId: t.tenantId, clusterId: c.id, snapshotId: ok.id }]);
  });

  it('publishes api-key-revoked once, when the key is revoked (not again for a revoked key)', async () => {
    await events.listening;
    const t = await freshTenant(provisioner);
    const { row } = await keys.create(t, 'ci', 'writer');
    const mark = heard.length;
    await keys.revoke(t, row.id);
    await keys.revoke(t, row.id);
    await new Promise((r) => setTimeout(r, 200));
    expect(await heardSince(mark, (e) => e.type === 'api-key-revoked' && e.keyId === row.id)).toEqual([{ type: 'api-key-revoked', tenantId: t.tenantId, keyId: row.id }]);
  });

  it('publishes analysis-finished when the worker records a verdict or a failure', async () => {
    await events.listening;
    const t = await freshTenant(provisioner);
    const c = await clusters.create(t, newCluster('ev'));
    const one = (await analyses.createForDelivery(t, { clusterId: c.id, deliveryId: 'e1', bodyHash: 'h', manifests: 'x' })).analysis;
    const two = (await analyses.createForDelivery(t, { clusterId: c.id, deliveryId: 'e2', bodyHash: 'h', manifests: 'x' })).analysis;
    const mark = heard.length;
    await analyses.finish(t, one.id, { snapshotId: null, verdict: 'pass', result: {}, sarif: {} });
    await analyses.failed(t, two.id, { message: 'boom' });
    const finished = await heardSince(mark, (e) => e.type === 'analysis-finished' && (e.analysisId === one.id || e.analysisId === two.id));
    await new Promise((r) => setTimeout(r, 100));
    expect(heard.slice(mark).filter((e) => e.type === 'analysis-finished' && (e.analysisId === one.id || e.analysisId === two.id))).toEqual([
      { type: 'analysis-finished', tenantId: t.tenantId, analysisId: one.id },
      { type: 'analysis-finished', tenantId: t.tenantId, analysisId: two.id },
    ]);
    expect(finished.length).toBeGreaterThan(0);
  });

  it('ignores payloads on the channel that are not events it knows', async () => {
    await events.listening;
    const mark = heard.length;
    const raw = new pg.Client({ connectionString: urls.app });
    await raw.connect();
    try {
      for (const payload of ['not json', '{"type":"cluster-deleted","tenantId":"x"}', '{"type":"api-key-revoked"}']) await raw.query('SELECT pg_notify($1, $2)', [EVENTS_CHANNEL, payload]);
      await raw.query('SELECT pg_notify($1, $2)', [EVENTS_CHANNEL, JSON.stringify({ type: 'api-key-revoked', tenantId: 't', keyId: 'k' })]);
    } finally {
      await raw.end();
    }
    expect(await heardSince(mark, () => true)).toEqual([{ type: 'api-key-revoked', tenantId: 't', keyId: 'k' }]);
  });
});
