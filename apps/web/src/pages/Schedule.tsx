import { useState, type FormEvent } from 'react';
import { parse, stringify } from 'yaml';
import { gql } from '../api';
import { useSnapshotObjects } from '../cluster-data';
import { navigate } from '../route';
import { ClusterSelect, ErrorBox, Field, Loading } from '../ui';
import { useQuery } from '../use-query';

interface Verdict {
  node: string;
  feasible: boolean;
  code: string | null;
  plugin: string | null;
  reason: string | null;
  reasons: string[];
  blockers: Array<{ kind: string; description: string; pod: string | null; owner: string | null }>;
  runtime: Array<{ kind: string; message: string; consequence: string | null; certainty: string; holder: string | null }>;
}
interface PodAnswer {
  pod: string;
  scheduler: boolean;
  feasibleNodes: string[];
  message: string | null;
  nodes: Verdict[];
  kubeletAdmission: { node: string; admit: boolean; reason: string | null; message: string | null } | null;
}
interface Placement {
  workload: string;
  replicas: number;
  placed: Array<{ pod: string; node: string }>;
  pending: Array<{ pod: string; message: string }>;
  crashing: Array<{ pod: string; node: string; reason: string; certainty: string }>;
}

const SCHEDULE = `query($c: ID!, $y: String) { schedulePod(clusterId: $c, podYaml: $y) { pod scheduler feasibleNodes message
  kubeletAdmission { node admit reason message }
  nodes { node feasible code plugin reason reasons blockers { kind description pod owner } runtime { kind message consequence certainty holder } } } }`;
const PLACE = 'query($c: ID!, $y: String) { placeWorkload(clusterId: $c, workloadYaml: $y) { workload replicas placed { pod node } pending { pod message } crashing { pod node reason certainty } } }';

/** kube-scheduler's default filter order (a node's filters stop at the first that fails). GraphQL spells '(' as '_'. */
const FILTERS = ['NodeUnschedulable', 'NodeName', 'TaintToleration', 'NodeAffinity', 'NodePorts', 'NodeResourcesFit', 'VolumeRestrictions', 'NodeVolumeLimits', 'VolumeBinding', 'VolumeZone', 'PodTopologySpread', 'InterPodAffinity'];
const WORKLOADS = ['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job'];

/**
 * The question as the API takes it: a Pod as is; a workload's pod template as a Pod for the matrix (its replicas
 * go to placeWorkload). Only kind and template are read here; the engine's adapter parses the objects.
 */
interface Obj {
  kind?: string;
  metadata?: { name?: string; namespace?: string };
  spec?: { template?: { metadata?: Record<string, unknown>; spec?: unknown } };
}

function questionOf(text: string): { kind: string; pod: string; workload?: string } {
  let doc: Obj | null;
  try {
    doc = parse(text);
  } catch (e) {
    throw new Error(`the YAML does not parse: ${(e as Error).message}`);
  }
  const kind = doc?.kind;
  if (kind === 'Pod') return { kind, pod: text };
  if (doc && kind && WORKLOADS.includes(kind)) {
    const t = doc.spec?.template ?? {};
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { ...(t.metadata ?? {}), name: `${doc.metadata?.name ?? 'workload'}-template`, namespace: doc.metadata?.namespace }, spec: t.spec ?? {} };
    return { kind, pod: JSON.stringify(pod), workload: text };
  }
  throw new Error(`expected a Pod, Deployment, ReplicaSet, StatefulSet, DaemonSet or Job, got ${JSON.stringify(kind ?? null)}`);
}

const WORKLOAD_LIST = 'query($s: ID!) { snapshot(id: $s) { workloads(first: 40) { edges { node { kind namespace name } } } } }';
const WORKLOAD_MANIFEST = 'query($s: ID!, $k: String!, $ns: String!, $n: String!) { snapshot(id: $s) { workloads(kind: $k, namespace: $ns, nameContains: $n, first: 10) { edges { node { name manifest } } } } }';
const POD_MANIFEST = 'query($s: ID!, $ns: String!, $n: String!) { snapshot(id: $s) { pods(namespace: $ns, nameContains: $n, first: 10) { edges { node { name manifest } } } } }';

