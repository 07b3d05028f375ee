/**
 * Text -> Kubernetes objects with source positions. Accepts JSON and (multi-document) YAML, kubectl `-o json` /
 * `-o yaml` List objects and Lists nested in Lists. Positions come from the `yaml` package's node ranges; JSON is
 * parsed with JSON.parse for speed and re-read through `yaml` only when a line number is actually needed.
 */
import { LineCounter, parseAllDocuments, parseDocument, isNode, type Document } from 'yaml';
import type { SourceRef } from '../model/types';
import { InputError, type Diagnostic } from './diagnostics';
import { ALIAS_EXPANSION_SLACK, checkStorable } from './storable';

export type FieldPath = Array<string | number>;

export interface ParsedObject {
  obj: Record<string, unknown>;
  source: SourceRef;
  /** 1-based line of a field (path relative to obj), or of its nearest present ancestor; undefined when unknown */
  lineOf(path: FieldPath): number | undefined;
}

export interface TextInput {
  name: string;
  text: string;
}

type Locator = ((path: FieldPath) => number | undefined) & { lazy?: boolean };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return v.length > 80 ? `${JSON.stringify(v.slice(0, 80))}… (${v.length} characters)` : JSON.stringify(v);
  return String(v);
}

function makeLocator(getDoc: () => { doc: Document; lc: LineCounter } | undefined): Locator {
  return (path) => {
    const d = getDoc();
    if (!d) return undefined;
    for (let n = path.length; n >= 0; n--) {
      const node = d.doc.getIn(path.slice(0, n), true);
      if (isNode(node) && node.range) return d.lc.linePos(node.range[0]).line;
    }
    return undefined;
  };
}

function flatten(
  value: unknown,
  file: string,
  doc: number,
  prefix: FieldPath,
  locate: Locator,
  out: ParsedObject[],
  errors: Diagnostic[],
  depth: number,
): void {
  if (value === null || value === undefined) return; // empty document
  // a lazy locator (huge JSON) resolves lines only when a diagnostic asks for one
  const line = locate.lazy ? undefined : locate(prefix);
  if (!isRecord(value)) {
    errors.push({ severity: 'error', file, doc, line: line ?? locate(prefix), message: `expected a Kubernetes object (a mapping with apiVersion and kind), got ${describe(value)}` });
    return;
  }
  const kind = value['kind'];
  if (typeof kind !== 'string' || kind === '') {
    errors.push({ severity: 'error', file, doc, line: line ?? locate(prefix), field: 'kind', message: kind === undefined ? 'required field is missing' : `expected a string, got ${describe(kind)}` });
    return;
  }
  const items = value['items'];
  if (kind.endsWith('List') && (Array.isArray(items) || items === null || items === undefined)) {
    if (depth > 16) {
      errors.push({ severity: 'error', file, doc, line, message: 'Lists nested too deeply' });
      return;
    }
    (items ?? []).forEach((item, i) => flatten(item, file, doc, [...prefix, 'items', i], locate, out, errors, depth + 1));
    return;
  }
  const base = prefix;
  const source: SourceRef = line === undefined ? { file, doc } : { file, doc, line };
  out.push({ obj: value, source, lineOf: (path) => locate([...base, ...path]) });
}

/** Above this size a field's line is not worth re-parsing the JSON text through `yaml` (memory). */
const MAX_JSON_REPARSE = 4 * 1024 * 1024;
/**
 * Above this size (a kubectl dump of a whole cluster) objects carry no eager source.line: scanning the text for
 * 175k object starts costs more than the import itself, and only diagnostics need them (resolved on demand).
 */
const MAX_JSON_EAGER_LINES = 16 * 1024 * 1024;

/**
 * 1-based lines of the objects flatten() cares about (the top level, and items of Lists, nested), found by one
 * pass over the JSON text; keyed by the path joined with "/".
 */
export function jsonObjectLines(text: string): Map<string, number> {
  const out = new Map<string, number>();
  type Frame = { arr: boolean; key: string; index: number; path: string; listItems: boolean };
  const stack: Frame[] = [];
  let line = 1;
  let lastString = '';
  let expectKey = false;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 10) {
      line++;
      continue;
    }
    if (ch === 34) {
      // string: jump to the next quote not preceded by an odd run of backslashes (JSON strings hold no raw newline)
      let j = text.indexOf('"', i + 1);
      for (;;) {
        if (j < 0) {
          j = n;
          break;
        }
        let b = 0;
        while (text.charCodeAt(j - 1 - b) === 92) b++;
        if (b % 2 === 0) break;
        j = text.indexOf('"', j + 1);
      }
      const top = stack[stack.length - 1];
      if (top && !top.arr && expectKey) {
        const raw = text.slice(i + 1, j);
        lastString = raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw;
      }
      i = j;
      continue;
    }
    if (ch === 123 || ch === 91) {
      const top = stack[stack.length - 1];
      let path: string | undefined;
      if (!top) path = '';
      else if (top.arr && (top.listItems || top.path === '')) path = `${top.path}${top.path ? '/' : ''}${top.index}`;
      if (path !== undefined && ch === 123) out.set(path, line);
      const frame: Frame = { arr: ch === 91, key: '', index: 0, path: path ?? '\u0000', listItems: false };
      if (top && !top.arr && top.key === 'items' && ch === 91 && top.path !== '\u0000') {
        frame.listItems = true;
        frame.path = `${top.path}${top.path ? '/' : ''}items`;
      } else if (!top && ch === 91) frame.path = '';
      stack.push(frame);
      expectKey = ch === 123;
      continue;
    }
    if (ch === 125 || ch === 93) {
      stack.pop();
      expectKey = false;
      continue;
    }
    const top = stack[stack.length - 1];
    if (!top) continue;
    if (ch === 58 && !top.arr) {
      top.key = lastString;
      expectKey = false;
    } else if (ch === 44) {
      if (top.arr) top.index++;
      else expectKey = true;
    }
  }
  return out;
}

