import { indexColumns, type Diagnostic, type ParsedObject } from '@portolan/netsim';
import type { ObjectRow } from '@portolan/persistence';

export function diagnosticsToDetails(diags: Diagnostic[]) {
  return diags.map((d) => ({ file: d.file, doc: d.doc, line: d.line, field: d.field, message: d.message }));
}

/** A stored object: the columns the object queries filter on, read by the engine's adapter, and the object itself. */
export function objectRow(po: ParsedObject): ObjectRow {
  return { ...indexColumns(po), raw: po.obj as never };
}
