import { aNode, aPod, aSnapshot, aWorkload } from '../testing';
import { buildSchedulingState } from './state';
import { placeWorkload } from './placement';

describe('placeWorkload', () => {
  it('spreads replicas of one workload before stacking them', () => {
    const state = buildSchedulingState(aSnapshot({ nodes: [aNode('a'), aNode('b'), aNode('c')], pods: [aPod('busy', { node: 'a' })] }));
    const r = placeWorkload(state, aWorkload('Deployment', 'web', aPod('', { labels: { app: 'web' } }), { replicas: 4 }));
    expect(r.placed.map((p) => p.node)).toEqual(['b', 'c', 'a', 'b']);
    expect(state.nodes[1].pods).toHaveLength(0);
  });

  it('keeps replicas beyond the nodes with a free host port Pending with the NodePorts message', () => {
    const state = buildSchedulingState(aSnapshot({ nodes: [aNode('a'), aNode('b')] }));
    const r = placeWorkload(state, aWorkload('StatefulSet', 'db', aPod('', { hostPorts: [5432] }), { replicas: 3 }));
    expect(r.placed.map((p) => p.pod)).toEqual(['default/db-0', 'default/db-1']);
    expect(r.pending).toEqual([
      { pod: 'default/db-2', message: "0/2 nodes are available: 2 node(s) didn't have free ports for the requested pod ports. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod." },
    ]);
  });

  it('hostNetwork replicas with declared ports get hostPort by Pod defaulting and never share a node', () => {
    const tpl = aPod('', { hostNetwork: true, containers: [{ name: 'a', image: 'x', ports: [{ containerPort: 9000, hostPort: 0, hostIP: '', protocol: 'TCP' }], requests: {} }] });
    const r = placeWorkload(buildSchedulingState(aSnapshot({ nodes: [aNode('a')] })), aWorkload('Deployment', 'hn', tpl, { replicas: 2 }));
    expect(r.placed).toHaveLength(1);
    expect(r.pending).toHaveLength(1);
  });

  it('hostNetwork replicas with undeclared ports of an unknown image crash once they share a node', () => {
    const state = buildSchedulingState(aSnapshot({ nodes: [aNode('a'), aNode('b'), aNode('c')] }));
    const r = placeWorkload(state, aWorkload('Deployment', 'edge', aPod('', { hostNetwork: true, image: 'example/server:1', labels: { app: 'edge' } }), { replicas: 4 }));
    expect(r.placed.map((p) => p.node)).toEqual(['a', 'b', 'c']);
    expect(r.crashing).toEqual([{ pod: 'default/edge-3', node: 'a', reason: 'bind() failed (98: Address in use): default/edge-0 (same workload) already binds the undeclared port this container listens on', certainty: 'assumed' }]);
  });

  it('keeps everything Pending on an empty cluster', () => {
    const r = placeWorkload(buildSchedulingState(aSnapshot()), aWorkload('Deployment', 'web', aPod(''), { replicas: 2 }));
    expect(r.pending.map((p) => p.message)).toEqual(['no nodes available to schedule pods', 'no nodes available to schedule pods']);
  });

  describe('DaemonSet', () => {
    const nodes = [
      aNode('a'),
      aNode('b', { taints: [{ key: 'node.kubernetes.io/network-unavailable', value: '', effect: 'NoSchedule' }] }),
      aNode('c', { unschedulable: true, taints: [{ key: 'node.kubernetes.io/unschedulable', value: '', effect: 'NoSchedule' }] }),
      aNode('d', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] }),
    ];
    it('runs on cordoned nodes, skips untolerated taints, tolerates network-unavailable only with hostNetwork', () => {
      const state = buildSchedulingState(aSnapshot({ nodes }));
      const plain = placeWorkload(state, aWorkload('DaemonSet', 'agent', aPod('', {})));
      expect(plain.placed.map((p) => p.node)).toEqual(['a', 'c']);
      expect(plain.replicas).toBe(2);
      const hn = placeWorkload(state, aWorkload('DaemonSet', 'cni', aPod('', { hostNetwork: true })));
      expect(hn.placed.map((p) => p.node)).toEqual(['a', 'b', 'c']);
    });
    it('reports the pinned pod with the absent-node histogram when its node has the port taken', () => {
      const state = buildSchedulingState(aSnapshot({ nodes: [aNode('a'), aNode('b'), aNode('c')], pods: [aPod('other', { node: 'b', hostPorts: [9100] })] }));
      const r = placeWorkload(state, aWorkload('DaemonSet', 'exporter', aPod('', { hostPorts: [9100] })));
      expect(r.placed.map((p) => p.node)).toEqual(['a', 'c']);
      expect(r.pending).toEqual([
        {
          pod: 'default/exporter-b',
          message:
            "0/3 nodes are available: 1 node(s) didn't have free ports for the requested pod ports, 2 node(s) didn't satisfy plugin(s) [NodeAffinity]. preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling.",
        },
      ]);
    });
  });
});
