import pg from 'pg';
import { AuthRepository } from '../src/auth.repository';
import { ClustersRepository } from '../src/clusters.repository';
import { Database } from '../src/database';
import { ExemptionsRepository } from '../src/exemptions.repository';
import { TenantProvisioner } from '../src/provisioning';
import { SnapshotsRepository } from '../src/snapshots.repository';
import { databaseUrls, freshTenant, newCluster } from './support';

const urls = databaseUrls();
const db = new Database(urls.app, 4);
const provisioner = new TenantProvisioner(urls.owner);
const clusters = new ClustersRepository(db);
const snapshots = new SnapshotsRepository(db);
const auth = new AuthRepository(db);

afterAll(async () => {
  await db.close();
  await provisioner.close();
});

describe('tenant isolation in Postgres', () => {
  it('connects as a role that row-level security applies to', async () => {
    expect(await db.bypassesRowLevelSecurity()).toBe(false);
  });

  it("answers another tenant's cluster as not found through the repository", async () => {
    const a = await freshTenant(provisioner);
    const b = await freshTenant(provisioner);
    const c = await clusters.create(a, newCluster('prod'));
    expect((await clusters.get(a, c.id))?.name).toBe('prod');
    expect(await clusters.get(b, c.id)).toBeNull();
    expect(await clusters.getMany(b, [c.id])).toEqual([]);
    expect((await clusters.list(b, { first: 10 })).items).toEqual([]);
  });

  it('shows a raw query without the tenant set no rows at all, though rows exist', async () => {
    const a = await freshTenant(provisioner);
    await clusters.create(a, newCluster('raw'));
    const owner = new pg.Client({ connectionString: urls.owner });
    const app = new pg.Client({ connectionString: urls.app });
    await owner.connect();
    await app.connect();
    try {
      const asOwner = await owner.query('SELECT count(*)::int AS n FROM clusters WHERE tenant_id = $1', [a.tenantId]);
      expect(asOwner.rows[0].n).toBe(1);
      const unset = await app.query('SELECT count(*)::int AS n FROM clusters');
      expect(unset.rows[0].n).toBe(0);
      const tenants = await app.query('SELECT count(*)::int AS n FROM tenants');
      expect(tenants.rows[0].n).toBe(0);
    } finally {
      await owner.end();
      await app.end();
    }
  });

  it("filters even a query that names the other tenant's id, and refuses to write rows for it", async () => {
    const a = await freshTenant(provisioner);
    const b = await freshTenant(provisioner);
    await clusters.create(a, newCluster('victim'));
    const app = new pg.Client({ connectionString: urls.app });
    await app.connect();
    try {
      await app.query('BEGIN');
      await app.query("SELECT set_config('portolan.tenant_id', $1, true)", [b.tenantId]);
      const peek = await app.query('SELECT count(*)::int AS n FROM clusters WHERE tenant_id = $1', [a.tenantId]);
      expect(peek.rows[0].n).toBe(0);
      await expect(
        app.query(
          `INSERT INTO clusters (tenant_id, name, kubernetes_version, kube_proxy, cni, node_port_range, container_runtime, webhook_secret, updated_at)
           VALUES ($1, 'planted', '1.33', '{}', '{}', '30000-32767', 'containerd', 'x', now())`,
          [a.tenantId],
        ),
      ).rejects.toThrow(/row-level security/);
      await app.query('ROLLBACK');
    } finally {
      await app.end();
    }
  });

  it("hides another tenant's check exemptions from the application role, and refuses to plant one for it", async () => {
    const a = await freshTenant(provisioner);
    const b = await freshTenant(provisioner);
    const ca = await clusters.create(a, newCluster('exempt-a'));
    const repo = new ExemptionsRepository(db);
    const e = await repo.create(a, { clusterId: ca.id, rule: 'hostport-duplicate', selector: { kind: 'Deployment' }, reason: 'known', expiresAt: null });
    expect((await repo.list(a, ca.id)).map((x) => x.id)).toEqual([e.id]);
    expect(await repo.list(b, ca.id)).toEqual([]);
    expect(await repo.delete(b, ca.id, e.id)).toBeNull();
    const app = new pg.Client({ connectionString: urls.app });
    await app.connect();
    try {
      await app.query('BEGIN');
      await app.query("SELECT set_config('portolan.tenant_id', $1, true)", [b.tenantId]);
      expect((await app.query('SELECT count(*)::int AS n FROM check_exemptions WHERE id = $1', [e.id])).rows[0].n).toBe(0);
      await expect(app.query("INSERT INTO check_exemptions (tenant_id, cluster_id, rule, selector, reason) VALUES ($1, $2, 'hostport-duplicate', '{}', 'planted')", [a.tenantId, ca.id])).rejects.toThrow(/row-level security/);
      await app.query('ROLLBACK');
    } finally {
      await app.end();
    }
    expect((await repo.list(a, ca.id)).map((x) => x.id)).toEqual([e.id]);
  });

  it("rejects, in the database itself and even as the tables' owner, rows of one tenant pointing at another's", async () => {
    const a = await freshTenant(provisioner);
    const b = await freshTenant(provisioner);
    const ca = await clusters.create(a, newCluster('fk-a'));
    const cb = await clusters.create(b, newCluster('fk-b'));
    const owner = new pg.Client({ connectionString: urls.owner });
    await owner.connect();
    try {
      const insertSnapshot = (tenantId: string, clusterId: string) =>
        owner.query("INSERT INTO snapshots (id, tenant_id, cluster_id, source, status, content_hash) VALUES (gen_random_uuid(), $1, $2, 'upload', 'pending', md5(random()::text)) RETURNING id", [tenantId, clusterId]);
      await expect(insertSnapshot(a.tenantId, cb.id)).rejects.toMatchObject({ code: '23503', constraint: 'snapshots_tenant_id_cluster_id_fkey' });
      const own = await insertSnapshot(a.tenantId, ca.id);
      const snapshotId = own.rows[0].id as string;
      await expect(owner.query("INSERT INTO snapshot_objects (tenant_id, snapshot_id, kind, name, raw) VALUES ($1, $2, 'Node', 'n', '{}')", [b.tenantId, snapshotId])).rejects.toMatchObject({ code: '23503', constraint: 'snapshot_objects_tenant_id_snapshot_id_fkey' });
      await expect(owner.query("INSERT INTO analyses (tenant_id, cluster_id, source, manifests) VALUES ($1, $2, 'api', '')", [b.tenantId, ca.id])).rejects.toMatchObject({ code: '23503', constraint: 'analyses_tenant_id_cluster_id_fkey' });
      // an analysis of another tenant's snapshot, a delivery for another tenant's cluster
      const ownAnalysis = await owner.query("INSERT INTO analyses (tenant_id, cluster_id, source, manifests, snapshot_id) VALUES ($1, $2, 'api', '', $3) RETURNING id", [a.tenantId, ca.id, snapshotId]);
      const otherSnapshot = await insertSnapshot(b.tenantId, cb.id);
      await expect(owner.query("INSERT INTO analyses (tenant_id, cluster_id, source, manifests, snapshot_id) VALUES ($1, $2, 'api', '', $3)", [a.tenantId, ca.id, otherSnapshot.rows[0].id])).rejects.toMatchObject({ code: '23503', constraint: 'analyses_tenant_id_snapshot_id_fkey' });
      await expect(owner.query("INSERT INTO webhook_deliveries (tenant_id, cluster_id, delivery_id, body_hash, analysis_id) VALUES ($1, $2, 'd1', 'h', $3)", [a.tenantId, cb.id, ownAnalysis.rows[0].id])).rejects.toMatchObject({ code: '23503', constraint: 'webhook_deliveries_tenant_id_cluster_id_fkey' });
      // moving a row to another tenant is refused as well
      await expect(owner.query('UPDATE snapshots SET tenant_id = $1 WHERE id = $2', [b.tenantId, snapshotId])).rejects.toMatchObject({ code: '23503' });
      // pruning the analysed snapshot keeps the analysis, without its snapshot (SET NULL on snapshot_id alone)
      await owner.query('DELETE FROM snapshots WHERE id = $1', [snapshotId]);
      const kept = await owner.query('SELECT tenant_id, snapshot_id FROM analyses WHERE id = $1', [ownAnalysis.rows[0].id]);
      expect(kept.rows).toEqual([{ tenant_id: a.tenantId, snapshot_id: null }]);
    } finally {
      await owner.end();
    }
  });

  it('authenticates a key to its tenant, and nothing else', async () => {
    const a = await freshTenant(provisioner, 'reader');
    const ctx = await auth.authenticate(a.key);
    expect(ctx).toMatchObject({ tenantId: a.tenantId, role: 'reader' });
    expect(await auth.authenticate(a.key + 'x')).toBeNull();
    expect(await auth.authenticate('')).toBeNull();
  });

  it('treats malformed ids as not found instead of failing the query', async () => {
    const a = await freshTenant(provisioner);
    expect(await clusters.get(a, 'not-a-uuid')).toBeNull();
    expect(await snapshots.get(a, "'; drop table clusters; --")).toBeNull();
  });
});

