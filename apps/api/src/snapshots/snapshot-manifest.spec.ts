import { manifestOf } from './snapshot-manifest.resolver';

describe('a stored object as a question', () => {
  it('drops status and managedFields, keeps the rest, and leads with apiVersion, kind, metadata, spec', () => {
    const raw = { status: { phase: 'Running' }, spec: { nodeName: 'n1', containers: [] }, metadata: { name: 'p', managedFields: [{ manager: 'kubectl' }], labels: { a: 'b' } }, kind: 'Pod', apiVersion: 'v1' };
    const out = manifestOf(raw);
    expect(JSON.parse(out)).toEqual({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels: { a: 'b' } }, spec: { nodeName: 'n1', containers: [] } });
    expect(Object.keys(JSON.parse(out))).toEqual(['apiVersion', 'kind', 'metadata', 'spec']);
    // the stored object itself is not changed
    expect(raw.status).toEqual({ phase: 'Running' });
    expect(raw.metadata.managedFields).toHaveLength(1);
  });
});
