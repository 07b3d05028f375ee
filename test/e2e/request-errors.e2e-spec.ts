import { freePort, spawnApp } from './support/apps';
import { closeProvisioner, createCluster, gql, http, newTenant } from './support/client';

afterAll(closeProvisioner);

/** Fragments F1..Fn on Cluster, each spreading the previous one `width` times: width^n paths in ~1 KB of text. */
function nestedSpreads(levels: number, width: number): string {
  const frags = ['fragment F0 on Cluster { id name }'];
  for (let i = 1; i <= levels; i++) frags.push(`fragment F${i} on Cluster { ${Array.from({ length: width }, () => `...F${i - 1}`).join(' ')} }`);
  return `query Q($id: ID!) { cluster(id: $id) { ...F${levels} } } ${frags.join(' ')}`;
}

describe('GraphQL limits, measured in one pass over the document', () => {
  let key: string;
  let clusterId: string;
  beforeAll(async () => {
    key = (await newTenant()).key;
    clusterId = (await createCluster(key)).id;
  });

  it('refuses the nested-fragment document of issue 9 as too complex, and keeps answering', async () => {
    const doc = nestedSpreads(10, 8);
    expect(Buffer.byteLength(doc)).toBeLessThan(1100);
    const r = await gql(key, doc, { id: clusterId });
    expect(r.status).toBe(400);
    expect(r.body.errors[0].extensions.code).toBe('QUERY_TOO_COMPLEX');
    expect((await gql(key, '{ clusters { totalCount } }')).body.data.clusters.totalCount).toBe(1);
  });

  it('still answers a small fragment document, priced with the schema costs', async () => {
    const r = await gql(key, nestedSpreads(2, 2), { id: clusterId });
    expect(r.status).toBe(200);
    expect(r.body.data.cluster.id).toBe(clusterId);
  });

  it('refuses depth through fragments, aliases, directives, tokens and bytes, each with its own code', async () => {
    const chain = ['fragment D0 on Cluster { id }'];
    for (let i = 1; i <= 4; i++) chain.push(`fragment D${i} on Cluster { snapshots(first: 1) { edges { node { cluster { ...D${i - 1} } } } } }`);
    const deep = await gql(key, `query($id: ID!) { cluster(id: $id) { ...D4 } } ${chain.join(' ')}`, { id: clusterId });
    expect([deep.status, deep.body.errors[0].extensions.code]).toEqual([400, 'QUERY_TOO_DEEP']);

    const aliases = await gql(key, `{ ${Array.from({ length: 31 }, (_, i) => `a${i}: clusters(first: 1) { totalCount }`).join(' ')} }`);
    expect([aliases.status, aliases.body.errors[0].extensions.code]).toEqual([400, 'QUERY_TOO_MANY_ALIASES']);

    const directives = await gql(key, `{ clusters(first: 1) { ${Array.from({ length: 21 }, () => 'totalCount @include(if: true)').join(' ')} } }`);
    expect([directives.status, directives.body.errors[0].extensions.code]).toEqual([400, 'QUERY_TOO_MANY_DIRECTIVES']);

    const tokens = await gql(key, `{ clusters(first: 1) { ${'id '.repeat(2100)} } }`);
    expect(tokens.status).toBe(400);
    expect(tokens.body.errors[0].extensions.code).toBe('GRAPHQL_PARSE_FAILED');
    expect(tokens.body.errors[0].message).toMatch(/2000 tokens/);

    const bytes = await gql(key, `{ clusters { totalCount } } # ${'x'.repeat(17 * 1024)}`);
    expect(bytes.status).toBe(400);
    expect(bytes.body.errors[0].extensions).toMatchObject({ code: 'QUERY_TOO_LARGE', limit: 16384 });
  });
});

