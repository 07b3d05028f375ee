import { closeProvisioner, createCluster, http, newTenant } from './support/client';

/** An in-cluster source reads Portolan's own cluster as the worker's service account: the operator opts tenants in. */
afterAll(() => closeProvisioner());

describe('in-cluster import source', () => {
  it('is refused for a tenant the operator did not enable, and never mixed with credentials', async () => {
    const t = await newTenant('admin');
    const c = await createCluster(t.key);
    const refused = await http('PUT', `/v1/clusters/${c.id}/import-source`, { key: t.key, json: { inCluster: true, schedule: '0 3 * * *' } });
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toContain('IMPORT_IN_CLUSTER_TENANTS');
    const mixed = await http('PUT', `/v1/clusters/${c.id}/import-source`, { key: t.key, json: { inCluster: true, token: 'secret-token', schedule: '0 3 * * *' } });
    expect(mixed.status).toBe(400);
    expect(mixed.body.error.details).toEqual([expect.objectContaining({ field: 'token' })]);
    expect(JSON.stringify(mixed.body)).not.toContain('secret-token');
    expect((await http('GET', `/v1/clusters/${c.id}/import-source`, { key: t.key })).status).toBe(404);
  });
});
