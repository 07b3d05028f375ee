import { closeProvisioner, createCluster, gql, http, newTenant } from './support/client';

// Issue 8: per-cluster exemptions managed over the API (rule, object selector, reason, expiry), applied by every
// analysis of the cluster, shown as suppressed in the verdict's counts and in SARIF; another tenant's cluster or
// exemption is "not found".
afterAll(closeProvisioner);

// a Service whose selector matches no pod: the service-selector-matches-nothing warning (the workload ships later)
const MANIFEST = `apiVersion: v1
kind: Service
metadata: {name: legacy-proxy, namespace: shop}
spec:
  selector: {app: proxy-v1}
  ports:
  - {port: 80, targetPort: 8080}
`;
const RULE = 'service-selector-matches-nothing';

async function analyze(key: string, clusterId: string): Promise<any> {
  const r = await http('POST', `/v1/clusters/${clusterId}/analyses?wait=20`, { key, body: MANIFEST, headers: { 'content-type': 'application/yaml', 'x-filename': 'agent.yaml' } });
  expect(r.status).toBe(200);
  return r.body;
}
const ruleFinding = (a: any) => a.findings.find((f: any) => f.rule === RULE);

describe('check exemptions of a cluster', () => {
  it('suppresses the findings its selector covers, in the counts and in SARIF, until it expires or is removed', async () => {
    const a = await newTenant('writer');
    const c = await createCluster(a.key);
    const before = await analyze(a.key, c.id);
    expect(ruleFinding(before)).toMatchObject({ severity: 'warning', object: 'Service/shop/legacy-proxy' });
    expect(ruleFinding(before).suppressed).toBeNull();

    const created = await http('POST', `/v1/clusters/${c.id}/exemptions`, { key: a.key, json: { rule: RULE, selector: { kind: 'Service', namespace: 'shop', name: 'legacy-*' }, reason: 'the workload ships in the next release' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ clusterId: c.id, rule: RULE, active: true, expiresAt: null });

    const after = await analyze(a.key, c.id);
    expect(ruleFinding(after)).toMatchObject({ suppressed: 'exemption', suppressionReason: 'the workload ships in the next release' });
    expect(after.counts.suppressed).toBe(before.counts.suppressed + 1);
    expect(after.counts.warning).toBe(before.counts.warning - 1);
    const sarif = await http('GET', `/v1/analyses/${after.id}/sarif`, { key: a.key });
    const result = sarif.body.runs[0].results.find((x: any) => x.ruleId === RULE);
    expect(result.suppressions).toEqual([{ kind: 'external', status: 'accepted', justification: 'the workload ships in the next release' }]);

    // another name is not covered
    const other = await http('POST', `/v1/clusters/${c.id}/analyses?wait=20`, { key: a.key, body: MANIFEST.replace('legacy-proxy', 'edge-proxy'), headers: { 'content-type': 'application/yaml' } });
    expect(ruleFinding(other.body).suppressed).toBeNull();

    const removed = await http('DELETE', `/v1/clusters/${c.id}/exemptions/${created.body.id}`, { key: a.key });
    expect(removed.status).toBe(200);
    expect(ruleFinding(await analyze(a.key, c.id)).suppressed).toBeNull();
    expect((await http('GET', `/v1/clusters/${c.id}/exemptions`, { key: a.key })).body.items).toEqual([]);
  });

  it('covers nothing once expired, and lists itself as inactive', async () => {
    const a = await newTenant('writer');
    const c = await createCluster(a.key);
    const expiresAt = new Date(Date.now() + 2500).toISOString();
    const r = await gql(a.key, 'mutation($c: ID!, $i: ExemptionInput!) { createExemption(clusterId: $c, input: $i) { id active expiresAt selector { kind name } } }', { c: c.id, i: { rule: RULE, selector: { kind: 'Service' }, reason: 'until the fix ships', expiresAt } });
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data.createExemption).toMatchObject({ active: true, selector: { kind: 'Service', name: null } });
    expect(ruleFinding(await analyze(a.key, c.id)).suppressed).toBe('exemption');
    await new Promise((res) => setTimeout(res, Date.parse(expiresAt) - Date.now() + 200));
    expect(ruleFinding(await analyze(a.key, c.id)).suppressed).toBeNull();
    const listed = await gql(a.key, 'query($c: ID!) { cluster(id: $c) { exemptions { id active reason } } }', { c: c.id });
    expect(listed.body.data.cluster.exemptions).toEqual([{ id: r.body.data.createExemption.id, active: false, reason: 'until the fix ships' }]);
  });

  it('names what is wrong: an unknown rule, no reason, a past expiry, an unknown selector field', async () => {
    const a = await newTenant('writer');
    const c = await createCluster(a.key);
    const bad = async (json: unknown, field: string) => {
      const r = await http('POST', `/v1/clusters/${c.id}/exemptions`, { key: a.key, json });
      expect([r.status, r.body.error.code]).toEqual([400, 'INVALID_INPUT']);
      expect(r.body.error.details.map((d: any) => d.field)).toContain(field);
    };
    await bad({ rule: 'no-such-rule', reason: 'x' }, 'rule');
    await bad({ rule: 'hostport-duplicate', reason: ' ' }, 'reason');
    await bad({ rule: 'hostport-duplicate', reason: 'x', expiresAt: '2020-01-01T00:00:00Z' }, 'expiresAt');
    await bad({ rule: 'hostport-duplicate', reason: 'x', selector: { labels: { a: 'b' } } }, 'selector');
    await bad({ rule: 'hostport-duplicate', reason: 'x', selector: { name: 'a b' } }, 'selector.name');
    const g = await gql(a.key, 'mutation($c: ID!) { createExemption(clusterId: $c, input: {rule: "nope", reason: "x"}) { id } }', { c: c.id });
    expect(g.body.errors[0]).toMatchObject({ extensions: { code: 'INVALID_INPUT' }, message: expect.stringMatching(/rule: not a rule of the catalogue/) });
  });

  it("keeps another tenant out with not found, and a reader can list but not change", async () => {
    const a = await newTenant('admin');
    const b = await newTenant('admin');
    const c = await createCluster(a.key);
    const e = (await http('POST', `/v1/clusters/${c.id}/exemptions`, { key: a.key, json: { rule: 'hostport-duplicate', reason: 'known' } })).body;
    for (const [method, path] of [['GET', `/v1/clusters/${c.id}/exemptions`], ['POST', `/v1/clusters/${c.id}/exemptions`], ['DELETE', `/v1/clusters/${c.id}/exemptions/${e.id}`]] as const) {
      const r = await http(method, path, { key: b.key, ...(method === 'POST' ? { json: { rule: 'hostport-duplicate', reason: 'mine now' } } : {}) });
      expect([method, r.status, r.body.error.code]).toEqual([method, 404, 'NOT_FOUND']);
    }
    // B's own cluster, A's exemption id: not found either
    const cb = await createCluster(b.key);
    expect((await http('DELETE', `/v1/clusters/${cb.id}/exemptions/${e.id}`, { key: b.key })).status).toBe(404);
    const g = await gql(b.key, 'mutation($c: ID!, $id: ID!) { deleteExemption(clusterId: $c, id: $id) { id } }', { c: c.id, id: e.id });
    expect(g.body.errors[0].extensions.code).toBe('NOT_FOUND');
    expect((await http('GET', `/v1/clusters/${c.id}/exemptions`, { key: a.key })).body.items.map((x: any) => x.id)).toEqual([e.id]);

    const reader = (await http('POST', '/v1/api-keys', { key: a.key, json: { name: 'r', role: 'reader' } })).body.key as string;
    expect((await http('GET', `/v1/clusters/${c.id}/exemptions`, { key: reader })).body.items).toHaveLength(1);
    const refused = await http('POST', `/v1/clusters/${c.id}/exemptions`, { key: reader, json: { rule: 'hostport-duplicate', reason: 'x' } });
    expect([refused.status, refused.body.error.code]).toEqual([403, 'FORBIDDEN']);
    expect((await http('DELETE', `/v1/clusters/${c.id}/exemptions/${e.id}`, { key: reader })).status).toBe(403);
  });
});
