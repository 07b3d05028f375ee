import { readFileSync } from 'node:fs';
import path from 'node:path';
import { closeProvisioner, createCluster, gql, newTenant, waitSnapshot, http } from './support/client';

afterAll(closeProvisioner);

// the Cilium cluster lives apart from fixtures/clusters, whose every file is also checked against real iptables
const fixture = (f: string) => readFileSync(path.join(__dirname, '../fixtures', f.startsWith('cilium') ? 'dataplanes' : 'clusters', f), 'utf8');

const TRAFFIC = `query($c: ID!, $to: String!, $from: String) { trafficPath(clusterId: $c, to: $to, from: $from) {
  family outcome masquerade sourceSeen dataplane { kind source modelled detail } complete
  hops { node table chain rule verdict } destinations { kind pod ip port probability sourceSeen } } }`;

async function upload(key: string, file: string): Promise<string> {
  const c = await createCluster(key);
  const up = await http('POST', `/v1/clusters/${c.id}/snapshots`, { key, body: fixture(file), headers: { 'content-type': 'application/yaml', 'x-filename': file } });
  expect(up.status).toBe(202);
  const s = await waitSnapshot(key, up.body.id);
  expect(s.status).toBe('ready');
  return c.id;
}

describe('trafficPath over GraphQL on the modern dataplanes', () => {
  it("a snapshot whose cilium-config has kube-proxy-replacement answers with Cilium's eBPF stages and no iptables chain", async () => {
    const t = await newTenant();
    const c = await upload(t.key, 'cilium-kpr.yaml');
    const r = await gql(t.key, TRAFFIC, { c, to: 'worker-1:31234/TCP', from: 'external:198.51.100.20' });
    expect(r.body.errors).toBeUndefined();
    const p = r.body.data.trafficPath;
    expect(p).toMatchObject({ family: 'IPv4', outcome: 'delivered', masquerade: true, sourceSeen: '172.18.0.3', complete: true });
    expect(p.dataplane).toMatchObject({ kind: 'cilium-kube-proxy-replacement', source: 'cilium-config', modelled: true });
    expect(p.destinations).toEqual([{ kind: 'pod', pod: 'apps/echo-7d9c8b6f5-x2kqp', ip: '10.0.2.17', port: 8080, probability: 1, sourceSeen: '172.18.0.3' }]);
    const chains = p.hops.map((h: { chain: string }) => h.chain);
    expect(chains).toEqual(['cil_from_netdev', 'lb4_lookup_service', 'lb4_select_backend_id', 'snat_v4_nat', 'cil_to_overlay', 'cil_from_overlay', 'cil_to_container']);
    expect(p.hops.every((h: { table: string }) => h.table === 'bpf')).toBe(true);

    // socket-LB serves localhost NodePorts, which kube-proxy's nftables mode refuses
    const local = await gql(t.key, TRAFFIC, { c, to: '127.0.0.1:31234/TCP', from: 'localhost:worker-1' });
    expect(local.body.data.trafficPath).toMatchObject({ outcome: 'delivered', masquerade: false });
    expect(local.body.data.trafficPath.hops[0]).toMatchObject({ chain: 'cil_sock4_connect', table: 'bpf' });
  });

  it('a dual-stack snapshot answers IPv6 destinations and sources with ip6tables hops, in RFC 5952 form', async () => {
    const t = await newTenant();
    const c = await upload(t.key, 'dualstack-kubeadm.yaml');
    const r = await gql(t.key, TRAFFIC, { c, to: '[2001:0db8:0:0::10]:30080/TCP', from: 'external:2001:db8:0::99' });
    expect(r.body.errors).toBeUndefined();
    const p = r.body.data.trafficPath;
    expect(p).toMatchObject({ family: 'IPv6', outcome: 'delivered', masquerade: true, sourceSeen: '2001:db8::10' });
    expect(p.dataplane).toMatchObject({ kind: 'kube-proxy-iptables', source: 'kube-proxy-configmap' });
    expect(p.destinations).toEqual([{ kind: 'pod', pod: 'demo/web-5f7c9d8b4-q8m2n', ip: 'fd00:10:244:1::5', port: 8080, probability: 1, sourceSeen: '2001:db8::10' }]);
    const rules = p.hops.map((h: { chain: string; rule: string }) => `${h.chain}: ${h.rule}`);
    expect(rules).toEqual(expect.arrayContaining([
      'KUBE-SERVICES: -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL ! -d ::1/128 -j KUBE-NODEPORTS',
    ]));
    expect(p.hops.some((h: { verdict: string }) => h.verdict === 'DNAT -> [fd00:10:244:1::5]:8080')).toBe(true);

    // the hostPort pod: portmap programs its IPv6 address too, reached over REST with an ip: source
    const hp = await http('GET', `/v1/clusters/${c}/traffic-path?to=${encodeURIComponent('[2001:db8::10]:443/TCP')}&from=${encodeURIComponent('ip:2001:db8::77@cp-1')}`, { key: t.key });
    expect(hp.status).toBe(200);
    expect(hp.body).toMatchObject({ family: 'IPv6', outcome: 'delivered' });
    expect(hp.body.destinations[0]).toMatchObject({ pod: 'demo/ingress-hp', ip: 'fd00:10:244::9', port: 443 });

    // a source of the other family is a clear 4xx, not a guess
    const mixed = await gql(t.key, TRAFFIC, { c, to: '[2001:db8::10]:30080/TCP', from: 'external:203.0.113.9' });
    expect(mixed.body.errors?.[0]?.message).toMatch(/different IP families/);
  });
});
