import { closeProvisioner, createCluster, fixture, gql, http, newTenant, waitSnapshot } from './support/client';

afterAll(closeProvisioner);

const LIST = 'query($c: ID!, $first: Int) { cluster(id: $c) { analyses(first: $first) { id source status verdict } } }';
const pod = (name: string, hostPort: number) => `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, namespace: default}\nspec:\n  containers:\n  - {name: c, image: nginx, ports: [{containerPort: 80, hostPort: ${hostPort}}]}\n`;

describe('Cluster.analyses over GraphQL (the portal\'s list of verdicts)', () => {
  it('newest first with their verdicts, first bounded to 1-50, and empty for a cluster without any', async () => {
    const w = await newTenant('writer');
    const c = await createCluster(w.key);
    const up = await http('POST', `/v1/clusters/${c.id}/snapshots`, { key: w.key, body: fixture('seed-001-exposure-modes.yaml'), headers: { 'content-type': 'application/yaml' } });
    await waitSnapshot(w.key, up.body.id);
    const submit = async (text: string) => (await http('POST', `/v1/clusters/${c.id}/analyses?wait=20`, { key: w.key, body: text, headers: { 'content-type': 'application/yaml' } })).body;
    const pass = await submit(pod('free', 8090));
    // hostPort 99999 is out of range: the API server would reject it
    const fail = await submit(pod('bad', 99999));
    const r = await gql(w.key, LIST, { c: c.id });
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data.cluster.analyses).toEqual([
      { id: fail.id, source: 'api', status: 'done', verdict: 'fail' },
      { id: pass.id, source: 'api', status: 'done', verdict: expect.stringMatching(/^(pass|warn)$/) },
    ]);
    expect((await gql(w.key, LIST, { c: c.id, first: 1 })).body.data.cluster.analyses.map((a: { id: string }) => a.id)).toEqual([fail.id]);
    const bad = await gql(w.key, LIST, { c: c.id, first: 0 });
    expect(bad.body.errors?.[0]?.message).toBe('first must be a whole number 1-50, got 0');
    const empty = await createCluster(w.key);
    expect((await gql(w.key, LIST, { c: empty.id })).body.data.cluster.analyses).toEqual([]);
    // another tenant cannot reach the cluster, so not its analyses either
    const other = await newTenant('reader');
    expect((await gql(other.key, LIST, { c: c.id })).body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });
});
