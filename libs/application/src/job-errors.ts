import { InputError } from '@portolan/netsim';
import { AppError } from './errors';

/** An error row holds a reason, never the input: a 10 MiB upload must not become a 20 MB error. */
export const MAX_ERROR_CHARS = 2048;
/** Diagnostics kept on a failed row; the count of the rest is stored beside them. */
export const MAX_ERROR_DIAGNOSTICS = 50;
const TRUNCATED = '…(truncated)';

export function truncateText(s: string, max = MAX_ERROR_CHARS): string {
  return s.length <= max ? s : s.slice(0, max - TRUNCATED.length) + TRUNCATED;
}

/** The failed row of an input error: its first error's position, the message and the diagnostics, all bounded. */
export function inputErrorRow(e: InputError): Record<string, unknown> {
  const first = e.diagnostics.find((d) => d.severity === 'error') ?? e.diagnostics[0];
  const details = e.diagnostics;
  const kept = details.slice(0, MAX_ERROR_DIAGNOSTICS).map((d) => ({ file: d.file, doc: d.doc, line: d.line, field: d.field, message: truncateText(d.message, 512) }));
  return {
    ...(first ? { file: first.file, doc: first.doc, line: first.line, field: first.field } : {}),
    code: 'INPUT_ERROR',
    message: truncateText(e.message),
    diagnostics: kept,
    ...(details.length > kept.length ? { diagnosticsOmitted: details.length - kept.length } : {}),
  };
}

/** SQLSTATE of a pg or Prisma-wrapped database error, when there is one. */
function sqlState(e: unknown): string | undefined {
  for (let x = e as { code?: unknown; cause?: unknown; meta?: { code?: unknown } } | undefined, i = 0; x && typeof x === 'object' && i < 4; x = x.cause as never, i++) {
    if (typeof x.code === 'string' && /^[0-9A-Z]{5}$/.test(x.code)) return x.code;
    if (typeof x.meta?.code === 'string' && /^[0-9A-Z]{5}$/.test(x.meta.code)) return x.meta.code;
  }
  return undefined;
}

/**
 * What a job that failed unexpectedly leaves on its row: a code and a message a user can act on, never the raw
 * database or runtime text (logged instead, with the row's id). Postgres' data-exception (22) and limit (54) classes
 * are caused by the content; anything else is ours.
 */
export function unexpectedErrorRow(e: unknown, what: 'import' | 'analysis', id: string): Record<string, unknown> {
  if (e instanceof AppError) return { code: e.code, message: truncateText(e.message) };
  const state = sqlState(e);
  if (state && /^(22|54)/.test(state)) {
    return {
      code: 'UNSTORABLE_CONTENT',
      sqlState: state,
      message: `the ${what} could not be stored: the database refused a value (SQLSTATE ${state}); look for a very long or unusual value in the content`,
    };
  }
  if (e instanceof RangeError) return { code: 'RESOURCE_LIMIT', message: `the ${what} exceeded a processing limit (${truncateText(e.message, 200)}): the content is too large or too deeply nested` };
  const kind = state ? `database error ${state}` : e instanceof Error ? e.name : typeof e;
  return { code: 'INTERNAL', message: `the ${what} failed unexpectedly (${kind}); the error was logged under ${what} id ${id}` };
}

/** A job stopped at the per-job memory limit (JOB_MEMORY_MB): the content, not the service, is the cause. */
export function memoryLimitRow(what: 'import' | 'analysis', limitMb: number): Record<string, unknown> {
  return { code: 'MEMORY_LIMIT', limitMb, message: `the ${what} needed more than the ${limitMb} MiB a job may use and was stopped: split the content into smaller uploads, or raise JOB_MEMORY_MB` };
}
