import { useState, type FormEvent } from 'react';
import { gql } from '../api';
import { useSnapshotObjects } from '../cluster-data';
import { navigate } from '../route';
import { ClusterSelect, ErrorBox, Field, Loading, NodeSelect } from '../ui';
import { useQuery } from '../use-query';

interface Claim {
  address: string;
  port: number;
  protocol: string;
  kind: string;
  owner: string;
  effective: boolean;
  shadowedBy: string | null;
  note: string | null;
}

const CLAIMS = 'query($c: ID!, $n: String!, $p: Int) { portClaims(clusterId: $c, node: $n, port: $p) { address port protocol kind owner effective shadowedBy note } }';

const KIND: Record<string, string> = {
  hostNetwork: 'hostNetwork pod',
  hostPort: 'hostPort DNAT',
  nodePort: 'NodePort',
  healthCheckNodePort: 'health-check port',
  'host-listener': 'host listener',
};

/** Claims on the same port and protocol whose addresses overlap (a wildcard overlaps every address). */
function conflicts(claims: Claim[]): Set<Claim> {
  const out = new Set<Claim>();
  const wild = (a: string) => a === '0.0.0.0' || a === '::' || a === '*' || a === '';
  for (const a of claims) {
    for (const b of claims) {
      if (a !== b && a.port === b.port && a.protocol === b.protocol && (a.address === b.address || wild(a.address) || wild(b.address))) out.add(a);
    }
  }
  return out;
}

export function PortMap({ params }: { params: URLSearchParams }) {
  const cluster = params.get('cluster') ?? undefined;
  const node = params.get('node') ?? '';
  const port = params.get('port') ?? '';
  const objects = useSnapshotObjects(cluster);
  const [n, setN] = useState(node);
  const [p, setP] = useState(port);
  const claims = useQuery(cluster && node ? JSON.stringify([cluster, node, port]) : undefined, () =>
    gql<{ portClaims: Claim[] }>(CLAIMS, { c: cluster, n: node, p: port ? Number(port) : null }).then((d) => d.portClaims),
  );
  const ask = (e: FormEvent) => {
    e.preventDefault();
    navigate('ports', { cluster, node: n, port: p || undefined });
  };
  const list = [...(claims.data ?? [])].sort((a, b) => a.port - b.port || a.protocol.localeCompare(b.protocol) || Number(b.effective) - Number(a.effective));
  const clash = conflicts(list);
  return (
    <div>
      <h1>Port map of a node</h1>
      <form className="question" onSubmit={ask}>
        <ClusterSelect value={cluster} onChange={(c) => navigate('ports', { cluster: c })} />
        <NodeSelect label="Node" value={n} onChange={setN} objects={objects.data} />
        <Field label="only port (optional)">
          <input type="number" min={1} max={65535} value={p} onChange={(e) => setP(e.target.value)} />
        </Field>
        <button type="submit" disabled={!cluster}>show</button>
      </form>
      <ErrorBox error={objects.error} />
      <Loading on={claims.loading} what="reading claims" />
      <ErrorBox error={claims.error} />
      {claims.data && (
        <section aria-label="port claims">
          <p className="legend">
            {list.length} claims on {node}: <span className="badge shadowed">shadowed</span> gets no traffic from outside the node,{' '}
            <span className="badge conflict">conflict</span> shares its port with another claim.
          </p>
          <table className="grid ports">
            <thead>
              <tr><th>address:port/protocol</th><th>owner</th><th>kind</th><th>receives traffic</th><th>why / note</th></tr>
            </thead>
            <tbody>
              {list.map((c, i) => (
                <tr key={i} className={`${c.effective ? '' : 'shadowed'}${clash.has(c) ? ' conflict' : ''}`}>
                  <td><code>{c.address.includes(':') ? `[${c.address}]` : c.address}:{c.port}/{c.protocol}</code></td>
                  <td>{c.owner}</td>
                  <td><span className={`kind kind-${c.kind}`}>{KIND[c.kind] ?? c.kind}</span></td>
                  <td>
                    {c.effective ? 'yes' : <span className="badge shadowed">shadowed</span>}
                    {clash.has(c) && <span className="badge conflict">conflict</span>}
                  </td>
                  <td>{c.shadowedBy ?? c.note ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
    </div>
  );
}