function parseJson(input: TextInput, out: ParsedObject[], errors: Diagnostic[]): boolean {
  let value: unknown;
  try {
    value = JSON.parse(input.text);
  } catch {
    return false; // let the YAML parser produce a positioned error
  }
  let lines: Map<string, number> | undefined;
  let cached: { doc: Document; lc: LineCounter } | undefined;
  let tried = input.text.length > MAX_JSON_REPARSE;
  const fieldLocate = makeLocator(() => {
    if (!tried) {
      tried = true;
      const lc = new LineCounter();
      const doc = parseDocument(input.text, { lineCounter: lc, uniqueKeys: false });
      if (doc.errors.length === 0) cached = { doc, lc };
    }
    return cached;
  });
  // object starts come from the cheap scanner; only a field's own line needs the full positioned parse
  const locate: Locator = (path) => {
    lines ??= jsonObjectLines(input.text);
    const own = lines.get(path.join('/'));
    if (own !== undefined) return own;
    return fieldLocate(path) ?? (() => {
      for (let k = path.length - 1; k >= 0; k--) {
        const l = lines.get(path.slice(0, k).join('/'));
        if (l !== undefined) return l;
      }
      return undefined;
    })();
  };
  if (input.text.length > MAX_JSON_EAGER_LINES) locate.lazy = true;
  if (Array.isArray(value)) {
    value.forEach((item, i) => flatten(item, input.name, 0, [i], locate, out, errors, 1));
  } else {
    flatten(value, input.name, 0, [], locate, out, errors, 0);
  }
  return true;
}

function parseYaml(input: TextInput, out: ParsedObject[], errors: Diagnostic[]): void {
  const lc = new LineCounter();
  let docs: ReturnType<typeof parseAllDocuments>;
  try {
    docs = parseAllDocuments(input.text, { lineCounter: lc, prettyErrors: false });
  } catch (e) {
    // the composer recurses per nesting level: a deep enough flow collection exhausts the stack
    if (!(e instanceof RangeError)) throw e;
    errors.push({ severity: 'error', file: input.name, message: 'invalid YAML: nested too deeply to parse' });
    return;
  }
  const list = Array.isArray(docs) ? docs : [docs];
  list.forEach((doc, i) => {
    if (doc.errors.length) {
      for (const e of doc.errors) {
        const line = e.linePos?.[0]?.line ?? lc.linePos(e.pos[0]).line;
        errors.push({ severity: 'error', file: input.name, doc: i, line, message: `invalid YAML: ${e.message.split('\n')[0]}` });
      }
      return;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 1000 });
    } catch (e) {
      errors.push({ severity: 'error', file: input.name, doc: i, message: `invalid YAML: ${(e as Error).message}` });
      return;
    }
    const locate = makeLocator(() => ({ doc, lc }));
    flatten(value, input.name, i, [], locate, out, errors, 0);
  });
}

/** Parse every input; throws InputError listing every malformed document (all inputs are read first). */
export function parseDocuments(inputs: TextInput[]): ParsedObject[] {
  const out: ParsedObject[] = [];
  const errors: Diagnostic[] = [];
  for (const input of inputs) {
    if (typeof input?.text !== 'string') {
      errors.push({ severity: 'error', file: input?.name, message: 'input text is not a string' });
      continue;
    }
    const t = input.text.trimStart();
    const from = out.length;
    const json = (t.startsWith('{') || t.startsWith('[')) && parseJson(input, out, errors);
    if (!json) parseYaml(input, out, errors);
    // JSON has no aliases; a YAML text's strings may add up to its own length plus a slack
    const budget = json ? {} : { chars: input.text.length + ALIAS_EXPANSION_SLACK };
    for (let i = from; i < out.length; i++) checkStorable(out[i] as ParsedObject, errors, budget);
  }
  if (errors.length) throw new InputError(errors);
  return out;
}

/** Wrap already-decoded objects (e.g. from an API call) so the builders can treat them like parsed text. */
export function fromObjects(objects: unknown[], file = '<objects>'): ParsedObject[] {
  const out: ParsedObject[] = [];
  const errors: Diagnostic[] = [];
  objects.forEach((o, i) => flatten(o, file, i, [], () => undefined, out, errors, 0));
  for (const po of out) checkStorable(po, errors, {});
  if (errors.length) throw new InputError(errors);
  return out;
}

export function isParsedObject(v: unknown): v is ParsedObject {
  return isRecord(v) && isRecord(v['obj']) && typeof v['lineOf'] === 'function';
}
