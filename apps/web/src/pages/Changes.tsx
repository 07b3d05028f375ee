import { useState, type FormEvent } from 'react';
import { gql } from '../api';
import { useSnapshotObjects } from '../cluster-data';
import { navigate } from '../route';
import { ClusterSelect, ErrorBox, Field, Loading } from '../ui';
import { useQuery } from '../use-query';

interface Claim {
  kind: string;
  owner: string;
  effective: boolean;
}
interface Diff {
  claims: Array<{ node: string; address: string; port: number; protocol: string; change: string; before: Claim[]; after: Claim[] }>;
  paths: Array<{ node: string; port: number; protocol: string; before: { outcome: string; destinations: string[] }; after: { outcome: string; destinations: string[] } }>;
  workloads: Array<{ workload: string; change: string; feasibleBefore: number; feasibleAfter: number; lostNodes: string[]; gainedNodes: string[] }>;
  truncated: string[];
}

const FIELDS = `claims { node address port protocol change before { kind owner effective } after { kind owner effective } }
  paths { node port protocol before { outcome destinations } after { outcome destinations } }
  workloads { workload change feasibleBefore feasibleAfter lostNodes gainedNodes } truncated`;
const DIFF = `query($c: ID!, $from: ID!, $to: ID!) { snapshotDiff(clusterId: $c, from: $from, to: $to) { ${FIELDS} } }`;
const WHAT_IF = `query($c: ID!, $m: String!) { whatIf(clusterId: $c, manifests: $m) { ${FIELDS} } }`;

const owners = (cs: Claim[]) => (cs.length ? cs.map((c) => `${c.owner} (${c.kind}${c.effective ? '' : ', shadowed'})`).join(', ') : '–');

function DiffView({ d, cluster }: { d: Diff; cluster?: string }) {
  const none = !d.claims.length && !d.paths.length && !d.workloads.length;
  return (
    <section aria-label="changes">
      {none && <p className="outcome delivered">nothing changed: same owners, same paths, same feasible nodes</p>}
      {d.truncated.length > 0 && <p className="error">incomplete: {d.truncated.join('; ')}</p>}
      {d.claims.length > 0 && (
        <table className="grid">
          <caption>Changed owners ({d.claims.length})</caption>
          <thead><tr><th>node</th><th>address:port/protocol</th><th>change</th><th>before</th><th>after</th></tr></thead>
          <tbody>
            {d.claims.map((c, i) => (
              <tr key={i} className={`change-${c.change}`}>
                <td>{c.node}</td><td><code>{c.address}:{c.port}/{c.protocol}</code></td><td>{c.change}</td><td>{owners(c.before)}</td><td>{owners(c.after)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {d.paths.length > 0 && (
        <table className="grid">
          <caption>Changed paths ({d.paths.length})</caption>
          <thead><tr><th>node</th><th>port</th><th>before</th><th>after</th><th /></tr></thead>
          <tbody>
            {d.paths.map((p, i) => (
              <tr key={i}>
                <td>{p.node}</td><td>{p.port}/{p.protocol}</td>
                <td>{p.before.outcome}: {p.before.destinations.join(', ') || '–'}</td>
                <td>{p.after.outcome}: {p.after.destinations.join(', ') || '–'}</td>
                <td><a href={`/ui/trace?${new URLSearchParams({ ...(cluster ? { cluster } : {}), to: `${p.node}:${p.port}/${p.protocol}` })}`}>trace</a></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {d.workloads.length > 0 && (
        <table className="grid">
          <caption>Workloads whose feasible nodes changed ({d.workloads.length})</caption>
          <thead><tr><th>workload</th><th>change</th><th>feasible nodes</th><th>lost</th><th>gained</th></tr></thead>
          <tbody>
            {d.workloads.map((w, i) => (
              <tr key={i}>
                <td>{w.workload}</td><td>{w.change}</td><td>{w.feasibleBefore} → {w.feasibleAfter}</td><td>{w.lostNodes.join(', ')}</td><td>{w.gainedNodes.join(', ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function Changes({ params }: { params: URLSearchParams }) {
  const cluster = params.get('cluster') ?? undefined;
  const from = params.get('from') ?? '';
  const to = params.get('to') ?? '';
  const manifests = params.get('m') ?? '';
  const objects = useSnapshotObjects(cluster);
  const [f, setF] = useState(from);
  const [t, setT] = useState(to);
  const [m, setM] = useState(manifests);
  const diff = useQuery(cluster && from && to ? JSON.stringify(['diff', cluster, from, to]) : undefined, () => gql<{ snapshotDiff: Diff }>(DIFF, { c: cluster, from, to }).then((d) => d.snapshotDiff));
  const whatIf = useQuery(cluster && manifests ? JSON.stringify(['whatif', cluster, manifests]) : undefined, () => gql<{ whatIf: Diff }>(WHAT_IF, { c: cluster, m: manifests }).then((d) => d.whatIf));
  const snaps = objects.data?.snapshots ?? [];
  const pick = (label: string, v: string, set: (s: string) => void) => (
    <Field label={label}>
      <select value={v} onChange={(e) => set(e.target.value)} required>
        <option value="">(choose a snapshot)</option>
        {snaps.map((s) => <option key={s.id} value={s.id}>{new Date(s.createdAt).toLocaleString()} · {s.id.slice(0, 8)}</option>)}
      </select>
    </Field>
  );
  return (
    <div>
      <h1>What changed?</h1>
      <ClusterSelect value={cluster} onChange={(c) => navigate('changes', { cluster: c })} />
      <ErrorBox error={objects.error} />
      <form className="question" onSubmit={(e: FormEvent) => { e.preventDefault(); navigate('changes', { cluster, from: f, to: t }); }}>
        <h2>Between two snapshots</h2>
        {pick('from', f, setF)}
        {pick('to', t, setT)}
        <button type="submit" disabled={!cluster}>compare</button>
      </form>
      <Loading on={diff.loading} what="comparing" />
      <ErrorBox error={diff.error} />
      {diff.data && <DiffView d={diff.data} cluster={cluster} />}
      <form className="question" onSubmit={(e: FormEvent) => { e.preventDefault(); navigate('changes', { cluster, m }); }}>
        <h2>What if these manifests were applied?</h2>
        <Field label="Manifests (YAML or JSON)">
          <textarea value={m} onChange={(e) => setM(e.target.value)} rows={8} cols={80} spellCheck={false} required />
        </Field>
        <button type="submit" disabled={!cluster}>what if</button>
      </form>
      <Loading on={whatIf.loading} what="simulating" />
      <ErrorBox error={whatIf.error} />
      {whatIf.data && <DiffView d={whatIf.data} cluster={cluster} />}
    </div>
  );
}
