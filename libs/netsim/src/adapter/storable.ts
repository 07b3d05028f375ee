/**
 * Values the rest of the system cannot hold, found once per parsed object so they surface as positioned input
 * errors rather than as a failure of whatever later serializes them (Postgres jsonb refuses `\u0000` and lone
 * surrogates; JSON.stringify and Postgres' parser overflow their stacks on very deep nesting; one YAML anchor
 * aliased a thousand times multiplies a string a thousandfold while the source stays small).
 */
import type { Diagnostic } from './diagnostics';
import { isRecord, renderPath } from './fields';
import type { FieldPath, ParsedObject } from './parse';

/** Deeper than any real object (CRD schemas inside objects reach ~40); Go's encoding/json stops at 10,000. */
export const MAX_NESTING_DEPTH = 256;
/** Kubernetes' limits: names are DNS-1123 subdomains (253), namespaces DNS-1123 labels (63). */
export const MAX_NAME_LENGTH = 253;
export const MAX_NAMESPACE_LENGTH = 63;
/** What aliases may add beyond the text itself, in characters: a budget, so expansion stays within the upload's scale. */
export const ALIAS_EXPANSION_SLACK = 1024 * 1024;

// a NUL, or a surrogate half without its partner
// eslint-disable-next-line no-control-regex -- finding NUL is the point
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function unstorable(s: string): string | undefined {
  const m = UNSTORABLE.exec(s);
  if (!m) return undefined;
  return m[0] === '\u0000' ? 'contains a NUL character (\\u0000), which cannot be stored' : 'contains a lone UTF-16 surrogate (an unpaired \\ud800-\\udfff escape), which is not valid Unicode';
}

export interface StorableBudget {
  /** characters the object's strings and keys may add up to; undefined: no budget (JSON has no aliases) */
  chars?: number;
}

/**
 * Checks one parsed object; pushes at most one diagnostic per problem kind and stops walking a value once it is
 * known bad. `budget.chars` is shared by the objects of one document and decremented.
 */
export function checkStorable(po: ParsedObject, diags: Diagnostic[], budget: StorableBudget): void {
  const at = (path: FieldPath, message: string): void => {
    const d: Diagnostic = { severity: 'error', file: po.source.file, doc: po.source.doc, message };
    const line = po.lineOf(path) ?? po.source.line;
    if (line !== undefined) d.line = line;
    if (path.length) d.field = renderPath(path);
    diags.push(d);
  };
  const md = po.obj['metadata'];
  if (isRecord(md)) {
    if (typeof md['name'] === 'string' && md['name'].length > MAX_NAME_LENGTH) at(['metadata', 'name'], `must be no more than ${MAX_NAME_LENGTH} characters (got ${md['name'].length})`);
    if (typeof md['namespace'] === 'string' && md['namespace'].length > MAX_NAMESPACE_LENGTH) at(['metadata', 'namespace'], `must be no more than ${MAX_NAMESPACE_LENGTH} characters (got ${md['namespace'].length})`);
  }
  type Frame = { v: unknown; key: string | number | undefined; parent: Frame | undefined; depth: number };
  // the path is rebuilt from parent links only for a diagnostic: a large dump walks without allocating paths
  const pathOf = (f: Frame | undefined): FieldPath => {
    const out: FieldPath = [];
    for (let x = f; x && x.key !== undefined; x = x.parent) out.push(x.key);
    return out.reverse();
  };
  const spend = (n: number, f: Frame): boolean => {
    if (budget.chars === undefined) return true;
    budget.chars -= n;
    if (budget.chars >= 0) return true;
    at(pathOf(f), 'YAML aliases expand this document far beyond its own size (one anchor referenced many times): write the values out, or use fewer aliases');
    return false;
  };
  // explicit stack: the depth limit is what keeps this walk (and every later one) off the call stack's edge
  const stack: Frame[] = [{ v: po.obj, key: undefined, parent: undefined, depth: 0 }];
  for (let f = stack.pop(); f; f = stack.pop()) {
    const v = f.v;
    if (typeof v === 'string') {
      const why = unstorable(v);
      if (why) return at(pathOf(f), why);
      if (!spend(v.length, f)) return;
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    if (f.depth >= MAX_NESTING_DEPTH) return at(pathOf(f).slice(0, 8), `nested more than ${MAX_NESTING_DEPTH} levels deep`);
    const depth = f.depth + 1;
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i], key: i, parent: f, depth });
      continue;
    }
    for (const k of Object.keys(v)) {
      const why = unstorable(k);
      if (why) return at(pathOf(f), `a key ${why}`);
      if (!spend(k.length, f)) return;
      stack.push({ v: (v as Record<string, unknown>)[k], key: k, parent: f, depth });
    }
  }
}
