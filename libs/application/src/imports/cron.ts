/**
 * Cron validation for import schedules, before BullMQ ever sees the pattern: a nonsense schedule is a 400 naming
 * the field, not a scheduler that silently never fires. Accepts the syntax BullMQ's cron-parser runs: 5 fields
 * (minute hour day-of-month month day-of-week) or 6 (a leading second), each a comma list of `*`, `n`, `a-b`,
 * with an optional `/step`; month and weekday names (JAN, MON); `?` for either day field; and the macros below.
 */
const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: string[];
  question?: boolean;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

const SECOND: FieldSpec = { name: 'second', min: 0, max: 59 };
const FIVE: FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31, question: true },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day of week', min: 0, max: 7, names: DAYS, question: true },
];

function value(text: string, f: FieldSpec): number | string {
  if (/^\d{1,2}$/.test(text)) {
    const n = Number(text);
    return n < f.min || n > f.max ? `${text} is outside ${f.min}-${f.max}` : n;
  }
  const i = f.names?.indexOf(text.toUpperCase()) ?? -1;
  if (i >= 0) return f.name === 'month' ? i + 1 : i;
  return `${JSON.stringify(text)} is not a number${f.names ? ' or a name' : ''}`;
}

function checkField(text: string, f: FieldSpec): string | null {
  if (f.question && text === '?') return null;
  for (const item of text.split(',')) {
    const [range, step, extra] = item.split('/');
    if (extra !== undefined || range === undefined || range === '') return `${JSON.stringify(item)} is not a value, range or step`;
    if (step !== undefined && !(/^\d{1,2}$/.test(step) && Number(step) >= 1 && Number(step) <= f.max)) return `step ${JSON.stringify(step)} must be 1-${f.max}`;
    if (range === '*') continue;
    const bounds = range.split('-');
    if (bounds.length > 2) return `${JSON.stringify(range)} is not a range`;
    const nums = bounds.map((b) => value(b, f));
    const bad = nums.find((n) => typeof n === 'string');
    if (bad !== undefined) return bad as string;
    if (nums.length === 2 && (nums[0] as number) > (nums[1] as number)) return `range ${range} runs backwards`;
  }
  return null;
}

/** The pattern BullMQ should run (macros expanded), or an error naming the bad cron field. */
export function parseCron(input: string): { pattern: string } | { error: string } {
  const text = input.trim();
  const expanded = MACROS[text.toLowerCase()] ?? text;
  const parts = expanded.split(/\s+/).filter(Boolean);
  if (parts.length !== 5 && parts.length !== 6) {
    return { error: `expected 5 fields (minute hour day-of-month month day-of-week) or 6 (with a leading second), got ${parts.length}` };
  }
  const specs = parts.length === 6 ? [SECOND, ...FIVE] : FIVE;
  for (let i = 0; i < parts.length; i++) {
    const spec = specs[i] as FieldSpec;
    const err = checkField(parts[i] as string, spec);
    if (err) return { error: `${spec.name} field ${JSON.stringify(parts[i])}: ${err}` };
  }
  return { pattern: parts.join(' ') };
}
