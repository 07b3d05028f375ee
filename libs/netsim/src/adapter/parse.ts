/**
 * Text -> Kubernetes objects with source positions. Accepts JSON and (multi-document) YAML, kubectl `-o json` /
 * `-o yaml` List objects and Lists nested in Lists, typed Lists (`PodList`, ...) whose items carry no kind (as the
 * API server and `kubectl cluster-info dump` print them), and cluster-info dump streams (see stream.ts). Positions come from the `yaml` package's node ranges; JSON is
 * parsed with JSON.parse for speed and re-read through `yaml` only when a line number is actually needed.
 */
import { LineCounter, parseAllDocuments, parseDocument, isNode, type Document } from 'yaml';
import type { SourceRef } from '../model/types';
import { InputError, type Diagnostic } from './diagnostics';
import { splitJsonStream, stripLogSections } from './stream';
import { detectRawDump, rawDumpHint } from './rawdumps';
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

interface ItemKind {
  kind: string;
  apiVersion?: string;
}

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
  notes: Diagnostic[] = [],
  itemOf?: ItemKind,
): boolean {
  if (value === null || value === undefined) return false; // empty document
  // a lazy locator (huge JSON) resolves lines only when a diagnostic asks for one
  const line = locate.lazy ? undefined : locate(prefix);
  if (!isRecord(value)) {
    errors.push({ severity: 'error', file, doc, line: line ?? locate(prefix), message: `expected a Kubernetes object (a mapping with apiVersion and kind), got ${describe(value)}` });
    return false;
  }
  let obj: Record<string, unknown> = value;
  let kind = obj['kind'];
  let inferred = false;
  if ((kind === undefined || kind === '') && itemOf) {
    // typed Lists omit the items' type meta: the List's kind and apiVersion are the items' own
    obj = { apiVersion: obj['apiVersion'] ?? itemOf.apiVersion, ...obj, kind: itemOf.kind };
    kind = itemOf.kind;
    inferred = true;
  }
  if (typeof kind !== 'string' || kind === '') {
    const hint = kind === undefined && depth > 0 ? ' (items of a generic List must carry kind and apiVersion; a typed List such as PodList lends its kind to its items)' : '';
    errors.push({ severity: 'error', file, doc, line: line ?? locate(prefix), field: 'kind', message: kind === undefined ? `required field is missing${hint}` : `expected a string, got ${describe(kind)}` });
    return false;
  }
  const items = obj['items'];
  if (kind.endsWith('List') && (Array.isArray(items) || items === null || items === undefined)) {
    if (depth > 16) {
      errors.push({ severity: 'error', file, doc, line, message: 'Lists nested too deeply' });
      return false;
    }
    const av = obj['apiVersion'];
    const typed: ItemKind | undefined = kind !== 'List' && kind.length > 4 ? { kind: kind.slice(0, -4), apiVersion: typeof av === 'string' ? av : undefined } : undefined;
    let count = 0;
    ((items ?? []) as unknown[]).forEach((item, i) => {
      if (flatten(item, file, doc, [...prefix, 'items', i], locate, out, errors, depth + 1, notes, typed)) count++;
    });
    if (count && typed) {
      notes.push({ severity: 'info', code: 'list-item-kind', file, doc, line, field: 'items', message: `${count} item(s) of ${kind} carry no kind: read as ${typed.kind}${typed.apiVersion ? ` (${typed.apiVersion})` : ''}, the List's own type` });
    }
    return false;
  }
  const base = prefix;
  const source: SourceRef = line === undefined ? { file, doc } : { file, doc, line };
  out.push({ obj, source, lineOf: (path) => locate([...base, ...path]) });
  return inferred;
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

interface Sink {
  out: ParsedObject[];
  errors: Diagnostic[];
  notes: Diagnostic[];
}

/** Lines of a segment cut out of a larger text (a stream's value) are shifted back to the file's. */
function shifted(locate: Locator, offset: number): Locator {
  if (!offset) return locate;
  const l: Locator = (path) => {
    const v = locate(path);
    return v === undefined ? undefined : v + offset;
  };
  l.lazy = locate.lazy;
  return l;
}

function parseJson(input: TextInput, sink: Sink, doc = 0, lineOffset = 0): boolean {
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
  const own: Locator = (path) => {
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
  if (input.text.length > MAX_JSON_EAGER_LINES) own.lazy = true;
  const locate = shifted(own, lineOffset);
  if (Array.isArray(value)) {
    value.forEach((item, i) => flatten(item, input.name, doc, [i], locate, sink.out, sink.errors, 1, sink.notes));
  } else {
    flatten(value, input.name, doc, [], locate, sink.out, sink.errors, 0, sink.notes);
  }
  return true;
}

function parseYaml(input: TextInput, sink: Sink, firstDoc = 0, lineOffset = 0): void {
  const lc = new LineCounter();
  let docs: ReturnType<typeof parseAllDocuments>;
  try {
    docs = parseAllDocuments(input.text, { lineCounter: lc, prettyErrors: false });
  } catch (e) {
    // the composer recurses per nesting level: a deep enough flow collection exhausts the stack
    if (!(e instanceof RangeError)) throw e;
    sink.errors.push({ severity: 'error', file: input.name, message: 'invalid YAML: nested too deeply to parse' });
    return;
  }
  const list = Array.isArray(docs) ? docs : [docs];
  list.forEach((doc, j) => {
    const i = firstDoc + j;
    if (doc.errors.length) {
      for (const e of doc.errors) {
        const line = (e.linePos?.[0]?.line ?? lc.linePos(e.pos[0]).line) + lineOffset;
        sink.errors.push({ severity: 'error', file: input.name, doc: i, line, message: `invalid YAML: ${e.message.split('\n')[0]}` });
      }
      return;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 1000 });
    } catch (e) {
      sink.errors.push({ severity: 'error', file: input.name, doc: i, message: `invalid YAML: ${(e as Error).message}` });
      return;
    }
    const locate = shifted(makeLocator(() => ({ doc, lc })), lineOffset);
    flatten(value, input.name, i, [], locate, sink.out, sink.errors, 0, sink.notes);
  });
}

