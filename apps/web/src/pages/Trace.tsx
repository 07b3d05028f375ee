import { useState, type FormEvent } from 'react';
import { gql } from '../api';
import { code } from '../codes';
import { useSnapshotObjects } from '../cluster-data';
import { navigate } from '../route';
import { ClusterSelect, ErrorBox, Field, Loading } from '../ui';
import { useQuery } from '../use-query';
import { PathDiagram } from './PathDiagram';
import type { Destination, Hop } from './path-model';

const TRAFFIC = `query($c: ID!, $to: String!, $from: String, $at: String) { trafficPath(clusterId: $c, to: $to, from: $from, at: $at) {
  snapshotId outcome masquerade sourceSeen complete notes requires incomplete { code message node }
  dataplane { kind modelled }
  hops { node hook table chain rule verdict action target before after }
  destinations { kind node pod ip port probability outcome hops { node hook table chain rule verdict action target before after } } } }`;

interface Answer {
  snapshotId: string;
  outcome: string;
  masquerade: boolean;
  sourceSeen: string;
  complete: boolean;
  notes: string[];
  requires: string[];
  incomplete: Array<{ code: string; message: string; node: string }>;
  dataplane: { kind: string; modelled: boolean } | null;
  hops: Hop[];
  destinations: Destination[];
}

type FromKind = 'external' | 'node' | 'localhost' | 'pod';

function parseFrom(s: string): { kind: FromKind; value: string } {
  const i = s.indexOf(':');
  const kind = (i < 0 ? s : s.slice(0, i)) as FromKind;
  return ['external', 'node', 'localhost', 'pod'].includes(kind) ? { kind, value: i < 0 ? '' : s.slice(i + 1) } : { kind: 'external', value: '' };
}

function parseTo(s: string): { host: string; port: string; proto: string } {
  const m = /^(.*):(\d+)(?:\/(\w+))?$/.exec(s);
  return m ? { host: m[1], port: m[2], proto: (m[3] ?? 'TCP').toUpperCase() } : { host: s, port: '', proto: 'TCP' };
}

