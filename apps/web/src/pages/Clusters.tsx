import { useEffect, useState } from 'react';
import { gql, uploadSnapshot } from '../api';
import { code } from '../codes';
import { navigate } from '../route';
import { ErrorBox, Field, Loading } from '../ui';

interface Snap {
  id: string;
  status: 'pending' | 'ready' | 'failed';
  source: string;
  createdAt: string;
  readyAt: string | null;
  counts: Record<'nodes' | 'pods' | 'workloads' | 'services' | 'endpointSlices' | 'hostStates', number> | null;
  error: { message: string; code: string | null; file: string | null; document: number | null; line: number | null; field: string | null } | null;
}
interface ClusterRow {
  id: string;
  name: string;
  kubernetesVersion: string;
  containerRuntime: string;
  nodePortRange: string;
  kubeProxy: { mode: string; clusterCIDR: string; nodePortAddresses: string[]; localhostNodePorts: boolean };
  snapshots: { totalCount: number; edges: Array<{ node: Snap }> };
}

const CLUSTERS = `{ clusters(first: 20) { totalCount edges { node { id name kubernetesVersion containerRuntime nodePortRange
  kubeProxy { mode clusterCIDR nodePortAddresses localhostNodePorts } } } } }`;
const SNAPSHOTS = `query($c: ID!) { cluster(id: $c) { snapshots(first: 10) { totalCount edges { node { id status source createdAt readyAt
  counts { nodes pods workloads services endpointSlices hostStates } error { message code file document line field } } } } } }`;
// what the engine read from the latest ready snapshot: its profile and dataplane, its guesses, the import's warnings
const INSPECTION = `query($s: ID!) { snapshot(id: $s) { inspection {
  profile { kubernetesVersion containerRuntime nodePortRange kubeProxyMode clusterCIDR cniNetwork portmap dataplane { kind source modelled detail } }
  guesses { code message file line node field } diagnostics { message file document line field } unknown } } }`;

interface Inspection {
  profile: { kubernetesVersion: string; containerRuntime: string; nodePortRange: string; kubeProxyMode: string; clusterCIDR: string; cniNetwork: string | null; portmap: boolean; dataplane: { kind: string; source: string; modelled: boolean; detail: string } | null };
  guesses: Array<{ code: string; message: string; file: string | null; line: number | null; node: string | null; field: string | null }>;
  diagnostics: Array<{ message: string; file: string | null; document: number | null; line: number | null; field: string | null }>;
  unknown: string[];
}

const where = (d: { file: string | null; document?: number | null; line: number | null; field: string | null }) =>
  [d.file, d.document ? `document ${d.document}` : '', d.line ? `line ${d.line}` : '', d.field ?? ''].filter(Boolean).join(', ');

function SnapshotFacts({ snapshotId }: { snapshotId: string }) {
  const [st, setSt] = useState<{ i?: Inspection | null; error?: string }>({});
  useEffect(() => {
    gql<{ snapshot: { inspection: Inspection | null } }>(INSPECTION, { s: snapshotId }).then(
      (d) => setSt({ i: d.snapshot.inspection }),
      (e: Error) => setSt({ error: e.message }),
    );
  }, [snapshotId]);
  if (st.error) return <ErrorBox error={st.error} />;
  const i = st.i;
  if (!i) return null;
  const p = i.profile;
  return (
    <div className="inspection" aria-label="what Portolan read">
      <dl className="facts">
        <dt>profile</dt>
        <dd>
          Kubernetes {p.kubernetesVersion}, {p.containerRuntime}, kube-proxy {p.kubeProxyMode} (clusterCIDR {p.clusterCIDR || 'unset'}), NodePorts {p.nodePortRange}, CNI {p.cniNetwork ?? '(unnamed)'}
          {p.portmap ? ' with portmap' : ' without portmap (hostPorts do nothing)'}
        </dd>
        <dt>dataplane</dt>
        <dd title={p.dataplane?.detail}>
          {p.dataplane ? <>{p.dataplane.kind} <small>(read from {p.dataplane.source}{p.dataplane.modelled ? '' : '; its Service hops are not modelled'})</small></> : '–'}
        </dd>
      </dl>
      {(i.guesses.length > 0 || i.diagnostics.length > 0 || i.unknown.length > 0) && (
        <details>
          <summary>diagnostics: {i.guesses.length} assumed, {i.diagnostics.length} import warnings, {i.unknown.length} objects not modelled</summary>
          <ul className="notes">
            {i.guesses.map((g, k) => <li key={`g${k}`}><code>{code(g.code)}</code> {g.message}{where(g) ? ` (${where(g)})` : ''}{g.node ? ` on ${g.node}` : ''}</li>)}
            {i.diagnostics.map((d, k) => <li key={`d${k}`}>{d.message}{where(d) ? ` (${where(d)})` : ''}</li>)}
            {i.unknown.map((u) => <li key={u}>kept, not modelled: {u}</li>)}
          </ul>
        </details>
      )}
    </div>
  );
}

