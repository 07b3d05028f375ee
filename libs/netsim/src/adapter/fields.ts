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
  if (typeof v === 'string') return v.length > 80 ? `${JSON.stringify(v.slice(0, 80))}… (${v.length} characters)` : JSON.stringify(v);
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

  // Keyed readers: read o[key] and build the field path only when reporting, so the 150k-pod happy path
  // allocates no path arrays.
  kStr(o: Record<string, unknown> | undefined, base: FieldPath, key: string, def = ''): string {
    const v = o?.[key];
    if (typeof v === 'string') return v;
    return v === undefined || v === null ? def : this.str(v, [...base, key], def);
  }

  kOptStr(o: Record<string, unknown> | undefined, base: FieldPath, key: string): string | undefined {
    const v = o?.[key];
    if (typeof v === 'string') return v;
    return v === undefined || v === null ? undefined : this.optStr(v, [...base, key]);
  }

  kInt(o: Record<string, unknown> | undefined, base: FieldPath, key: string, def = 0): number {
    const v = o?.[key];
    if (typeof v === 'number' && Number.isInteger(v)) return v;
    return v === undefined || v === null ? def : this.int(v, [...base, key], def);
  }

  kOptInt(o: Record<string, unknown> | undefined, base: FieldPath, key: string): number | undefined {
    const v = o?.[key];
    if (typeof v === 'number' && Number.isInteger(v)) return v;
    return v === undefined || v === null ? undefined : this.optInt(v, [...base, key]);
  }

  kBool(o: Record<string, unknown> | undefined, base: FieldPath, key: string, def = false): boolean {
    const v = o?.[key];
    if (typeof v === 'boolean') return v;
    return v === undefined || v === null ? def : this.bool(v, [...base, key], def);
  }

  kObj(o: Record<string, unknown> | undefined, base: FieldPath, key: string): Record<string, unknown> | undefined {
    const v = o?.[key];
    if (v === undefined || v === null) return undefined;
    if (isRecord(v)) return v;
    return this.obj(v, [...base, key]);
  }

  kArr(o: Record<string, unknown> | undefined, base: FieldPath, key: string): unknown[] {
    const v = o?.[key];
    if (Array.isArray(v)) return v;
    return v === undefined || v === null ? [] : this.arr(v, [...base, key]);
  }

  kStrMap(o: Record<string, unknown> | undefined, base: FieldPath, key: string): Record<string, string> {
    const v = o?.[key];
    if (v === undefined || v === null) return {};
    if (isRecord(v)) {
      let ok = true;
      for (const k in v) if (typeof v[k] !== 'string') ok = false;
      if (ok) return { ...(v as Record<string, string>) };
    }
    return this.strMap(v, [...base, key]);
  }

  kResourceList(o: Record<string, unknown> | undefined, base: FieldPath, key: string): Record<string, number> {
    const v = o?.[key];
    if (v === undefined || v === null) return {};
    if (isRecord(v)) {
      const out: Record<string, number> = {};
      let ok = true;
      for (const k in v) {
        const q = v[k];
        const n = typeof q === 'string' || typeof q === 'number' ? resourceAmount(k, q) : null;
        if (n === null || n < 0) ok = false;
        else out[k] = n;
      }
      if (ok) return out;
    }
    return this.resourceList(v, [...base, key]);
  }

  kOneOf<T extends string>(o: Record<string, unknown> | undefined, base: FieldPath, key: string, allowed: readonly T[], def: T): T {
    const v = o?.[key];
    if (v === undefined || v === null || v === '') return def;
    if (typeof v === 'string' && (allowed as readonly string[]).includes(v)) return v as T;
    return this.oneOf(v, [...base, key], allowed, def);
  }

  oneOf<T extends string>(v: unknown, path: FieldPath, allowed: readonly T[], def: T): T {
    if (v === undefined || v === null || v === '') return def;
    if (typeof v === 'string' && (allowed as readonly string[]).includes(v)) return v as T;
    this.error(path, `unsupported value ${show(v)}: supported values: ${allowed.map((a) => `"${a}"`).join(', ')}`);
    return def;
  }
}
