import type { Diagnostic, ParsedObject } from '@portolan/netsim';
import type { ObjectRow } from '@portolan/persistence';

export function diagnosticsToDetails(diags: Diagnostic[]) {
  return diags.map((d) => ({ file: d.file, doc: d.doc, line: d.line, field: d.field, message: d.message }));
}

/** Columns the object queries filter on, read from the raw object so stored rows never depend on engine internals. */
export function objectRow(po: ParsedObject): ObjectRow {
  const o = po.obj as Record<string, any>;
  const md = (o['metadata'] ?? {}) as Record<string, any>;
  const spec = (o['spec'] ?? {}) as Record<string, any>;
  const status = (o['status'] ?? {}) as Record<string, any>;
  const kind = String(o['kind'] ?? 'Unknown');
  const row: ObjectRow = {
    kind,
    namespace: typeof md['namespace'] === 'string' ? md['namespace'] : '',
    name: typeof md['name'] === 'string' ? md['name'] : typeof spec['nodeName'] === 'string' ? spec['nodeName'] : '',
    labels: md['labels'] && typeof md['labels'] === 'object' ? md['labels'] : null,
    raw: o as never,
  };
  if (kind === 'Pod') {
    row.nodeName = typeof spec['nodeName'] === 'string' ? spec['nodeName'] : null;
    row.hostNetwork = spec['hostNetwork'] === true;
    row.phase = typeof status['phase'] === 'string' ? status['phase'] : null;
    row.ip = typeof status['podIP'] === 'string' ? status['podIP'] : null;
  } else if (kind === 'Service') {
    row.ip = typeof spec['clusterIP'] === 'string' ? spec['clusterIP'] : null;
  } else if (kind === 'Node') {
    const addrs = Array.isArray(status['addresses']) ? status['addresses'] : [];
    row.ip = addrs.find((a: any) => a?.type === 'InternalIP')?.address ?? null;
  } else if (kind === 'NodeHostState') {
    row.nodeName = typeof spec['nodeName'] === 'string' ? spec['nodeName'] : null;
  }
  return row;
}
