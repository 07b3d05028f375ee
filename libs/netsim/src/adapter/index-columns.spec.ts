import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { buildSnapshot, parseDocuments } from './index';
import { indexColumns } from './index-columns';

const FIXTURES = path.resolve(__dirname, '../../../../test/fixtures');
const po = (obj: Record<string, unknown>) => parseDocuments([{ name: 'x.json', text: JSON.stringify(obj) }])[0]!;

describe('index columns of a stored object, read by the adapter', () => {
  it('reads the address the engine uses: podIPs before podIP, InternalIP before ExternalIP, clusterIPs before clusterIP', () => {
    expect(indexColumns(po({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'd', labels: { app: 'a' } }, spec: { nodeName: 'n1', hostNetwork: true }, status: { phase: 'Running', podIP: '10.0.0.9', podIPs: [{ ip: 'fd00::9' }, { ip: '10.0.0.9' }] } }))).toEqual({
      kind: 'Pod', namespace: 'd', name: 'p', labels: { app: 'a' }, nodeName: 'n1', hostNetwork: true, phase: 'Running', ip: 'fd00::9',
    });
    expect(indexColumns(po({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'edge-1' }, status: { addresses: [{ type: 'Hostname', address: 'edge-1' }, { type: 'ExternalIP', address: '203.0.113.7' }] } })).ip).toBe('203.0.113.7');
    expect(indexColumns(po({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'd' }, spec: { clusterIP: '10.96.0.1', clusterIPs: ['10.96.0.1', 'fd00:96::1'] } })).ip).toBe('10.96.0.1');
    expect(indexColumns(po({ apiVersion: 'portolan.dev/v1alpha1', kind: 'NodeHostState', spec: { nodeName: 'n2' } }))).toMatchObject({ name: 'n2', nodeName: 'n2' });
    expect(indexColumns(po({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'kube-system', labels: { a: 1 } } }))).toEqual({ kind: 'ConfigMap', namespace: 'kube-system', name: 'c', labels: null });
  });

  it('agrees with the snapshot model on every pod, node and Service of the cluster fixtures and real dumps', () => {
    const files = [
      ...readdirSync(path.join(FIXTURES, 'clusters')).filter((x) => /\.ya?ml$/.test(x)).map((x) => path.join('clusters', x)),
      // the shapes real clusters give: a cluster-info dump, kubectl get -o json/yaml, a raw API list
      'dumps/cluster-info-dump.json', 'dumps/kubectl-get-mixed.yaml', 'dumps/kubectl-get-pods.json', 'dumps/podlist-raw-api.json',
    ];
    let checked = 0;
    for (const f of files) {
      const objs = parseDocuments([{ name: f, text: readFileSync(path.join(FIXTURES, f), 'utf8') }]);
      const s = buildSnapshot(objs).snapshot;
      for (const o of objs) {
        const c = indexColumns(o);
        if (c.kind === 'Pod') {
          const p = s.pods.find((x) => x.namespace === c.namespace && x.name === c.name);
          expect([f, c.name, c.ip, c.nodeName ?? '', c.hostNetwork]).toEqual([f, c.name, p?.podIPs[0] ?? null, p?.nodeName ?? '', p?.hostNetwork ?? false]);
          checked++;
        } else if (c.kind === 'Node') {
          const n = s.nodes.find((x) => x.name === c.name);
          expect([f, c.name, c.ip]).toEqual([f, c.name, n?.internalIP ?? null]);
          checked++;
        } else if (c.kind === 'Service') {
          const v = s.services.find((x) => x.namespace === c.namespace && x.name === c.name);
          expect([f, c.name, c.ip ?? '']).toEqual([f, c.name, v?.clusterIPs[0] ?? v?.clusterIP ?? '']);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(20);
  });
});
