/**
 * Typed field access with error collection. Every reader validates the JSON type the Kubernetes API would
 * require (the API server's decoder rejects `containerPort: "http"`), records a positioned Diagnostic and
 * returns a safe fallback, so conversion never throws a TypeError on odd input.
 */
import type { SourceRef } from '../model/types';
import { resourceAmount } from '../util/quantity';
import type { Diagnostic } from './diagnostics';
import type { FieldPath } from './parse';

export interface Located {
  source: SourceRef;
  lineOf(path: FieldPath): number | undefined;
}

export function renderPath(path: FieldPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out ? `.${seg}` : seg;
  }
  return out;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function show(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return JSON.stringify(v);
  return String(v);
}

export class Reader {
  constructor(
    readonly at: Located,
    readonly diags: Diagnostic[],
  ) {}

  private push(severity: Diagnostic['severity'], path: FieldPath, message: string): void {
    const d: Diagnostic = { severity, message };
    const src = this.at.source;
    if (src.file !== undefined) d.file = src.file;
    if (src.doc !== undefined) d.doc = src.doc;
    const line = this.at.lineOf(path) ?? src.line;
    if (line !== undefined) d.line = line;
    if (path.length) d.field = renderPath(path);
    this.diags.push(d);
  }

  error(path: FieldPath, message: string): void {
    this.push('error', path, message);
  }

  warn(path: FieldPath, message: string): void {
    this.push('warning', path, message);
  }

  info(path: FieldPath, message: string): void {
    this.push('info', path, message);
  }

  /** value at a relative path of a record, without validation */
  static get(o: unknown, key: string): unknown {
    return isRecord(o) ? o[key] : undefined;
  }

  str(v: unknown, path: FieldPath, def = ''): string {
    if (v === undefined || v === null) return def;
    if (typeof v === 'string') return v;
    this.error(path, `expected a string, got ${show(v)}`);
    return def;
  }

  optStr(v: unknown, path: FieldPath): string | undefined {
    if (v === undefined || v === null) return undefined;
    return this.str(v, path);
  }

  int(v: unknown, path: FieldPath, def = 0): number {
    if (v === undefined || v === null) return def;
    if (typeof v === 'number' && Number.isInteger(v)) return v;
    this.error(path, `expected an integer, got ${show(v)}`);
    return def;
  }

  optInt(v: unknown, path: FieldPath): number | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'number' && Number.isInteger(v)) return v;
    this.error(path, `expected an integer, got ${show(v)}`);
    return undefined;
  }

  /** IntOrString (targetPort) */
  intOrString(v: unknown, path: FieldPath): number | string | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'number' && Number.isInteger(v)) return v;
    if (typeof v === 'string') return /^[0-9]+$/.test(v) ? Number(v) : v;
    this.error(path, `expected an integer or a string, got ${show(v)}`);
    return undefined;
  }

  bool(v: unknown, path: FieldPath, def = false): boolean {
    if (v === undefined || v === null) return def;
    if (typeof v === 'boolean') return v;
    this.error(path, `expected a boolean, got ${show(v)}`);
    return def;
  }

  obj(v: unknown, path: FieldPath): Record<string, unknown> | undefined {
    if (v === undefined || v === null) return undefined;
    if (isRecord(v)) return v;
    this.error(path, `expected an object, got ${show(v)}`);
    return undefined;
  }

  arr(v: unknown, path: FieldPath): unknown[] {
    if (v === undefined || v === null) return [];
    if (Array.isArray(v)) return v;
    this.error(path, `expected a list, got ${show(v)}`);
    return [];
  }

  strMap(v: unknown, path: FieldPath): Record<string, string> {
    const o = this.obj(v, path);
    const out: Record<string, string> = {};
    if (!o) return out;
    for (const [k, val] of Object.entries(o)) {
      if (typeof val === 'string') out[k] = val;
      else this.error([...path, k], `expected a string, got ${show(val)}`);
    }
    return out;
  }

  strArr(v: unknown, path: FieldPath): string[] {
    const out: string[] = [];
    this.arr(v, path).forEach((x, i) => {
      if (typeof x === 'string') out.push(x);
      else this.error([...path, i], `expected a string, got ${show(x)}`);
    });
    return out;
  }

  resourceList(v: unknown, path: FieldPath): Record<string, number> {
    const o = this.obj(v, path);
    const out: Record<string, number> = {};
    if (!o) return out;
    for (const [k, val] of Object.entries(o)) {
      if (typeof val !== 'string' && typeof val !== 'number') {
        this.error([...path, k], `expected a quantity, got ${show(val)}`);
        continue;
      }
      const n = resourceAmount(k, val);
      if (n === null || n < 0) this.error([...path, k], `invalid quantity ${show(val)}`);
      else out[k] = n;
    }
    return out;
  }

  oneOf<T extends string>(v: unknown, path: FieldPath, allowed: readonly T[], def: T): T {
    if (v === undefined || v === null || v === '') return def;
    if (typeof v === 'string' && (allowed as readonly string[]).includes(v)) return v as T;
    this.error(path, `unsupported value ${show(v)}: supported values: ${allowed.map((a) => `"${a}"`).join(', ')}`);
    return def;
  }
}
