import { AnalysesRepository } from '../src/analyses.repository';
import { ClustersRepository } from '../src/clusters.repository';
import { Database, isUniqueViolation } from '../src/database';
import { TenantProvisioner } from '../src/provisioning';
import { databaseUrls, freshTenant, newCluster } from './support';

const urls = databaseUrls();
const db = new Database(urls.app, 4);
const provisioner = new TenantProvisioner(urls.owner);
const clusters = new ClustersRepository(db);
const analyses = new AnalysesRepository(db);

afterAll(async () => {
  await db.close();
  await provisioner.close();
});

async function setup() {
  const t = await freshTenant(provisioner);
  const c = await clusters.create(t, newCluster('ci'));
  return { t, c };
}

const delivery = (clusterId: string, deliveryId: string, bodyHash = 'h1') => ({ clusterId, deliveryId, bodyHash, manifests: 'kind: Pod', meta: { commit: { sha: 'abc' } } });

describe('analyses: webhook deliveries', () => {
  it('creates the analysis once; a repeat finds it and says whether the body matches', async () => {
    const { t, c } = await setup();
    const first = await analyses.createForDelivery(t, delivery(c.id, 'd-1'));
    expect(first).toMatchObject({ created: true, bodyMatches: true, analysis: { clusterId: c.id, tenantId: t.tenantId, status: 'pending', source: 'webhook', manifests: 'kind: Pod', meta: { commit: { sha: 'abc' } } } });
    expect(first.analysis.createdAt).toBeInstanceOf(Date);
    expect(await analyses.get(t, first.analysis.id)).toMatchObject({ id: first.analysis.id, status: 'pending' });

    const again = await analyses.createForDelivery(t, delivery(c.id, 'd-1'));
    expect(again).toMatchObject({ created: false, bodyMatches: true, analysis: { id: first.analysis.id } });
    const other = await analyses.createForDelivery(t, delivery(c.id, 'd-1', 'h2'));
    expect(other).toMatchObject({ created: false, bodyMatches: false, analysis: { id: first.analysis.id } });
    const next = await analyses.createForDelivery(t, delivery(c.id, 'd-2'));
    expect(next.created).toBe(true);
    expect(next.analysis.id).not.toBe(first.analysis.id);
  });

  it('lets one of two concurrent first deliveries win and leaves no orphan analysis of the loser', async () => {
    const { t, c } = await setup();
    const outcomes = await Promise.allSettled(Array.from({ length: 4 }, () => analyses.createForDelivery(t, delivery(c.id, 'race'))));
    const won = outcomes.flatMap((o) => (o.status === 'fulfilled' && o.value.created ? [o.value.analysis.id] : []));
    expect(won).toHaveLength(1);
    // (whether a loser errs or already reads the winner's row depends on timing; both must hold)
    for (const o of outcomes) {
      if (o.status === 'fulfilled') expect(o.value.analysis.id).toBe(won[0]);
      else expect(isUniqueViolation(o.reason)).toBe(true);
    }
    expect((await analyses.createForDelivery(t, delivery(c.id, 'race'))).analysis.id).toBe(won[0]);
    const rows = await db.withTenant(t, (tx) => tx.analysis.count({ where: { clusterId: c.id } }));
    expect(rows).toBe(1);
  });

  it("does not see another tenant's delivery id on its own cluster", async () => {
    const a = await setup();
    const b = await setup();
    await analyses.createForDelivery(a.t, delivery(a.c.id, 'shared-id'));
    expect((await analyses.createForDelivery(b.t, delivery(b.c.id, 'shared-id'))).created).toBe(true);
  });
});

describe('analyses: the worker claims, then finishes', () => {
  it('claims a pending or running analysis, not a finished one, and finish records the snapshot and verdict', async () => {
    const { t, c } = await setup();
    const { analysis } = await analyses.createForDelivery(t, delivery(c.id, 'w-1'));
    expect(await analyses.claim(t, analysis.id)).toMatchObject({ id: analysis.id, status: 'running', manifests: 'kind: Pod' });
    expect(await analyses.claim(t, analysis.id)).toMatchObject({ status: 'running' }); // a retried attempt
    await analyses.finish(t, analysis.id, { snapshotId: null, verdict: 'fail', result: { verdict: 'fail' }, sarif: { version: '2.1.0' } });
    expect(await analyses.get(t, analysis.id)).toMatchObject({ status: 'done', verdict: 'fail', snapshotId: null, result: { verdict: 'fail' } });
    expect(await analyses.claim(t, analysis.id)).toBeNull();

    const other = await freshTenant(provisioner);
    const { analysis: second } = await analyses.createForDelivery(t, delivery(c.id, 'w-2'));
    expect(await analyses.claim(other, second.id)).toBeNull();
    expect(await analyses.claim(t, 'not-a-uuid')).toBeNull();
    expect((await analyses.get(t, second.id))?.status).toBe('pending');
  });
});
