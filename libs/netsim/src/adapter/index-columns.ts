import type { ParsedObject } from './parse';

/** The columns a stored object is found by (snapshot object queries), as the adapter reads the object. */
export interface IndexColumns {
  kind: string;
  namespace: string;
  name: string;
  labels: Record<string, string> | null;
  /** pods: spec.nodeName; host states: the node */
  nodeName?: string | null;
  hostNetwork?: boolean;
  phase?: string | null;
  /** pods: the first pod IP; services: the ClusterIP; nodes: the address the engine uses (InternalIP, else ExternalIP) */
  ip?: string | null;
}

const rec = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

function labelsOf(v: unknown): Record<string, string> | null {
  const o = rec(v);
  const out: Record<string, string> = {};
  let any = false;
  for (const [k, x] of Object.entries(o)) {
    if (typeof x !== 'string') continue;
    out[k] = x;
    any = true;
  }
  return any ? out : null;
}

/**
 * Read with the same rules as the snapshot model (pod.ts, objects.ts): podIPs before podIP, a Node's InternalIP
 * before its ExternalIP, clusterIPs before clusterIP; a NodeHostState is named by its node. Cheap (no Reader, no
 * diagnostics): it runs once per stored object, and the build reports what is malformed.
 */
export function indexColumns(po: ParsedObject): IndexColumns {
  const o = po.obj;
  const md = rec(o['metadata']);
  const spec = rec(o['spec']);
  const status = rec(o['status']);
  const kind = str(o['kind']) ?? 'Unknown';
  const out: IndexColumns = { kind, namespace: str(md['namespace']) ?? '', name: str(md['name']) ?? str(spec['nodeName']) ?? '', labels: labelsOf(md['labels']) };
  switch (kind) {
    case 'Pod': {
      const ips = Array.isArray(status['podIPs']) ? status['podIPs'].map((x) => str(rec(x)['ip'])).filter((x): x is string => !!x) : [];
      return { ...out, nodeName: str(spec['nodeName']), hostNetwork: spec['hostNetwork'] === true, phase: str(status['phase']), ip: ips[0] ?? str(status['podIP']) };
    }
    case 'Service': {
      const ips = Array.isArray(spec['clusterIPs']) ? spec['clusterIPs'].filter((x): x is string => typeof x === 'string') : [];
      return { ...out, ip: ips[0] ?? str(spec['clusterIP']) };
    }
    case 'Node': {
      const addrs = Array.isArray(status['addresses']) ? status['addresses'].map(rec) : [];
      const pick = (t: string) => str(addrs.find((a) => a['type'] === t)?.['address']);
      return { ...out, ip: pick('InternalIP') ?? pick('ExternalIP') };
    }
    case 'NodeHostState':
      return { ...out, nodeName: str(spec['nodeName']) };
    default:
      return out;
  }
}