/** A stored object as the question's YAML; a bound pod loses spec.nodeName, so the scheduler (not the kubelet) answers. */
async function pickedYaml(snapshotId: string, pick: string): Promise<string> {
  const [what, kind, ns, name] = pick.split('|');
  const q = what === 'pod' ? POD_MANIFEST : WORKLOAD_MANIFEST;
  const d = await gql<{ snapshot: Record<string, { edges: Array<{ node: { name: string; manifest: string } }> }> }>(q, { s: snapshotId, k: kind, ns, n: name });
  const hit = d.snapshot[what === 'pod' ? 'pods' : 'workloads'].edges.find((e) => e.node.name === name);
  if (!hit) throw new Error(`${kind} ${ns}/${name} is not in the snapshot`);
  const obj = JSON.parse(hit.node.manifest) as { spec?: { nodeName?: string } };
  if (what === 'pod' && obj.spec?.nodeName) delete obj.spec.nodeName;
  return stringify(obj);
}

function Picker({ cluster, onYaml }: { cluster: string; onYaml: (y: string) => void }) {
  const objects = useSnapshotObjects(cluster);
  const snap = objects.data?.snapshotId;
  const workloads = useQuery(snap, () => gql<{ snapshot: { workloads: { edges: Array<{ node: { kind: string; namespace: string; name: string } }> } } }>(WORKLOAD_LIST, { s: snap }).then((d) => d.snapshot.workloads.edges.map((e) => e.node)));
  const [error, setError] = useState<string>();
  if (!snap) return null;
  return (
    <Field label="or pick one of the snapshot's">
      <select
        value=""
        onChange={(e) => {
          const v = e.target.value;
          if (!v) return;
          setError(undefined);
          pickedYaml(snap, v).then(onYaml, (err: Error) => setError(err.message));
        }}
      >
        <option value="">(workloads and pods)</option>
        <optgroup label="workloads">
          {workloads.data?.map((w) => <option key={`${w.kind}/${w.namespace}/${w.name}`} value={`workload|${w.kind}|${w.namespace}|${w.name}`}>{`${w.kind} ${w.namespace}/${w.name}`}</option>)}
        </optgroup>
        <optgroup label="pods (spec.nodeName dropped)">
          {objects.data?.pods.map((p) => <option key={`${p.namespace}/${p.name}`} value={`pod|Pod|${p.namespace}|${p.name}`}>{`${p.namespace}/${p.name}`}</option>)}
        </optgroup>
      </select>
      <ErrorBox error={error ?? workloads.error} />
    </Field>
  );
}

function cell(v: Verdict, filter: string): { state: 'pass' | 'fail' | 'skipped'; text?: string } {
  if (v.feasible) return { state: 'pass' };
  const failed = (v.plugin ?? '').replace(/_PreFilter$/, '');
  const at = FILTERS.indexOf(failed);
  const i = FILTERS.indexOf(filter);
  if (filter === failed) return { state: 'fail', text: v.reason ?? v.reasons.join('; ') };
  return at < 0 || i < at ? { state: 'pass' } : { state: 'skipped' };
}

