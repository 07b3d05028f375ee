import { createHmac } from 'node:crypto';
import { AppError } from './errors';
import { SecretBox } from './secret-box';

/**
 * Cursors of a snapshot's objects. The keyset underneath is the global row id (the one index order that pages a
 * snapshot of any size in O(page)); shown as is, a tenant could diff two cursors to learn how many objects every
 * tenant imported in between. So the id is sealed (AES-256-GCM under a key derived from SECRETS_KEY) together with
 * the tenant and snapshot it belongs to: the client sees an opaque string, and a cursor from another tenant or
 * snapshot, or a forged or edited one, is refused as a bad `after`, never turned into a position. Encryption rather
 * than a per-snapshot ordinal column: no schema or import change, and one AES-GCM per page.
 */
export class ObjectCursors {
  private readonly box: SecretBox;

  constructor(secretsKey: Buffer) {
    this.box = new SecretBox(createHmac('sha256', secretsKey).update('portolan/object-cursor/v1').digest());
  }

  seal(tenantId: string, snapshotId: string, id: bigint): string {
    return this.box.seal(`${tenantId}/${snapshotId}/${id}`);
  }

  /** The row id the cursor stands for; INVALID_INPUT on `after` for anything else. */
  open(tenantId: string, snapshotId: string, cursor: string): bigint {
    let plain: string | undefined;
    try {
      plain = this.box.open(cursor);
    } catch {
      plain = undefined;
    }
    const [t, s, id] = plain?.split('/') ?? [];
    if (t !== tenantId || s !== snapshotId || !id || !/^\d+$/.test(id)) {
      throw AppError.invalid('after is not a cursor of this list: pass an endCursor (or edge cursor) this snapshot answered', [{ field: 'after', message: 'unknown cursor' }]);
    }
    return BigInt(id);
  }
}
