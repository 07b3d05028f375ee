import { gql } from './api';
import { useQuery, type Loaded } from './use-query';

export interface ClusterSummary {
  id: string;
  name: string;
}

export function useClusters(): Loaded<ClusterSummary[]> {
  return useQuery('clusters', async () => {
    const d = await gql<{ clusters: { edges: Array<{ node: ClusterSummary }> } }>('{ clusters(first: 50) { edges { node { id name } } } }');
    return d.clusters.edges.map((e) => e.node);
  });
}

export interface SnapshotObjects {
  snapshotId: string;
  snapshots: Array<{ id: string; createdAt: string }>;
  nodes: Array<{ name: string; internalIP: string | null }>;
  pods: Array<{ namespace: string; name: string; nodeName: string | null; hostNetwork: boolean }>;
}

const SNAPSHOTS = 'query($c: ID!) { cluster(id: $c) { snapshots(first: 20) { edges { node { id status createdAt } } } } }';
// two documents: the API prices a list by its page size, and one document with both lists costs too much
const NODES = 'query($s: ID!) { snapshot(id: $s) { nodes(first: 60) { edges { node { name internalIP } } } } }';
const PODS = 'query($s: ID!) { snapshot(id: $s) { pods(first: 40) { edges { node { namespace name nodeName hostNetwork } } } } }';

/** The pickers' choices: the nodes and pods of the cluster's latest ready snapshot (null: none is ready). */
export function useSnapshotObjects(clusterId: string | undefined): Loaded<SnapshotObjects | null> {
  return useQuery(clusterId, async () => {
    const d = await gql<{ cluster: { snapshots: { edges: Array<{ node: { id: string; status: string; createdAt: string } }> } } }>(SNAPSHOTS, { c: clusterId });
    const ready = d.cluster.snapshots.edges.map((e) => e.node).filter((s) => s.status === 'ready');
    if (!ready.length) return null;
    const [n, p] = await Promise.all([
      gql<{ snapshot: { nodes: { edges: Array<{ node: SnapshotObjects['nodes'][number] }> } } }>(NODES, { s: ready[0].id }),
      gql<{ snapshot: { pods: { edges: Array<{ node: SnapshotObjects['pods'][number] }> } } }>(PODS, { s: ready[0].id }),
    ]);
    return {
      snapshotId: ready[0].id,
      snapshots: ready.map((s) => ({ id: s.id, createdAt: s.createdAt })),
      nodes: n.snapshot.nodes.edges.map((e) => e.node),
      pods: p.snapshot.pods.edges.map((e) => e.node),
    };
  });
}
