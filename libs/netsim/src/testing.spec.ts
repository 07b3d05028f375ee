import { aNode, aPod, aService, aSnapshot, anEndpointSlice } from './testing';

describe('testing builders', () => {
  it('builds a ready node with kubelet-like allocatable', () => {
    const n = aNode('n1', { ip: '10.0.0.1' });
    expect(n.allocatable).toEqual({ pods: 110, cpu: 4000, memory: 8 * 1024 ** 3 });
    expect(n.ready).toBe(true);
    expect(n.internalIP).toBe('10.0.0.1');
  });
  it('builds a pod with host ports and a bound phase', () => {
    const p = aPod('p', { node: 'n1', hostPorts: [8080] });
    expect(p.phase).toBe('Running');
    expect(p.containers[0].ports[0]).toEqual({ containerPort: 8080, hostPort: 8080, hostIP: '', protocol: 'TCP' });
  });
  it('builds services with or without selector', () => {
    expect(aService('web').selector).toEqual({ app: 'web' });
    expect(aService('web', { selector: undefined }).selector).toBeUndefined();
    expect(aService('np', { ports: [{ port: 80, nodePort: 30080 }] }).type).toBe('NodePort');
    expect(aSnapshot().profile.kubeProxy.masqueradeBit).toBe(14);
    expect(anEndpointSlice('web', [{ ip: '10.244.1.5', node: 'b' }]).endpoints[0]).toEqual({ addresses: ['10.244.1.5'], ready: true, serving: true, terminating: false, nodeName: 'b' });
  });
});
