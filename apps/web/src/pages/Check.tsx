import { useEffect, useState, type FormEvent } from 'react';
import { gql } from '../api';
import { code } from '../codes';
import { navigate } from '../route';
import { ClusterSelect, ErrorBox, Field, Loading } from '../ui';

interface Finding {
  rule: string;
  severity: string;
  object: string;
  message: string;
  fix: string;
  file: string | null;
  line: number | null;
  suppressed: string | null;
  suppressionReason: string | null;
}
interface Analysis {
  id: string;
  status: 'pending' | 'running' | 'done' | 'failed';
  verdict: 'pass' | 'warn' | 'fail' | null;
  error: string | null;
  source: string;
  snapshotId: string | null;
  findings: Finding[];
}

const SUBMIT = 'mutation($c: ID!, $m: String!) { submitManifests(clusterId: $c, manifests: $m) { id } }';
const ANALYSIS = 'query($id: ID!) { analysis(id: $id) { id status verdict error source snapshotId findings { rule severity object message fix file line suppressed suppressionReason } } }';

const RECENT = 'query($c: ID!) { cluster(id: $c) { analyses(first: 20) { id source status verdict createdAt findings { severity suppressed } } } }';

interface Recent {
  id: string;
  source: string;
  status: string;
  verdict: string | null;
  createdAt: string;
  findings: Array<{ severity: string; suppressed: string | null }>;
}

/** The cluster's analyses, the CI webhook's among them, with their verdicts; each opens as this page's question. */
function RecentAnalyses({ cluster, current, refresh }: { cluster: string; current?: string; refresh: string }) {
  const [st, setSt] = useState<{ list?: Recent[]; error?: string }>({});
  useEffect(() => {
    gql<{ cluster: { analyses: Recent[] } }>(RECENT, { c: cluster }).then(
      (d) => setSt({ list: d.cluster.analyses }),
      (e: Error) => setSt({ error: e.message }),
    );
  }, [cluster, refresh]);
  if (st.error) return <ErrorBox error={st.error} />;
  if (!st.list?.length) return null;
  const count = (r: Recent, sev: string) => r.findings.filter((f) => f.severity === sev && !f.suppressed).length;
  return (
    <table className="grid recent">
      <caption>Analyses of this cluster (newest first; webhook = CI)</caption>
      <thead><tr><th>submitted</th><th>source</th><th>status</th><th>verdict</th><th>errors</th><th>warnings</th><th /></tr></thead>
      <tbody>
        {st.list.map((r) => (
          <tr key={r.id} className={r.id === current ? 'current' : undefined}>
            <td>{new Date(r.createdAt).toLocaleString()}</td>
            <td>{r.source}</td>
            <td>{r.status}</td>
            <td>{r.verdict ? <span className={`badge verdict-${r.verdict}`}>{r.verdict}</span> : '–'}</td>
            <td>{count(r, 'error')}</td>
            <td>{count(r, 'warning')}</td>
            <td><a href={`/ui/check?${new URLSearchParams({ cluster, analysis: r.id })}`} onClick={(e) => { e.preventDefault(); navigate('check', { cluster, analysis: r.id }); }}>findings</a></td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The manifests with each finding's line marked, so the reviewer sees where it points. */
function Source({ text, findings }: { text: string; findings: Finding[] }) {
  const marked = new Map<number, Finding[]>();
  for (const f of findings) if (f.line) marked.set(f.line, [...(marked.get(f.line) ?? []), f]);
  return (
    <ol className="source" aria-label="manifests with findings">
      {text.split('\n').map((l, i) => {
        const at = marked.get(i + 1);
        return (
          <li key={i} className={at ? `marked sev-${at[0].severity}` : undefined} title={at?.map((f) => `${code(f.rule)}: ${f.message}`).join('\n')}>
            <code>{l || ' '}</code>
            {at && <span className="mark-label">{at.map((f) => code(f.rule)).join(', ')}</span>}
          </li>
        );
      })}
    </ol>
  );
}

export function Check({ params }: { params: URLSearchParams }) {
  const cluster = params.get('cluster') ?? undefined;
  const id = params.get('analysis') ?? undefined;
  const text = params.get('m') ?? '';
  const [draft, setDraft] = useState(text);
  const [state, setState] = useState<{ a?: Analysis; error?: string }>({});
  const [submitting, setSubmitting] = useState(false);
  useEffect(() => {
    if (!id) return setState({});
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = () =>
      gql<{ analysis: Analysis }>(ANALYSIS, { id }).then(
        (d) => {
          if (!live) return;
          setState({ a: d.analysis });
          if (d.analysis.status === 'pending' || d.analysis.status === 'running') timer = setTimeout(poll, 500);
        },
        (e: Error) => live && setState({ error: e.message }),
      );
    void poll();
    return () => {
      live = false;
      if (timer) clearTimeout(timer);
    };
  }, [id]);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setSubmitting(true);
    try {
      const d = await gql<{ submitManifests: { id: string } }>(SUBMIT, { c: cluster, m: draft });
      navigate('check', { cluster, analysis: d.submitManifests.id, m: draft });
    } catch (err) {
      setState({ error: (err as Error).message });
    } finally {
      setSubmitting(false);
    }
  };
  const a = state.a;
  const order = { error: 0, warning: 1, info: 2 } as Record<string, number>;
  const findings = [...(a?.findings ?? [])].sort((x, y) => (order[x.severity] ?? 3) - (order[y.severity] ?? 3) || (x.line ?? 0) - (y.line ?? 0));
  return (
    <div>
      <h1>Check manifests</h1>
      <form className="question" onSubmit={(e) => void submit(e)}>
        <ClusterSelect value={cluster} onChange={(c) => navigate('check', { cluster: c })} />
        <Field label="Manifests (YAML or JSON, several documents)">
          <textarea value={draft} onChange={(e) => setDraft(e.target.value)} rows={12} cols={80} spellCheck={false} required />
        </Field>
        <button type="submit" disabled={!cluster || submitting}>check against the cluster</button>
      </form>
      <Loading on={submitting || a?.status === 'pending' || a?.status === 'running'} what="checking" />
      <ErrorBox error={state.error ?? a?.error ?? undefined} />
      {a?.status === 'done' && (
        <section aria-label="findings">
          <p className={`outcome verdict-${a.verdict}`}>
            verdict <strong>{a.verdict}</strong> · {a.findings.length} finding{a.findings.length === 1 ? '' : 's'} · checked against snapshot {a.snapshotId ?? '(none)'}
          </p>
          <table className="grid findings">
            <thead><tr><th>severity</th><th>rule</th><th>object</th><th>line</th><th>finding</th><th>fix</th></tr></thead>
            <tbody>
              {findings.map((f, i) => (
                <tr key={i} className={`sev-${f.severity}${f.suppressed ? ' suppressed' : ''}`}>
                  <td><span className={`badge sev-${f.severity}`}>{f.severity}</span></td>
                  <td><code>{code(f.rule)}</code></td>
                  <td>{f.object}</td>
                  <td>{f.line ?? ''}</td>
                  <td>{f.message}{f.suppressed ? ` (suppressed by ${f.suppressed}: ${f.suppressionReason ?? ''})` : ''}</td>
                  <td>{f.fix}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {text && <Source text={text} findings={a.findings} />}
        </section>
      )}
      {cluster && <RecentAnalyses cluster={cluster} current={id} refresh={`${id ?? ''}/${a?.status ?? ''}`} />}
    </div>
  );
}
