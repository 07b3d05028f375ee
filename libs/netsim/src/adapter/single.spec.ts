import { InputError, nodeFromObject, serviceFromObject } from './index';

describe('single-object readers', () => {
  it('reads a Node as the snapshot build does: podCIDR fallback, taints, InternalIP', () => {
    const n = nodeFromObject({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'n1', labels: { a: 'b' } },
      spec: { podCIDR: '10.244.1.0/24', taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] },
      status: { addresses: [{ type: 'Hostname', address: 'n1' }, { type: 'InternalIP', address: '192.168.1.5' }] },
    });
    expect(n).toMatchObject({ name: 'n1', internalIP: '192.168.1.5', podCIDRs: ['10.244.1.0/24'], unschedulable: false, labels: { a: 'b' } });
    expect(n.taints).toEqual([{ key: 'node-role.kubernetes.io/control-plane', value: '', effect: 'NoSchedule' }]);
  });
  it('reads a Service with the API server defaults (type, protocol, targetPort)', () => {
    const s = serviceFromObject({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'd' }, spec: { clusterIP: '10.96.0.9', ports: [{ port: 80 }], selector: { app: 'web' } } });
    expect(s).toMatchObject({ type: 'ClusterIP', clusterIP: '10.96.0.9', selector: { app: 'web' } });
    expect(s.ports).toEqual([expect.objectContaining({ port: 80, protocol: 'TCP', targetPort: 80 })]);
  });
  it('refuses a wrongly typed field with the field path', () => {
    expect(() => serviceFromObject({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'x' }, spec: { ports: 'eighty' } })).toThrow(InputError);
  });
});