/** Concatenated JSON values (cluster-info dump): each value is a document of its own, lines those of the file. */
function parseJsonStream(input: TextInput, sink: Sink): boolean {
  const split = splitJsonStream(input.text);
  if (split.segments.length < 2 && !split.stray) return false;
  split.segments.forEach((seg, doc) => {
    const part = { name: input.name, text: seg.text };
    if (!parseJson(part, sink, doc, seg.line - 1)) parseYaml(part, sink, doc, seg.line - 1);
  });
  if (split.stray) {
    sink.errors.push({
      severity: 'error',
      file: input.name,
      doc: split.segments.length,
      line: split.stray.line,
      message: `expected the next JSON value of a stream (as kubectl cluster-info dump prints them) or a "==== START logs for container" section, found ${JSON.stringify(split.stray.text.slice(0, 120))}`,
    });
  }
  return true;
}

function parseInput(input: TextInput, sink: Sink): void {
  const stripped = stripLogSections(input.text);
  if (stripped.logs.length) {
    const pods = new Set(stripped.logs.map((l) => `${l.namespace}/${l.pod}`)).size;
    sink.notes.push({ severity: 'info', code: 'dump-logs-skipped', file: input.name, line: stripped.logs[0].line, message: `skipped ${stripped.logs.length} container log section(s) of ${pods} pod(s) (kubectl cluster-info dump): logs are not objects` });
  }
  if (stripped.unterminated) {
    sink.errors.push({ severity: 'error', file: input.name, line: stripped.unterminated.line, message: `log section ${JSON.stringify(stripped.unterminated.text)} has no matching "==== END logs ..." line (a truncated cluster-info dump?)` });
    return;
  }
  const raw = detectRawDump(stripped.text);
  if (raw) {
    sink.errors.push({ severity: 'error', file: input.name, line: raw.line, message: rawDumpHint(raw.kind) });
    return;
  }
  const text = { name: input.name, text: stripped.text };
  const t = text.text.trimStart();
  if (t.startsWith('{') || t.startsWith('[')) {
    if (parseJson(text, sink)) return;
    if (parseJsonStream(text, sink)) return;
  }
  parseYaml(text, sink);
}

export interface ParseResult {
  objects: ParsedObject[];
  /** what was skipped or inferred while reading (info severity): log sections, kinds taken from typed Lists */
  notes: Diagnostic[];
}

/** Parse every input; throws InputError listing every malformed document (all inputs are read first). */
export function parseDocumentsWithNotes(inputs: TextInput[]): ParseResult {
  const sink: Sink = { out: [], errors: [], notes: [] };
  for (const input of inputs) {
    if (typeof input?.text !== 'string') {
      sink.errors.push({ severity: 'error', file: input?.name, message: 'input text is not a string' });
      continue;
    }
    const from = sink.out.length;
    parseInput(input, sink);
    // JSON has no aliases; a YAML text's strings may add up to its own length plus a slack
    const t = input.text.trimStart();
    const budget = t.startsWith('{') || t.startsWith('[') ? {} : { chars: input.text.length + ALIAS_EXPANSION_SLACK };
    for (let i = from; i < sink.out.length; i++) checkStorable(sink.out[i] as ParsedObject, sink.errors, budget);
  }
  if (sink.errors.length) throw new InputError(sink.errors);
  return { objects: sink.out, notes: sink.notes };
}

/** Parse every input; throws InputError listing every malformed document (all inputs are read first). */
export function parseDocuments(inputs: TextInput[]): ParsedObject[] {
  return parseDocumentsWithNotes(inputs).objects;
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
