import { CronExpressionParser } from 'cron-parser';

/**
 * Cron validation for import schedules, before BullMQ ever sees the pattern: a nonsense schedule is a 400 naming
 * the field, not a scheduler that silently never fires. The check is cron-parser itself, the library (and version)
 * BullMQ's Job Schedulers run patterns with, so what passes here is exactly what BullMQ accepts: 5 fields
 * (minute hour day-of-month month day-of-week) or 6 (a leading second), lists, ranges, steps, month and weekday
 * names, `?`, `L`, `W`, `#`, and cron-parser's macros (@hourly, @daily, @weekdays, ...).
 */

/**
 * How far the minimum-interval check looks: the next 100 runs, but no further than a year ahead once it has two (a
 * schedule that runs less than 100 times a year is not what the minimum is about, and cron-parser walks the calendar
 * to find each run: 100 runs of "29 February" is 400 years of it, most of a second of CPU on a PUT).
 */
const LOOKAHEAD_RUNS = 100;
const LOOKAHEAD_MS = 366 * 24 * 3600_000;

const FIELD_NAMES = ['second', 'minute', 'hour', 'day of month', 'month', 'day of week'] as const;

export interface CronOptions {
  /** refuse a schedule whose closest two runs (over the next 100) are less than this many seconds apart */
  minIntervalSeconds?: number;
  /** where the lookahead starts (tests); default now */
  from?: Date;
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Which field cron-parser objects to: each field alone, the others `*`. Null when only the combination fails. */
function badField(six: string[]): { name: string; text: string; error: string } | null {
  for (let i = 0; i < six.length; i++) {
    const probe = six.map((f, j) => (j === i ? f : '*')).join(' ');
    try {
      CronExpressionParser.parse(probe, { tz: 'UTC' });
    } catch (e) {
      return { name: FIELD_NAMES[i] as string, text: six[i] as string, error: message(e) };
    }
  }
  return null;
}

/**
 * The pattern BullMQ should run (macros expanded the way cron-parser expands them), or an error naming the bad cron
 * field; with `minIntervalSeconds`, also an error when the schedule runs more often than that.
 */
export function parseCron(input: string, opts: CronOptions = {}): { pattern: string } | { error: string } {
  const text = input.trim();
  let expanded = text;
  if (text.startsWith('@')) {
    // cron-parser expands its macros itself (case-sensitively) and keeps the expansion as the expression's text
    let macro: string | null = null;
    try {
      macro = CronExpressionParser.parse(text.toLowerCase(), { tz: 'UTC' }).toString();
    } catch {
      // an unknown macro parses as a day-of-week alias: say what it is instead
    }
    if (!macro || macro.startsWith('@')) return { error: `unknown macro ${JSON.stringify(text)} (cron-parser knows @yearly, @monthly, @weekly, @daily, @hourly, @minutely, @weekdays, ...)` };
    expanded = macro;
  }
  const parts = expanded.split(/\s+/).filter(Boolean);
  // cron-parser itself pads fewer fields with defaults ("* * * *" would run at second 0 of minute 0 of every hour)
  if (parts.length !== 5 && parts.length !== 6) {
    return { error: `expected 5 fields (minute hour day-of-month month day-of-week) or 6 (with a leading second), got ${parts.length}` };
  }
  const six = parts.length === 6 ? parts : ['0', ...parts];
  // BullMQ parses with no hash seed, so H would pick a new random value each time it computes the next run.
  const hashed = six.findIndex((f) => /H/.test(f.replace(/[a-z]{3}/gi, '')));
  if (hashed >= 0) return { error: `${FIELD_NAMES[hashed]} field ${JSON.stringify(six[hashed])}: H (hashed) values are not supported` };
  const pattern = parts.join(' ');
  const from = opts.from ?? new Date();
  let expr: ReturnType<typeof CronExpressionParser.parse>;
  try {
    expr = CronExpressionParser.parse(pattern, { currentDate: from, tz: 'UTC' });
  } catch (e) {
    const field = badField(six);
    return { error: field ? `${field.name} field ${JSON.stringify(field.text)}: ${field.error}` : `the fields never match together: ${message(e)}` };
  }
  const runs: number[] = [];
  const want = opts.minIntervalSeconds === undefined ? 1 : LOOKAHEAD_RUNS + 1;
  const horizon = from.getTime() + LOOKAHEAD_MS;
  try {
    while (runs.length < want && (runs.length < 2 || (runs.at(-1) as number) < horizon)) runs.push(expr.next().getTime());
  } catch (e) {
    // cron-parser gives up after a bounded search: a rare schedule (29 February) keeps the runs found so far
    if (runs.length === 0) return { error: `never runs: ${message(e)}` };
  }
  if (opts.minIntervalSeconds !== undefined && runs.length > 1) {
    const gaps = runs.slice(1).map((t, i) => (t - (runs[i] as number)) / 1000);
    const min = Math.min(...gaps);
    if (min < opts.minIntervalSeconds) {
      const every = gaps.every((g) => g === min) ? `runs every ${min} s` : `runs as little as ${min} s apart`;
      return { error: `${every}; the minimum is ${opts.minIntervalSeconds} s (IMPORT_MIN_INTERVAL_SECONDS)` };
    }
  }
  return { pattern };
}
