import { inputProblem, MAX_BODY_DEPTH } from './input-guard.middleware';
import { isUnavailable } from './unavailable';
import { truncate } from './truncate';

describe('inputProblem', () => {
  it('names the first NUL, in a value or a key, by its JSON path', () => {
    expect(inputProblem({ a: [{ b: 'ok' }, { c: 'x\u0000y' }] })?.field).toBe('$.a[1].c');
    expect(inputProblem({ ['k\u0000']: 1 })?.field).toBe('$.k\u0000');
    expect(inputProblem({ a: ['fine', 1, null, true] })).toBeUndefined();
  });
  it('refuses nesting beyond the limit without recursing (100,000 levels)', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(inputProblem(deep)?.message).toMatch(`nested deeper than ${MAX_BODY_DEPTH}`);
    let ok: unknown = 'x';
    for (let i = 0; i < MAX_BODY_DEPTH - 1; i++) ok = { a: ok };
    expect(inputProblem(ok)).toBeUndefined();
  });
  it('skips raw bodies (webhook and manifest bytes)', () => {
    expect(inputProblem(Buffer.from('a\u0000b'))).toBeUndefined();
  });
});

describe('isUnavailable', () => {
  it('recognises a backing service that is down, through causes and aggregates', () => {
    expect(isUnavailable(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isUnavailable(new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })]))).toBe(true);
    expect(isUnavailable({ code: '57P01', message: 'terminating connection due to administrator command' })).toBe(true);
    expect(isUnavailable(new Error('wrapped', { cause: new Error('timeout exceeded when trying to connect') }))).toBe(true);
  });
  it('leaves request mistakes and bugs alone', () => {
    expect(isUnavailable({ code: '23505', message: 'duplicate key value violates unique constraint' })).toBe(false);
    expect(isUnavailable(new TypeError("Cannot read properties of undefined (reading 'x')"))).toBe(false);
  });
});

describe('truncate', () => {
  it('caps long text and says how much was cut', () => {
    expect(truncate('short')).toBe('short');
    expect(truncate('x'.repeat(1000), 10)).toBe(`${'x'.repeat(10)}… (990 more characters)`);
  });
});