describe('snapshots', () => {
  it('stays pending and invisible as objects until complete() stores it whole', async () => {
    const a = await freshTenant(provisioner);
    const c = await clusters.create(a, newCluster('snap'));
    const s = await snapshots.createPending(a, { clusterId: c.id, source: 'upload', contentHash: 'h1', upload: { parts: [], content: new Uint8Array([1, 2, 3]) } });
    expect((await snapshots.getUpload(a, s.id))?.content).toHaveLength(3);
    expect(await snapshots.latestReady(a, c.id)).toBeNull();
    await snapshots.complete(a, s.id, [{ kind: 'Node', namespace: '', name: 'n1', raw: { kind: 'Node' } }], { counts: { nodes: 1 }, warnings: [] });
    expect((await snapshots.latestReady(a, c.id))?.id).toBe(s.id);
    expect(await snapshots.getUpload(a, s.id)).toBeNull();
    expect((await snapshots.loadObjects(a, s.id)).map((o) => o.name)).toEqual(['n1']);
  });

  it('stores nothing when the validation that runs during the insert throws, and keeps the upload', async () => {
    const a = await freshTenant(provisioner);
    const c = await clusters.create(a, newCluster('invalid'));
    const s = await snapshots.createPending(a, { clusterId: c.id, source: 'upload', contentHash: 'h3', upload: { parts: [], content: new Uint8Array([7]) } });
    const rows = Array.from({ length: 2500 }, (_, i) => ({ kind: 'Pod', namespace: 'default', name: `p${i}`, raw: { kind: 'Pod', metadata: { name: `p${i}` } } }));
    await expect(
      snapshots.complete(a, s.id, rows, () => {
        throw new Error('spec.containers[0].name: Required value');
      }),
    ).rejects.toThrow('Required value');
    expect(await snapshots.get(a, s.id)).toMatchObject({ status: 'pending', readyAt: null });
    expect(await snapshots.loadObjects(a, s.id)).toEqual([]);
    expect((await snapshots.getUpload(a, s.id))?.content).toHaveLength(1);
    // and the same call with a validation that passes stores all of them
    await snapshots.complete(a, s.id, rows, () => ({ counts: { pods: rows.length }, warnings: [] }));
    expect(await snapshots.loadObjects(a, s.id)).toHaveLength(2500);
  });

  it('stores every column of every object exactly, whatever characters COPY has to escape', async () => {
    const a = await freshTenant(provisioner);
    const c = await clusters.create(a, newCluster('copy'));
    const s = await snapshots.createPending(a, { clusterId: c.id, source: 'upload', contentHash: 'h2', upload: { parts: [], content: new Uint8Array([1]) } });
    const tricky = 'tab\there, newline\nthere, CR\r, backslash \\ and \\N, quote " and unicode é ✓';
    const objects = [
      { kind: 'Node', namespace: '', name: 'n1', nodeName: null, hostNetwork: null, phase: null, ip: null, labels: null, raw: { kind: 'Node', metadata: { name: 'n1', annotations: { note: tricky } } } },
      { kind: 'Pod', namespace: 'ns\\odd', name: 'p1', nodeName: 'n1', hostNetwork: true, phase: 'Running', ip: '10.0.0.5', labels: { app: tricky }, raw: { kind: 'Pod', spec: { hostNetwork: true }, list: [1, 2.5, null, false] } },
      { kind: 'Pod', namespace: 'default', name: 'p2', nodeName: 'n1', hostNetwork: false, phase: 'Pending', ip: null, labels: {}, raw: { kind: 'Pod' } },
    ];
    await snapshots.complete(a, s.id, objects, { counts: { nodes: 1, pods: 2 }, warnings: [{ message: tricky }] });
    const stored = await snapshots.loadObjects(a, s.id);
    expect(stored.map(({ kind, namespace, name, nodeName, hostNetwork, phase, ip, labels, raw }) => ({ kind, namespace, name, nodeName, hostNetwork, phase, ip, labels, raw }))).toEqual(objects);
    expect(await snapshots.get(a, s.id)).toMatchObject({ status: 'ready', counts: { nodes: 1, pods: 2 }, warnings: [{ message: tricky }], readyAt: expect.any(Date) });
    // the other tenant sees none of them
    const b = await freshTenant(provisioner);
    expect(await snapshots.loadObjects(b, s.id)).toEqual([]);
  });

  it('keeps the newest N ready snapshots and, separately, the newest few failed ones; never a pending one', async () => {
    const a = await freshTenant(provisioner);
    const c = await clusters.create(a, newCluster('ret'));
    const ready: string[] = [];
    for (let i = 0; i < 4; i++) {
      const s = await snapshots.createPending(a, { clusterId: c.id, source: 'upload', contentHash: `h${i}` });
      await snapshots.complete(a, s.id, [], { counts: {}, warnings: [] });
      ready.push(s.id);
    }
    const failed: string[] = [];
    for (let i = 0; i < 4; i++) {
      const s = await snapshots.createPending(a, { clusterId: c.id, source: 'schedule', contentHash: null });
      await snapshots.fail(a, s.id, { message: `down ${i}` });
      failed.push(s.id);
    }
    const pending = await snapshots.createPending(a, { clusterId: c.id, source: 'schedule', contentHash: null });
    // Newer failures must not push the last good snapshots out: 2 of 4 ready go, 1 of 4 failed goes.
    expect(await snapshots.applyRetention(a, c.id, 2, 3)).toBe(3);
    const left = (await snapshots.list(a, c.id, { first: 20 })).items.map((s) => s.id);
    expect(left.sort()).toEqual([ready[2], ready[3], failed[1], failed[2], failed[3], pending.id].sort());
    expect((await snapshots.latestReady(a, c.id))?.id).toBe(ready[3]);
    expect((await snapshots.latestBySource(a, c.id, 'schedule'))?.id).toBe(pending.id);
  });
});
