import { z } from 'zod';
import { parseCron } from './cron';
import { IMPORT_RESOURCES, inspectKubeconfig, type ImportResource } from './kube-fetcher';

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** PUT /v1/clusters/:id/import-source and setImportSource(input): the API server, one credential, a cron schedule. */
export const SetImportSourceInput = z
  .object({
    apiServer: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL of the Kubernetes API server' }).max(2048).optional(),
    /** the cluster the worker runs in, as its own service account: no apiServer, token or kubeconfig */
    inCluster: z.literal(true).optional(),
    token: z.string().min(1, 'must not be empty').max(16_384).optional(),
    kubeconfig: z.string().min(1, 'must not be empty').max(256 * 1024).optional(),
    caData: z
      .string()
      .transform((s) => s.replace(/\s+/g, ''))
      .refine((s) => BASE64.test(s) && Buffer.from(s, 'base64').toString('utf8').includes('-----BEGIN CERTIFICATE-----'), 'must be a base64-encoded PEM certificate (certificate-authority-data)')
      .optional(),
    insecureSkipTLSVerify: z.boolean().optional(),
    schedule: z.string().min(1, 'must not be empty').max(200),
    resources: z.array(z.enum(IMPORT_RESOURCES)).min(1, 'must name at least one resource').optional(),
  })
  .strict()
  .superRefine((i, ctx) => {
    if (i.inCluster) {
      for (const k of ['apiServer', 'token', 'kubeconfig', 'caData', 'insecureSkipTLSVerify'] as const) {
        if (i[k] !== undefined) ctx.addIssue({ code: 'custom', path: [k], message: "an in-cluster source uses the worker's service account and the pod's cluster: leave it out" });
      }
      const cron = parseCron(i.schedule);
      if ('error' in cron) ctx.addIssue({ code: 'custom', path: ['schedule'], message: `not a cron schedule: ${cron.error}` });
      return;
    }
    if (i.apiServer === undefined) {
      ctx.addIssue({ code: 'custom', path: ['apiServer'], message: 'is required (or give inCluster: true)' });
      return;
    }
    if ((i.token === undefined) === (i.kubeconfig === undefined)) {
      ctx.addIssue({ code: 'custom', path: [i.token === undefined ? 'token' : 'kubeconfig'], message: 'give exactly one of token or kubeconfig' });
    }
    const cron = parseCron(i.schedule);
    if ('error' in cron) ctx.addIssue({ code: 'custom', path: ['schedule'], message: `not a cron schedule: ${cron.error}` });
    const server = i.apiServer.replace(/\/+$/, '');
    if (i.kubeconfig !== undefined) {
      if (i.caData !== undefined || i.insecureSkipTLSVerify !== undefined) {
        ctx.addIssue({ code: 'custom', path: [i.caData !== undefined ? 'caData' : 'insecureSkipTLSVerify'], message: "with a kubeconfig, TLS settings come from the kubeconfig's cluster" });
      }
      const k = inspectKubeconfig(i.kubeconfig);
      if ('error' in k) ctx.addIssue({ code: 'custom', path: ['kubeconfig'], message: k.error });
      else if (k.server !== server) ctx.addIssue({ code: 'custom', path: ['apiServer'], message: `does not match the kubeconfig's current cluster server ${k.server}` });
      else if (server.startsWith('http:') && !/insecure-skip-tls-verify:\s*true/.test(i.kubeconfig)) {
        ctx.addIssue({ code: 'custom', path: ['apiServer'], message: 'plain http:// needs insecure-skip-tls-verify: true in the kubeconfig' });
      }
    } else if (server.startsWith('http:') && i.insecureSkipTLSVerify !== true) {
      ctx.addIssue({ code: 'custom', path: ['apiServer'], message: 'plain http:// sends the token unencrypted: it needs insecureSkipTLSVerify: true (test servers only)' });
    }
  });
export type SetImportSourceInput = z.input<typeof SetImportSourceInput>;

/** What Cluster.importSource holds (JSON column). The credential is sealed with the SecretBox; nothing else is secret. */
export interface StoredImportSource {
  version: 1;
  apiServer: string;
  /** inCluster: the worker's service account, read from its files at every run; sealedCredential is empty */
  auth: 'token' | 'kubeconfig' | 'inCluster';
  sealedCredential: string;
  caData?: string;
  insecureSkipTLSVerify: boolean;
  /** the cron pattern BullMQ runs (macros expanded) */
  schedule: string;
  resources: ImportResource[];
  updatedAt: string;
  updatedBy: string;
}

export function readStoredSource(json: unknown): StoredImportSource | null {
  if (!json || typeof json !== 'object') return null;
  const s = json as Partial<StoredImportSource>;
  if (s.version !== 1 || typeof s.apiServer !== 'string' || typeof s.sealedCredential !== 'string' || typeof s.schedule !== 'string') return null;
  return { ...s, resources: Array.isArray(s.resources) && s.resources.length ? s.resources : [...IMPORT_RESOURCES] } as StoredImportSource;
}

export interface ImportRunView {
  snapshotId: string;
  status: 'pending' | 'ready' | 'failed';
  startedAt: Date;
  finishedAt: Date | null;
  /** error.message of a failed run */
  error: string | null;
}

/** describe(): everything about the source except its credential. */
export interface ImportSourceView {
  clusterId: string;
  apiServer: string;
  auth: StoredImportSource['auth'];
  schedule: string;
  resources: ImportResource[];
  insecureSkipTLSVerify: boolean;
  hasCaData: boolean;
  updatedAt: Date;
  lastRun: ImportRunView | null;
  nextRunAt: Date | null;
}
