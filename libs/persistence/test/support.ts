import { randomUUID } from 'node:crypto';
import { asTenantId, type TenantContext } from '@portolan/contracts';
import type { NewCluster } from '../src/clusters.repository';
import { TenantProvisioner } from '../src/provisioning';

/**
 * Integration tests run against the real Postgres that scripts/test.sh starts. Without it they fail here, loudly:
 * a skipped database suite would pass while proving nothing.
 */
export function databaseUrls(): { app: string; owner: string } {
  const app = process.env['DATABASE_URL'];
  const owner = process.env['MIGRATION_DATABASE_URL'];
  if (!app || !owner) {
    throw new Error('DATABASE_URL and MIGRATION_DATABASE_URL must point at a migrated Postgres: run the tests through `npm test` (scripts/test.sh)');
  }
  return { app, owner };
}

/** A fresh tenant per test, so tests never share rows and can run in any order. */
export async function freshTenant(p: TenantProvisioner, role: TenantContext['role'] = 'admin'): Promise<TenantContext & { key: string }> {
  const tenantId = await p.createTenant(`test-${randomUUID()}`);
  const key = await p.createApiKey(tenantId, 'test', role);
  return { tenantId: asTenantId(tenantId), actorId: 'test', role, key };
}

/** A cluster row with the defaults a test does not care about. */
export const newCluster = (name: string): NewCluster => ({
  name,
  kubernetesVersion: '1.33',
  kubeProxy: { mode: 'iptables' },
  cni: { networkName: 'cbr0' },
  nodePortRange: '30000-32767',
  containerRuntime: 'containerd',
  encryptedWebhookSecret: 'x',
  retention: 10,
});