export function Trace({ params }: { params: URLSearchParams }) {
  const cluster = params.get('cluster') ?? undefined;
  const to = params.get('to') ?? '';
  const from = params.get('from') ?? 'external';
  const at = params.get('at') ?? '';
  const objects = useSnapshotObjects(cluster);
  const t0 = parseTo(to);
  const f0 = parseFrom(from);
  const [host, setHost] = useState(t0.host);
  const [port, setPort] = useState(t0.port);
  const [proto, setProto] = useState(t0.proto);
  const [fromKind, setFromKind] = useState<FromKind>(f0.kind);
  const [fromValue, setFromValue] = useState(f0.value);
  const [atNode, setAtNode] = useState(at);
  const answer = useQuery(cluster && to ? JSON.stringify([cluster, to, from, at]) : undefined, () =>
    gql<{ trafficPath: Answer }>(TRAFFIC, { c: cluster, to, from, at: at || null }).then((d) => d.trafficPath),
  );
  const ask = (e: FormEvent) => {
    e.preventDefault();
    navigate('trace', { cluster, to: `${host}:${port}/${proto}`, from: fromKind === 'external' ? (fromValue ? `external:${fromValue}` : 'external') : `${fromKind}:${fromValue}`, at: atNode || undefined });
  };
  const nodes = objects.data?.nodes ?? [];
  const pods = objects.data?.pods ?? [];
  const a = answer.data;
  return (
    <div>
      <h1>What path does traffic take?</h1>
      <form className="question" onSubmit={ask}>
        <ClusterSelect value={cluster} onChange={(c) => navigate('trace', { cluster: c })} />
        <fieldset>
          <legend>From</legend>
          <Field label="source">
            <select value={fromKind} onChange={(e) => { setFromKind(e.target.value as FromKind); setFromValue(''); }}>
              <option value="external">outside the cluster</option>
              <option value="node">a node</option>
              <option value="localhost">localhost on a node</option>
              <option value="pod">a pod</option>
            </select>
          </Field>
          {fromKind === 'external' && (
            <Field label="client IP (optional)">
              <input value={fromValue} onChange={(e) => setFromValue(e.target.value)} placeholder="203.0.113.7" size={16} />
            </Field>
          )}
          {(fromKind === 'node' || fromKind === 'localhost') && (
            <Field label="node">
              <select value={fromValue} onChange={(e) => setFromValue(e.target.value)} required>
                <option value="">(choose)</option>
                {nodes.map((n) => <option key={n.name}>{n.name}</option>)}
              </select>
            </Field>
          )}
          {fromKind === 'pod' && (
            <Field label="pod">
              <select value={fromValue} onChange={(e) => setFromValue(e.target.value)} required>
                <option value="">(choose)</option>
                {pods.map((p) => <option key={`${p.namespace}/${p.name}`}>{`${p.namespace}/${p.name}`}</option>)}
              </select>
            </Field>
          )}
        </fieldset>
        <fieldset>
          <legend>To</legend>
          <Field label="host (node name or IP)">
            <input list="trace-hosts" value={host} onChange={(e) => setHost(e.target.value)} required size={18} />
          </Field>
          <datalist id="trace-hosts">
            {nodes.map((n) => <option key={n.name} value={n.name} />)}
            {nodes.filter((n) => n.internalIP && n.internalIP !== n.name).map((n) => <option key={`ip-${n.name}`} value={n.internalIP as string} />)}
          </datalist>
          <Field label="port">
            <input type="number" min={1} max={65535} value={port} onChange={(e) => setPort(e.target.value)} required />
          </Field>
          <Field label="protocol">
            <select value={proto} onChange={(e) => setProto(e.target.value)}>
              <option>TCP</option>
              <option>UDP</option>
              <option>SCTP</option>
            </select>
          </Field>
          <Field label="enters at (optional)">
            <select value={atNode} onChange={(e) => setAtNode(e.target.value)}>
              <option value="">(from the address)</option>
              {nodes.map((n) => <option key={n.name}>{n.name}</option>)}
            </select>
          </Field>
        </fieldset>
        <button type="submit" disabled={!cluster}>trace</button>
      </form>
      <ErrorBox error={objects.error} />
      <Loading on={answer.loading} what="tracing" />
      <ErrorBox error={answer.error} />
      {a && (
        <section aria-label="answer">
          <p className={`outcome ${a.outcome}`}>
            <strong>{code(a.outcome)}</strong> — {a.destinations.length} destination{a.destinations.length === 1 ? '' : 's'}
            {a.masquerade ? ', masqueraded' : ''}; the receiver sees the source as {a.sourceSeen}
            {a.dataplane ? ` · dataplane ${a.dataplane.kind}${a.dataplane.modelled ? '' : ' (Service hops not modelled)'}` : ''}
            {a.complete ? '' : ' · incomplete answer'}
          </p>
          <PathDiagram hops={a.hops} destinations={a.destinations} outcome={a.outcome} />
          {a.incomplete.length > 0 && (
            <ul className="incomplete">
              {a.incomplete.map((r, i) => <li key={i}><code>{code(r.code)}</code> {r.node}: {r.message}</li>)}
            </ul>
          )}
          {a.notes.length > 0 && (
            <ul className="notes">
              {a.notes.map((n, i) => <li key={i}>{n}</li>)}
            </ul>
          )}
          <details>
            <summary>raw hops ({a.hops.length})</summary>
            <table className="grid hops">
              <thead>
                <tr><th>#</th><th>node</th><th>hook</th><th>table</th><th>chain</th><th>action</th><th>rule</th><th>verdict</th></tr>
              </thead>
              <tbody>
                {a.hops.map((h, i) => (
                  <tr key={i} className={`act-${h.action}`}>
                    <td>{i + 1}</td><td>{h.node}</td><td>{h.hook ?? ''}</td><td>{h.table}</td><td>{h.chain}</td>
                    <td>{code(h.action)}{h.target ? ` ${h.target}` : ''}{h.before ? ` ${h.before} → ${h.after ?? '?'}` : ''}</td>
                    <td><code>{h.rule}</code></td><td>{h.verdict}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </details>
        </section>
      )}
    </div>
  );
}
