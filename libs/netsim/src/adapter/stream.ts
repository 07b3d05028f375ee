/**
 * The framing of `kubectl cluster-info dump` on stdout (kubectl/pkg/cmd/clusterinfo/clusterinfo_dump.go): one
 * printed List per resource kind, concatenated with no separator (JSON by default, `---` documents with -o yaml),
 * and, per container, its log wrapped in `==== START logs for container C of pod NS/P ====` ...
 * `==== END logs for container C of pod NS/P ====` lines. Logs are not Kubernetes objects: they are blanked out
 * (line numbers kept) and reported; the JSON values are split so each is parsed on its own.
 */

const START_RE = /^==== START logs for container (\S+) of pod ([^/\s]+)\/(\S+) ====\s*$/;
const END_RE = /^==== END logs for container (\S+) of pod ([^/\s]+)\/(\S+) ====\s*$/;

export interface LogSection {
  container: string;
  namespace: string;
  pod: string;
  /** 1-based lines of the START and END markers */
  line: number;
  endLine: number;
}

export interface StrippedLogs {
  text: string;
  logs: LogSection[];
  /** a START marker without its END: the line of the START */
  unterminated?: { line: number; text: string };
}

/** Blank out pod log sections, keeping every newline so later line numbers stay those of the file. */
export function stripLogSections(text: string): StrippedLogs {
  if (!text.includes('==== START logs for container ')) return { text, logs: [] };
  const lines = text.split('\n');
  const logs: LogSection[] = [];
  let open: { m: RegExpExecArray; line: number; raw: string } | undefined;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].replace(/\r$/, '');
    if (!open) {
      const m = START_RE.exec(raw);
      if (m) {
        open = { m, line: i + 1, raw };
        lines[i] = '';
      }
      continue;
    }
    const e = END_RE.exec(raw);
    lines[i] = '';
    if (e && e[1] === open.m[1] && e[2] === open.m[2] && e[3] === open.m[3]) {
      logs.push({ container: open.m[1], namespace: open.m[2], pod: open.m[3], line: open.line, endLine: i + 1 });
      open = undefined;
    }
  }
  const out: StrippedLogs = { text: lines.join('\n'), logs };
  if (open) out.unterminated = { line: open.line, text: open.raw };
  return out;
}

export interface StreamSegment {
  text: string;
  /** 1-based line of the segment's first character */
  line: number;
}

export interface SplitStream {
  segments: StreamSegment[];
  /** text between values that is neither whitespace nor a JSON value */
  stray?: { line: number; text: string };
}

/** Split concatenated JSON values (`{...}{...}` or `{...}\n[...]`); strings are skipped, so braces inside them do not count. */
export function splitJsonStream(text: string): SplitStream {
  const segments: StreamSegment[] = [];
  const n = text.length;
  let line = 1;
  let i = 0;
  while (i < n) {
    const ch = text.charCodeAt(i);
    if (ch === 10) {
      line++;
      i++;
      continue;
    }
    if (ch === 32 || ch === 9 || ch === 13) {
      i++;
      continue;
    }
    if (ch !== 123 && ch !== 91) {
      const eol = text.indexOf('\n', i);
      const lineStart = text.lastIndexOf('\n', i - 1) + 1;
      return { segments, stray: { line, text: text.slice(lineStart, eol < 0 ? n : eol).replace(/\r$/, '') } };
    }
    const start = i;
    const startLine = line;
    let depth = 0;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) line++;
      else if (c === 34) {
        i++;
        while (i < n) {
          const s = text.charCodeAt(i);
          if (s === 92) i += 2;
          else if (s === 34) break;
          else {
            if (s === 10) line++;
            i++;
          }
        }
      } else if (c === 123 || c === 91) depth++;
      else if (c === 125 || c === 93) {
        depth--;
        if (depth === 0) {
          i++;
          break;
        }
      }
    }
    segments.push({ text: text.slice(start, i), line: startLine });
  }
  return { segments };
}
