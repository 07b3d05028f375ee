import { ImportSnapshotJob } from './jobs';
import { asTenantId, canWrite, isAdmin } from './tenant';

describe('job payload contracts', () => {
  it('accepts a tenant and snapshot id', () => {
    const ok = ImportSnapshotJob.safeParse({ tenantId: '8d7a3f5e-8f5b-4a43-9a4e-0f3d2b1c0a11', snapshotId: '0b9c1f70-1111-4a43-9a4e-0f3d2b1c0a11' });
    expect(ok.success).toBe(true);
  });
  it('rejects a payload without a tenant, naming the field', () => {
    const bad = ImportSnapshotJob.safeParse({ snapshotId: '0b9c1f70-1111-4a43-9a4e-0f3d2b1c0a11' });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['tenantId']);
  });
});

describe('roles', () => {
  const ctx = (role: 'admin' | 'writer' | 'reader') => ({ tenantId: asTenantId('t'), actorId: 'k', role });
  it('lets admins and writers write, and only admins administer', () => {
    expect([canWrite(ctx('admin')), canWrite(ctx('writer')), canWrite(ctx('reader'))]).toEqual([true, true, false]);
    expect([isAdmin(ctx('admin')), isAdmin(ctx('writer'))]).toEqual([true, false]);
  });
});
