import { randomBytes } from 'node:crypto';
import { AppError } from './errors';
import { ObjectCursors } from './object-cursor';

const T1 = '11111111-1111-4111-8111-111111111111';
const T2 = '22222222-2222-4222-8222-222222222222';
const S1 = '33333333-3333-4333-8333-333333333333';
const S2 = '44444444-4444-4444-8444-444444444444';

describe('ObjectCursors', () => {
  const cursors = new ObjectCursors(randomBytes(32));

  it('round-trips a row id for the same tenant and snapshot, without showing it', () => {
    const c = cursors.seal(T1, S1, 987654321n);
    expect(c).not.toContain('987654321');
    expect(cursors.open(T1, S1, c)).toBe(987654321n);
    // sealed afresh each time: two cursors of the same position cannot be compared either
    expect(cursors.seal(T1, S1, 987654321n)).not.toBe(c);
  });

  it("refuses another tenant's or snapshot's cursor, an edited or forged one, a bare id, another key's", () => {
    const c = cursors.seal(T1, S1, 42n);
    const edited = `${c.slice(0, -2)}${c.endsWith('AA') ? 'BB' : 'AA'}`;
    const otherKey = new ObjectCursors(randomBytes(32)).seal(T1, S1, 42n);
    for (const [t, s, bad] of [[T2, S1, c], [T1, S2, c], [T1, S1, edited], [T1, S1, '42'], [T1, S1, 'v1.a.b.c'], [T1, S1, otherKey], [T1, S1, '']] as const) {
      let e: unknown;
      try {
        cursors.open(t, s, bad);
      } catch (x) {
        e = x;
      }
      expect(e).toBeInstanceOf(AppError);
      expect(e).toMatchObject({ code: 'INVALID_INPUT', details: [{ field: 'after' }] });
    }
  });
});