describe('one error mapping for client mistakes', () => {
  let key: string;
  let clusterId: string;
  beforeAll(async () => {
    key = (await newTenant()).key;
    clusterId = (await createCluster(key)).id;
  });

  it('answers a missing or mistyped GraphQL variable 400 BAD_USER_INPUT naming it', async () => {
    const missing = await gql(key, 'query($id: ID!) { cluster(id: $id) { name } }', {});
    expect(missing.status).toBe(400);
    expect(missing.body.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });
    const mistyped = await gql(key, 'query($n: Int) { clusters(first: $n) { totalCount } }', { n: 'ten' });
    expect(mistyped.status).toBe(400);
    expect(mistyped.body.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'n' });
  });

  it('answers a very deep variables object or body 400 naming where, never a 500', async () => {
    // written by hand: JSON.stringify itself overflows the stack on such an object
    const deep = `${'{"a":'.repeat(5000)}"x"${'}'.repeat(5000)}`;
    const json = { 'content-type': 'application/json' };
    const g = await http('POST', '/graphql', { key, headers: json, body: `{"query":"query($v: String) { clusters { totalCount } }","variables":{"v":${deep}}}` });
    expect(g.status).toBe(400);
    expect(g.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(g.body.errors[0].extensions.field.length).toBeLessThanOrEqual(121 + 40);
    const rest = await http('POST', '/v1/clusters', { key, headers: json, body: `{"name":${deep}}` });
    expect(rest.status).toBe(400);
    expect(rest.body.error.code).toBe('INVALID_INPUT');
  });

  it('answers NUL characters in query strings and bodies 400, over REST and GraphQL', async () => {
    expect((await http('GET', '/v1/clusters?after=%00', { key })).status).toBe(400);
    expect((await http('GET', `/v1/clusters/${clusterId}%00`, { key })).status).toBe(400);
    const rest = await http('POST', '/v1/clusters', { key, json: { name: 'a\u0000b' } });
    expect(rest.status).toBe(400);
    expect(rest.body.error).toMatchObject({ code: 'INVALID_INPUT', details: [{ field: '$.name' }] });
    const g = await gql(key, 'mutation($n: String!) { createCluster(input: { name: $n }) { cluster { id } } }', { n: 'a\u0000b' });
    expect(g.status).toBe(400);
    expect(g.body.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: '$.variables.n' });
    const inQuery = await gql(key, '{ clusters { totalCount } }\u0000');
    expect(inQuery.status).toBe(400);
    expect((await http('GET', `/graphql?query=${encodeURIComponent('{ clusters { totalCount } }')}%00`, { key })).status).toBe(400);
  });

  it('answers subscriptions and unknown operations 400', async () => {
    const sub = await gql(key, 'subscription { clusters { totalCount } }');
    expect(sub.status).toBe(400);
    expect(sub.body.errors[0].extensions.code).toBe('UNSUPPORTED_OPERATION');
    const unknownName = await http('POST', '/graphql', { key, json: { query: 'query A { clusters { totalCount } }', operationName: 'B' } });
    expect(unknownName.status).toBe(400);
    expect(unknownName.body.errors[0].extensions.code).toBe('UNSUPPORTED_OPERATION');
  });

  it('answers a malformed setImportSource 400 naming the field, never quoting the token', async () => {
    const token = 'sk-very-secret-token-value-0123456789';
    const bad = [
      { apiServer: 'not a url', token, schedule: '@hourly' },
      { apiServer: 42, token, schedule: '@hourly' },
      { apiServer: 'https://10.0.0.1:6443', token: 7, schedule: '@hourly' },
      { apiServer: 'https://10.0.0.1:6443', token, schedule: 'every full moon' },
      { apiServer: 'https://10.0.0.1:6443', token, kubeconfig: token, schedule: '@hourly' },
      { apiServer: 'https://10.0.0.1:6443', kubeconfig: `${token}: [`, schedule: '@hourly' },
      { token, schedule: '@hourly' },
      [token],
    ];
    for (const body of bad) {
      const r = await http('PUT', `/v1/clusters/${clusterId}/import-source`, { key, json: body });
      expect([r.status, r.body.error.code]).toEqual([400, 'INVALID_INPUT']);
      expect(JSON.stringify(r.body)).not.toContain(token);
      expect(r.body.error.details?.[0]?.field).toEqual(expect.any(String));
    }
    const g = await gql(key, 'mutation($c: ID!, $i: ImportSourceInput!) { setImportSource(clusterId: $c, input: $i) { apiServer } }', {
      c: clusterId,
      i: { apiServer: 'not a url', kubeconfig: `${token}: [`, schedule: '@hourly' },
    });
    expect(g.body.errors[0].extensions.code).toBe('INVALID_INPUT');
    expect(JSON.stringify(g.body)).not.toContain(token);
  });

  it('caps error messages that repeat input', async () => {
    const r = await http('POST', '/v1/clusters', { key, json: { name: 'n'.repeat(20_000) } });
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.body).length).toBeLessThan(2000);
    const g = await gql(key, `{ cluster(id: "${'i'.repeat(10_000)}") { name } }`);
    expect(g.body.errors[0].extensions.code).toBe('NOT_FOUND');
    expect(g.body.errors[0].message.length).toBeLessThan(400);
  });
});

describe('a hostile document does not block the process', () => {
  it('lets an API process that refused the nested-fragment document shut down on SIGTERM', async () => {
    const port = await freePort();
    const api = spawnApp('api', { PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' });
    const exited = new Promise<string>((resolve) => api.on('exit', (code, signal) => resolve(`${code ?? signal}`)));
    try {
      for (let until = Date.now() + 60_000; ; ) {
        if ((await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.ok) break;
        if (Date.now() > until) throw new Error('the API did not become ready');
        await new Promise((r) => setTimeout(r, 200));
      }
      const { key } = await newTenant();
      const r = await fetch(`http://127.0.0.1:${port}/graphql`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ query: nestedSpreads(12, 10), variables: { id: '00000000-0000-0000-0000-000000000000' } }),
      });
      expect(r.status).toBe(400);
      api.kill('SIGTERM');
      // Nest closes the app, then re-raises the signal: a clean stop ends by SIGTERM (or 0), not by the SIGKILL below
      expect(['0', 'SIGTERM']).toContain(await exited);
    } finally {
      if (api.exitCode === null) api.kill('SIGKILL');
    }
  });
});