function useRefresh(periodMs: number, active: boolean): number {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (!active) return;
    const t = setTimeout(() => setTick((x) => x + 1), periodMs);
    return () => clearTimeout(t);
  }, [active, periodMs, tick]);
  return tick;
}

function SnapshotList({ cluster }: { cluster: ClusterRow }) {
  const [snaps, setSnaps] = useState<{ list: Snap[]; total: number; error?: string }>({ list: [], total: 0 });
  const [firstNode, setFirstNode] = useState<string>();
  const pending = snaps.list.some((s) => s.status === 'pending');
  const [uploading, setUploading] = useState<string>();
  const tick = useRefresh(1000, pending);
  useEffect(() => {
    gql<{ cluster: { snapshots: { totalCount: number; edges: Array<{ node: Snap }> } } }>(SNAPSHOTS, { c: cluster.id }).then(
      (d) => setSnaps({ list: d.cluster.snapshots.edges.map((e) => e.node), total: d.cluster.snapshots.totalCount }),
      (e: Error) => setSnaps({ list: [], total: 0, error: e.message }),
    );
  }, [cluster.id, tick, uploading]);
  const latestReady = snaps.list.find((s) => s.status === 'ready');
  useEffect(() => {
    if (!latestReady) return;
    gql<{ snapshot: { nodes: { edges: Array<{ node: { name: string } }> } } }>('query($s: ID!) { snapshot(id: $s) { nodes(first: 1) { edges { node { name } } } } }', { s: latestReady.id }).then(
      (d) => setFirstNode(d.snapshot.nodes.edges[0]?.node.name),
      () => setFirstNode(undefined),
    );
  }, [latestReady?.id]);
  const onFile = async (f: File | undefined) => {
    if (!f) return;
    setUploading('uploading');
    try {
      await uploadSnapshot(cluster.id, f);
      setUploading(undefined);
    } catch (e) {
      setUploading(`upload refused: ${(e as Error).message}`);
    }
  };
  return (
    <section className="card" aria-label={`cluster ${cluster.name}`}>
      <h2>{cluster.name}</h2>
      <dl className="facts">
        <dt>Kubernetes</dt>
        <dd>{cluster.kubernetesVersion}</dd>
        <dt>runtime</dt>
        <dd>{cluster.containerRuntime}</dd>
        <dt>kube-proxy</dt>
        <dd>
          {cluster.kubeProxy.mode}, clusterCIDR {cluster.kubeProxy.clusterCIDR || '(unset)'}, NodePorts {cluster.nodePortRange}
          {cluster.kubeProxy.localhostNodePorts ? ', localhost NodePorts on' : ''} <small>(the cluster's defaults; a snapshot's own profile wins)</small>
        </dd>
      </dl>
      {latestReady ? <SnapshotFacts snapshotId={latestReady.id} /> : <p className="hint">no ready snapshot yet</p>}
      <ErrorBox error={snaps.error} />
      <table className="grid">
        <caption>
          Snapshots ({snaps.total}){pending ? ' — importing, refreshed every second' : ''}
        </caption>
        <thead>
          <tr>
            <th>taken</th>
            <th>status</th>
            <th>source</th>
            <th>nodes</th>
            <th>pods</th>
            <th>workloads</th>
            <th>services</th>
            <th>slices</th>
            <th>host states</th>
            <th>diagnostics</th>
          </tr>
        </thead>
        <tbody>
          {snaps.list.map((s) => (
            <tr key={s.id} className={`status-${s.status}`}>
              <td title={s.id}>{new Date(s.createdAt).toLocaleString()}</td>
              <td>
                <span className={`badge ${s.status}`}>{s.status === 'pending' ? `importing… ${Math.max(0, Math.round((Date.now() - Date.parse(s.createdAt)) / 1000))} s` : s.status}</span>
                {s.readyAt && <small> in {((Date.parse(s.readyAt) - Date.parse(s.createdAt)) / 1000).toFixed(1)} s</small>}
              </td>
              <td>{s.source}</td>
              <td>{s.counts?.nodes ?? '–'}</td>
              <td>{s.counts?.pods ?? '–'}</td>
              <td>{s.counts?.workloads ?? '–'}</td>
              <td>{s.counts?.services ?? '–'}</td>
              <td>{s.counts?.endpointSlices ?? '–'}</td>
              <td>{s.counts?.hostStates ?? '–'}</td>
              <td>
                {s.error ? (
                  <span className="error">
                    {s.error.code ? <code>{s.error.code}</code> : null} {s.error.message}
                    {s.error.file ? ` (${s.error.file}${s.error.document ? ` document ${s.error.document}` : ''}${s.error.line ? ` line ${s.error.line}` : ''}${s.error.field ? `, ${s.error.field}` : ''})` : ''}
                  </span>
                ) : (
                  '–'
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="actions">
        <Field label="Import a snapshot (kubectl get -o yaml, cluster-info dump)">
          <input type="file" accept=".yaml,.yml,.json" onChange={(e) => void onFile(e.target.files?.[0])} />
        </Field>
        {uploading && <span className={uploading === 'uploading' ? 'loading' : 'error'}>{uploading}</span>}
        {latestReady && (
          <>
            <button type="button" onClick={() => navigate('trace', { cluster: cluster.id })}>trace traffic</button>
            <button type="button" onClick={() => navigate('ports', { cluster: cluster.id, node: firstNode })}>port map</button>
            <button type="button" onClick={() => navigate('schedule', { cluster: cluster.id })}>where can a pod run</button>
          </>
        )}
      </div>
    </section>
  );
}

export function Clusters({ params }: { params: URLSearchParams }) {
  const [state, setState] = useState<{ list?: ClusterRow[]; total?: number; error?: string }>({});
  useEffect(() => {
    gql<{ clusters: { totalCount: number; edges: Array<{ node: ClusterRow }> } }>(CLUSTERS).then(
      (d) => setState({ list: d.clusters.edges.map((e) => e.node), total: d.clusters.totalCount }),
      (e: Error) => setState({ error: e.message }),
    );
  }, []);
  const only = params.get('cluster');
  const shown = state.list?.filter((c) => !only || c.id === only) ?? [];
  return (
    <div>
      <h1>Clusters and snapshots</h1>
      <Loading on={!state.list && !state.error} what="loading clusters" />
      <ErrorBox error={state.error} />
      {only && (
        <p>
          <button type="button" onClick={() => navigate('clusters', {})}>show every cluster</button>
        </p>
      )}
      {state.list && state.total !== undefined && state.total > state.list.length && <p className="hint">the first {state.list.length} of {state.total} clusters, by name</p>}
      {state.list && !state.list.length && <p>No clusters yet: create one with the API (POST /v1/clusters) or the CLI.</p>}
      {shown.map((c) => (
        <SnapshotList key={c.id} cluster={c as ClusterRow} />
      ))}
    </div>
  );
}
