import { closeProvisioner, createCluster, fixture, gql, http, newTenant, waitSnapshot } from './support/client';

afterAll(closeProvisioner);

const DRIFT = `query($c: ID!, $n: String!, $d: String!) { iptablesDrift(clusterId: $c, node: $n, dump: $d) {
  snapshotId node clean counts { missing extra different order } findings { kind table chain expected actual wholeChain } foreign { table chain owner rules } missingTables } }`;

describe('drift over REST and GraphQL', () => {
  it("compares a node's iptables-save with the snapshot's rules: clean, a stale CNI-DN- chain, a missing rule", async () => {
    const t = await newTenant();
    const c = await createCluster(t.key);
    const up = await http('POST', `/v1/clusters/${c.id}/snapshots`, { key: t.key, body: fixture('seed-001-exposure-modes.yaml'), headers: { 'content-type': 'application/yaml' } });
    const s = await waitSnapshot(t.key, up.body.id);
    expect(s.status).toBe('ready');
    const rules = (await http('GET', `/v1/clusters/${c.id}/nodes/node-a/iptables`, { key: t.key })).body as string;

    const clean = await http('POST', `/v1/clusters/${c.id}/nodes/node-a/drift`, { key: t.key, json: { dump: rules } });
    expect(clean.status).toBe(200);
    expect(clean.body).toMatchObject({ snapshotId: s.id, node: 'node-a', clean: true, findings: [], missingTables: [] });

    const stale = rules.replace(':CNI-HOSTPORT-DNAT - [0:0]\n', ':CNI-DN-0a0a0a0a0a0a0a0a0a0a0 - [0:0]\n:CNI-HOSTPORT-DNAT - [0:0]\n');
    const masq = rules.split('\n').find((l) => l.startsWith('-A KUBE-POSTROUTING') && l.includes('MASQUERADE')) as string;
    const g = await gql(t.key, DRIFT, { c: c.id, n: 'node-a', d: stale.replace(`${masq}\n`, '') });
    expect(g.body.errors).toBeUndefined();
    const d = g.body.data.iptablesDrift;
    expect(d).toMatchObject({ clean: false, counts: { missing: 1, extra: 0, different: 0, order: 0 } });
    expect(d.findings).toEqual(expect.arrayContaining([
      { kind: 'extra', table: 'nat', chain: 'CNI-DN-0a0a0a0a0a0a0a0a0a0a0', expected: null, actual: null, wholeChain: true },
      { kind: 'missing', table: 'nat', chain: 'KUBE-POSTROUTING', expected: masq.replace('-A KUBE-POSTROUTING ', ''), actual: null, wholeChain: false },
    ]));

    const bad = await http('POST', `/v1/clusters/${c.id}/nodes/node-a/drift`, { key: t.key, json: {} });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/dump/);
    const nobody = await http('POST', `/v1/clusters/${c.id}/nodes/nope/drift`, { key: t.key, json: { dump: rules } });
    expect(nobody.status).toBe(400);
  });
});
