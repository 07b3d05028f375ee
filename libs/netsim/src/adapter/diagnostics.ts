import type { SourceRef } from '../model/types';

export type DiagnosticSeverity = 'error' | 'warning' | 'info';

export interface Diagnostic {
  severity: DiagnosticSeverity;
  file?: string;
  /** 0-based document index (rendered 1-based in messages) */
  doc?: number;
  /** 1-based line */
  line?: number;
  /** field path, e.g. spec.containers[0].ports[0].containerPort */
  field?: string;
  message: string;
  /** for notes that record a guess the reader made (inspect lists them) */
  code?: NoteCode;
}

/** list-item-kind: items of a typed List without kind read as the List's type; dump-logs-skipped: container logs of a cluster-info dump left out */
export type NoteCode = 'list-item-kind' | 'dump-logs-skipped';

/** `pods.yaml: document 2, line 14: spec.containers[0].ports[0].containerPort: expected an integer, got "http"` */
export function formatDiagnostic(d: Diagnostic): string {
  const where: string[] = [];
  if (d.file) where.push(d.file);
  const pos: string[] = [];
  if (d.doc !== undefined) pos.push(`document ${d.doc + 1}`);
  if (d.line !== undefined) pos.push(`line ${d.line}`);
  let out = where.length ? where.join('') : '';
  if (pos.length) out = out ? `${out}: ${pos.join(', ')}` : pos.join(', ');
  if (d.field) out = out ? `${out}: ${d.field}` : d.field;
  return out ? `${out}: ${d.message}` : d.message;
}

/** Malformed input: the text cannot be parsed, or a field has the wrong type. */
export class InputError extends Error {
  readonly diagnostics: Diagnostic[];
  constructor(diagnostics: Diagnostic[]) {
    const errors = diagnostics.filter((d) => d.severity === 'error');
    const shown = (errors.length ? errors : diagnostics).slice(0, 20).map(formatDiagnostic);
    const more = (errors.length || diagnostics.length) > 20 ? `\n(and ${(errors.length || diagnostics.length) - 20} more)` : '';
    super(shown.join('\n') + more);
    this.name = 'InputError';
    this.diagnostics = diagnostics;
  }
}

export function sourceDiag(source: SourceRef | undefined, severity: DiagnosticSeverity, message: string, field?: string, line?: number): Diagnostic {
  const d: Diagnostic = { severity, message };
  if (source?.file !== undefined) d.file = source.file;
  if (source?.doc !== undefined) d.doc = source.doc;
  const l = line ?? source?.line;
  if (l !== undefined) d.line = l;
  if (field) d.field = field;
  return d;
}