export function Schedule({ params }: { params: URLSearchParams }) {
  const cluster = params.get('cluster') ?? undefined;
  const yamlText = params.get('yaml') ?? '';
  const [draft, setDraft] = useState(yamlText);
  const answer = useQuery(cluster && yamlText ? JSON.stringify([cluster, yamlText]) : undefined, async () => {
    const q = questionOf(yamlText);
    const [pod, placement] = await Promise.all([
      gql<{ schedulePod: PodAnswer }>(SCHEDULE, { c: cluster, y: q.pod }).then((d) => d.schedulePod),
      q.workload ? gql<{ placeWorkload: Placement }>(PLACE, { c: cluster, y: q.workload }).then((d) => d.placeWorkload) : Promise.resolve(undefined),
    ]);
    return { pod, placement, kind: q.kind };
  });
  const ask = (e: FormEvent) => {
    e.preventDefault();
    navigate('schedule', { cluster, yaml: draft });
  };
  const a = answer.data;
  const rows = a ? [...a.pod.nodes].sort((x, y) => Number(y.feasible) - Number(x.feasible)) : [];
  const used = a ? FILTERS.filter((f) => a.pod.nodes.some((v) => (v.plugin ?? '').replace(/_PreFilter$/, '') === f) || ['NodeUnschedulable', 'TaintToleration', 'NodeAffinity', 'NodePorts', 'NodeResourcesFit'].includes(f)) : [];
  return (
    <div>
      <h1>Where can this pod run?</h1>
      <form className="question" onSubmit={ask}>
        <ClusterSelect value={cluster} onChange={(c) => navigate('schedule', { cluster: c, yaml: draft || undefined })} />
        {cluster && <Picker cluster={cluster} onYaml={setDraft} />}
        <Field label="Pod or workload (YAML or JSON)">
          <textarea value={draft} onChange={(e) => setDraft(e.target.value)} rows={12} cols={80} spellCheck={false} required placeholder={'apiVersion: v1\nkind: Pod\n...'} />
        </Field>
        <button type="submit" disabled={!cluster}>ask the scheduler</button>
      </form>
      <Loading on={answer.loading} what="scheduling" />
      <ErrorBox error={answer.error} />
      {a && (
        <section aria-label="answer">
          <p className={`outcome ${a.pod.feasibleNodes.length ? 'delivered' : 'refused'}`}>
            <strong>{a.pod.feasibleNodes.length} of {a.pod.nodes.length} nodes</strong> can host {a.pod.pod}
            {a.pod.feasibleNodes.length ? `: ${a.pod.feasibleNodes.join(', ')}` : ''}
            {a.pod.message ? ` — ${a.pod.message}` : ''}
          </p>
          {!a.pod.scheduler && a.pod.kubeletAdmission && (
            <p>spec.nodeName is set: the kubelet on {a.pod.kubeletAdmission.node} {a.pod.kubeletAdmission.admit ? 'admits it' : `rejects it (${a.pod.kubeletAdmission.reason}: ${a.pod.kubeletAdmission.message})`}</p>
          )}
          <table className="grid matrix">
            <caption>node × filter (filters run in this order and stop at the first that fails)</caption>
            <thead>
              <tr>
                <th>node</th>
                {used.map((f) => <th key={f}>{f}</th>)}
                <th>at run time</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((v) => (
                <tr key={v.node} className={v.feasible ? 'feasible' : 'infeasible'}>
                  <th scope="row">{v.node}{v.feasible ? ' ✓' : ''}</th>
                  {used.map((f) => {
                    const c = cell(v, f);
                    return (
                      <td key={f} className={`cell-${c.state}`}>
                        {c.state === 'pass' ? '✓' : c.state === 'skipped' ? '·' : (
                          <>
                            <strong>✕</strong> {c.text} <small className="code">{v.code}{v.plugin?.endsWith('_PreFilter') ? ', at PreFilter' : ''}</small>
                            {v.blockers.map((b, i) => <div key={i} className="blocker">{b.description}</div>)}
                          </>
                        )}
                      </td>
                    );
                  })}
                  <td>
                    {v.runtime.map((r, i) => (
                      <div key={i} className="runtime">
                        <span className="badge predicted">predicted ({r.certainty})</span> {r.message}
                        {r.consequence ? ` → ${r.consequence}` : ''}
                      </div>
                    ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {a.placement && (
            <section aria-label="replica placement">
              <h2>Replicas of {a.placement.workload} ({a.placement.replicas})</h2>
              <table className="grid">
                <thead><tr><th>replica</th><th>node</th><th>state</th></tr></thead>
                <tbody>
                  {a.placement.placed.map((p) => {
                    const crash = a.placement?.crashing.find((c) => c.pod === p.pod);
                    return (
                      <tr key={p.pod} className={crash ? 'infeasible' : 'feasible'}>
                        <td>{p.pod}</td><td>{p.node}</td>
                        <td>{crash ? <><span className="badge predicted">predicted ({crash.certainty})</span> {crash.reason}</> : 'placed'}</td>
                      </tr>
                    );
                  })}
                  {a.placement.crashing.filter((c) => !a.placement?.placed.some((p) => p.pod === c.pod)).map((c) => (
                    <tr key={c.pod} className="infeasible"><td>{c.pod}</td><td>{c.node}</td><td><span className="badge predicted">predicted ({c.certainty})</span> {c.reason}</td></tr>
                  ))}
                  {a.placement.pending.map((p) => (
                    <tr key={p.pod} className="infeasible"><td>{p.pod}</td><td>–</td><td>pending: {p.message}</td></tr>
                  ))}
                </tbody>
              </table>
            </section>
          )}
        </section>
      )}
    </div>
  );
}
