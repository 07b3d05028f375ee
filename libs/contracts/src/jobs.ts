import { z } from 'zod';

/** Queue names: one queue per kind of work so a slow import never delays a CI verdict. */
export const QUEUES = {
  snapshots: 'snapshot-import',
  analyses: 'analysis',
  scheduledImports: 'scheduled-import',
} as const;

const uuid = z.uuid();

/** Job payloads carry the tenant and ids only: the rows in Postgres are the state users see. */
export const ImportSnapshotJob = z.object({ tenantId: uuid, snapshotId: uuid });
export type ImportSnapshotJob = z.infer<typeof ImportSnapshotJob>;

export const AnalyzeJob = z.object({ tenantId: uuid, analysisId: uuid });
export type AnalyzeJob = z.infer<typeof AnalyzeJob>;

export const ScheduledImportJob = z.object({ tenantId: uuid, clusterId: uuid });
export type ScheduledImportJob = z.infer<typeof ScheduledImportJob>;

export const JOB_NAMES = {
  importSnapshot: 'import-snapshot',
  analyze: 'analyze',
  scheduledImport: 'scheduled-import',
} as const;
