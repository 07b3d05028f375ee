/**
 * Text -> Kubernetes objects with source positions. Accepts JSON and (multi-document) YAML, kubectl `-o json` /
 * `-o yaml` List objects and Lists nested in Lists. Positions come from the `yaml` package's node ranges; JSON is
 * parsed with JSON.parse for speed and re-read through `yaml` only when a line number is actually needed.
 */
import { LineCounter, parseAllDocuments, parseDocument, isNode, type Document } from 'yaml';
import type { SourceRef } from '../model/types';
import { InputError, type Diagnostic } from './diagnostics';

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

type Locator = (path: FieldPath) => number | undefined;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return JSON.stringify(v);
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
  const line = locate(prefix);
  if (!isRecord(value)) {
    errors.push({ severity: 'error', file, doc, line, message: `expected a Kubernetes object (a mapping with apiVersion and kind), got ${describe(value)}` });
    return;
  }
  const kind = value['kind'];
  if (typeof kind !== 'string' || kind === '') {
    errors.push({ severity: 'error', file, doc, line, field: 'kind', message: kind === undefined ? 'required field is missing' : `expected a string, got ${describe(kind)}` });
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
  out.push({ obj: value, source: { file, doc, line }, lineOf: (path) => locate([...base, ...path]) });
}

function parseJson(input: TextInput, out: ParsedObject[], errors: Diagnostic[]): boolean {
  let value: unknown;
  try {
    value = JSON.parse(input.text);
  } catch {
    return false; // let the YAML parser produce a positioned error
  }
  let cached: { doc: Document; lc: LineCounter } | undefined;
  let tried = false;
  const locate = makeLocator(() => {
    if (!tried) {
      tried = true;
      const lc = new LineCounter();
      const doc = parseDocument(input.text, { lineCounter: lc, uniqueKeys: false });
      if (doc.errors.length === 0) cached = { doc, lc };
    }
    return cached;
  });
  if (Array.isArray(value)) {
    value.forEach((item, i) => flatten(item, input.name, 0, [i], locate, out, errors, 1));
  } else {
    flatten(value, input.name, 0, [], locate, out, errors, 0);
  }
  return true;
}

function parseYaml(input: TextInput, out: ParsedObject[], errors: Diagnostic[]): void {
  const lc = new LineCounter();
  const docs = parseAllDocuments(input.text, { lineCounter: lc, prettyErrors: false });
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
    if ((t.startsWith('{') || t.startsWith('[')) && parseJson(input, out, errors)) continue;
    parseYaml(input, out, errors);
  }
  if (errors.length) throw new InputError(errors);
  return out;
}

/** Wrap already-decoded objects (e.g. from an API call) so the builders can treat them like parsed text. */
export function fromObjects(objects: unknown[], file = '<objects>'): ParsedObject[] {
  const out: ParsedObject[] = [];
  const errors: Diagnostic[] = [];
  objects.forEach((o, i) => flatten(o, file, i, [], () => undefined, out, errors, 0));
  if (errors.length) throw new InputError(errors);
  return out;
}

export function isParsedObject(v: unknown): v is ParsedObject {
  return isRecord(v) && isRecord(v['obj']) && typeof v['lineOf'] === 'function';
}
