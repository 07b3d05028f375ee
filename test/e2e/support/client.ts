import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { TenantProvisioner } from '@portolan/persistence';

export const base = (): string => {
  const b = process.env['E2E_BASE_URL'];
  if (!b) throw new Error('E2E_BASE_URL is unset: the global setup did not run');
  return b;
};

export interface Reply {
  status: number;
  body: any;
  headers: Headers;
}

export async function http(method: string, p: string, opts: { key?: string; json?: unknown; body?: string | Uint8Array; headers?: Record<string, string> } = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...(opts.key ? { authorization: `Bearer ${opts.key}` } : {}), ...(opts.json !== undefined ? { 'content-type': 'application/json' } : {}), ...opts.headers };
  const r = await fetch(`${base()}${p}`, { method, headers, body: opts.json !== undefined ? JSON.stringify(opts.json) : (opts.body as string | undefined) });
  const text = await r.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: r.status, body, headers: r.headers };
}

export async function gql(key: string, query: string, variables?: Record<string, unknown>): Promise<Reply> {
  return http('POST', '/graphql', { key, json: { query, variables } });
}

let provisioner: TenantProvisioner | undefined;
/** A fresh tenant with an API key of the given role, per test: no test shares rows with another. */
export async function newTenant(role: 'admin' | 'writer' | 'reader' = 'admin'): Promise<{ tenantId: string; key: string }> {
  provisioner ??= new TenantProvisioner(process.env['MIGRATION_DATABASE_URL'] as string);
  const tenantId = await provisioner.createTenant(`e2e-${randomUUID()}`);
  return { tenantId, key: await provisioner.createApiKey(tenantId, 'e2e', role) };
}

export async function closeProvisioner(): Promise<void> {
  await provisioner?.close();
  provisioner = undefined;
}

export const fixture = (name: string): string => readFileSync(path.resolve(__dirname, '../../fixtures/clusters', name), 'utf8');

export async function createCluster(key: string, name = `c-${randomUUID().slice(0, 8)}`): Promise<{ id: string; webhookSecret: string }> {
  const r = await http('POST', '/v1/clusters', { key, json: { name } });
  if (r.status !== 201) throw new Error(`create cluster: ${r.status} ${JSON.stringify(r.body)}`);
  return { id: r.body.cluster.id, webhookSecret: r.body.webhookSecret };
}

/** Polls a snapshot until the worker has finished with it. */
export async function waitSnapshot(key: string, id: string, timeoutMs = 30_000): Promise<any> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const r = await http('GET', `/v1/snapshots/${id}`, { key });
    if (r.body?.status && r.body.status !== 'pending') return r.body;
    if (Date.now() > until) throw new Error(`snapshot ${id} still pending after ${timeoutMs} ms`);
    await new Promise((res) => setTimeout(res, 100));
  }
}
