import { closeProvisioner, createCluster, fixture, gql, http, newTenant, waitSnapshot } from './support/client';

afterAll(closeProvisioner);

const INSPECTION = `query($s: ID!) { snapshot(id: $s) { status inspection {
  profile { kubernetesVersion containerRuntime nodePortRange kubeProxyMode clusterCIDR cniNetwork portmap dataplane { kind source modelled } }
  guesses { code message field } diagnostics { message } unknown } } }`;

async function upload(key: string, clusterId: string, body: string, file: string) {
  const up = await http('POST', `/v1/clusters/${clusterId}/snapshots`, { key, body, headers: { 'content-type': 'application/yaml', 'x-filename': file } });
  return waitSnapshot(key, up.body.id);
}

describe('Snapshot.inspection over GraphQL (the portal\'s clusters page)', () => {
  it('seed 003: the profile and the dataplane the engine read from the snapshot, nothing assumed', async () => {
    const w = await newTenant('writer');
    const c = await createCluster(w.key);
    const s = await upload(w.key, c.id, fixture('seed-003-nodeport-and-hostport.yaml'), 'seed-003.yaml');
    const r = await gql(w.key, INSPECTION, { s: s.id });
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data.snapshot.inspection).toMatchObject({
      profile: { kubeProxyMode: 'iptables', portmap: true, dataplane: { kind: 'kube-proxy-iptables', source: 'kube-proxy-configuration', modelled: true } },
      guesses: [],
      unknown: [],
    });
    expect(r.body.data.snapshot.inspection.profile.nodePortRange).toMatch(/^\d+-\d+$/);
  });

  it('a bare Node: the dataplane is assumed, and says so as a code; another tenant gets not found', async () => {
    const w = await newTenant('writer');
    const c = await createCluster(w.key);
    const node = 'apiVersion: v1\nkind: Node\nmetadata: {name: n1}\nstatus:\n  addresses: [{type: InternalIP, address: 10.0.0.1}]\n';
    const s = await upload(w.key, c.id, node, 'node.yaml');
    const r = await gql(w.key, INSPECTION, { s: s.id });
    expect(r.body.errors).toBeUndefined();
    const guesses = r.body.data.snapshot.inspection.guesses as Array<{ code: string }>;
    expect(guesses.map((g) => g.code)).toContain('dataplane_assumed');
    expect(r.body.data.snapshot.inspection.profile.dataplane).toMatchObject({ source: 'default' });
    const other = await newTenant('reader');
    const hidden = await gql(other.key, INSPECTION, { s: s.id });
    expect(hidden.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });
});
