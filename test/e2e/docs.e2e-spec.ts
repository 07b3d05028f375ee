import { closeProvisioner, createCluster, fixture, http, newTenant, waitSnapshot } from './support/client';

/**
 * The docs a new user opens first: every request example Swagger UI offers is sent as it is to the real API and
 * must be accepted (on the demo scenario it was written for), and GraphiQL asks for the key before it loads the schema.
 */
afterAll(() => closeProvisioner());

describe('Swagger UI examples', () => {
  it('every request body example in /docs/openapi.json is accepted by its route', async () => {
    const t = await newTenant('admin');
    const c = await createCluster(t.key);
    const up = await http('POST', `/v1/clusters/${c.id}/snapshots`, { key: t.key, body: fixture('seed-002-hostnetwork-replicas.yaml'), headers: { 'content-type': 'application/yaml' } });
    expect((await waitSnapshot(t.key, up.body.id)).status).toBe('ready');

    const doc = (await http('GET', '/docs/openapi.json')).body;
    const sent: string[] = [];
    for (const [p, methods] of Object.entries<Record<string, any>>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(methods)) {
        for (const [type, media] of Object.entries<any>(op.requestBody?.content ?? {})) {
          if (media.example === undefined) continue;
          // an uploaded example snapshot would become the seed cluster's latest: it goes to a cluster of its own
          const url = p.replace('{id}', p.endsWith('/snapshots') ? (await createCluster(t.key)).id : c.id);
          const body = typeof media.example === 'string' ? media.example : JSON.stringify(media.example);
          const r = await http(method.toUpperCase(), url, { key: t.key, body, headers: { 'content-type': type } });
          sent.push(`${method} ${p}`);
          expect({ route: `${method} ${p}`, status: r.status < 300 ? 'ok' : r.status, body: r.status < 300 ? undefined : r.body }).toEqual({ route: `${method} ${p}`, status: 'ok', body: undefined });
          if (p === '/v1/clusters/{id}/schedule') {
            // the example was written for seed 002: the node is feasible, and the second nginx's bind() would fail
            expect(r.body.feasibleNodes).toEqual(['10.1.0.55']);
            expect(JSON.stringify(r.body.nodes[0].runtime)).toContain('bind() to 0.0.0.0:80 failed (98: Address in use)');
          }
          if (p === '/v1/clusters/{id}/import-source') await http('DELETE', url, { key: t.key });
        }
      }
    }
    expect(sent.length).toBeGreaterThanOrEqual(7);
  });
});

describe('GraphiQL', () => {
  it('asks for the key before mounting, so the schema loads with it', async () => {
    const page = await http('GET', '/graphql', { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.body).toContain('id="keybar"');
    const init = await http('GET', '/_assets/portolan/graphiql-init.js');
    expect(init.body).toContain("headers: { Authorization: 'Bearer ' + key }");
    expect(init.body).toContain("if (!key) { root.render(null)");
  });
});
