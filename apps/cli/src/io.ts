import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { TextInput } from '@portolan/netsim';

const SNAPSHOT_EXT = /\.(ya?ml|json)(\.gz)?$/i;

/** -f takes files or folders (recursively, *.yaml|*.yml|*.json[.gz], in name order), or - for stdin, and may repeat. */
export function readInputs(paths: string[]): TextInput[] {
  const out: TextInput[] = [];
  let stdinRead = false;
  const visit = (p: string) => {
    if (p === '-') {
      if (stdinRead) throw new UsageError('- (stdin) can be given only once');
      stdinRead = true;
      let bytes = readFileSync(0);
      if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
      out.push({ name: '<stdin>', text: bytes.toString('utf8') });
      return;
    }
    let st;
    try {
      st = statSync(p);
    } catch {
      throw new UsageError(`${p}: no such file or directory`);
    }
    if (st.isDirectory()) {
      for (const e of readdirSync(p).sort()) {
        const child = path.join(p, e);
        if (statSync(child).isDirectory() || SNAPSHOT_EXT.test(e)) visit(child);
      }
      return;
    }
    let bytes = readFileSync(p);
    if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
    out.push({ name: p, text: bytes.toString('utf8') });
  };
  paths.forEach(visit);
  return out;
}

export class UsageError extends Error {}
