import { defaultProfile, formatPortRange, interpretConflist, parsePortRange, type ClusterProfile, type KubeProxyConfig } from '@portolan/netsim';
import type { ClusterRow } from '@portolan/persistence';
import { z } from 'zod';
import { AppError } from './errors';

/** A cluster's stored profile as the engine's ClusterProfile; snapshot documents may still override parts of it. */
export function profileOf(row: Pick<ClusterRow, 'name' | 'kubernetesVersion' | 'kubeProxy' | 'cni' | 'nodePortRange' | 'containerRuntime'>): ClusterProfile {
  const base = defaultProfile();
  return {
    ...base,
    name: row.name,
    kubernetesVersion: row.kubernetesVersion,
    nodePortRange: parsePortRange(row.nodePortRange) ?? base.nodePortRange,
    kubeProxy: { ...base.kubeProxy, ...(row.kubeProxy as Partial<KubeProxyConfig>) },
    cni: interpretConflist(row.cni),
    containerRuntime: row.containerRuntime,
  };
}

const KubeProxyInput = z
  .object({
    mode: z.enum(['iptables', 'ipvs', 'nftables']).optional(),
    clusterCIDR: z.string().optional(),
    detectLocalMode: z.enum(['ClusterCIDR', 'NodeCIDR', 'BridgeInterface', 'InterfaceNamePrefix', '']).optional(),
    masqueradeBit: z.number().int().min(0).max(31).optional(),
    masqueradeAll: z.boolean().optional(),
    localhostNodePorts: z.boolean().optional(),
    nodePortAddresses: z.array(z.string()).optional(),
  })
  .strict();

export const CreateClusterInput = z
  .object({
    name: z.string().regex(/^[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?$/, 'must be a DNS-1123 name (lower case letters, digits, - and .)'),
    kubernetesVersion: z.string().regex(/^v?1\.\d+(\.\d+)?$/, 'must look like 1.33 or v1.33.2').default('1.33'),
    nodePortRange: z.string().default('30000-32767'),
    kubeProxy: KubeProxyInput.default({}),
    /** the CNI conflist as the nodes have it (/etc/cni/net.d/*.conflist) */
    cniConflist: z.record(z.string(), z.unknown()).optional(),
    containerRuntime: z.string().min(1).default('containerd'),
    retention: z.number().int().min(1).max(1000).optional(),
  })
  .strict();
export type CreateClusterInput = z.input<typeof CreateClusterInput>;

export function parseInput<T>(schema: z.ZodType<T>, input: unknown, what: string): T {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  throw AppError.invalid(
    `invalid ${what}: ${r.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ')}`,
    r.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })),
  );
}

export function normalizePortRange(text: string): string {
  const r = parsePortRange(text);
  if (!r) throw AppError.invalid(`nodePortRange: ${JSON.stringify(text)} is not a port range like 30000-32767`, [{ field: 'nodePortRange', message: 'not a port range' }]);
  return formatPortRange(r);
}
