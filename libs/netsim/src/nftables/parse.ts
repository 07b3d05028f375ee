/**
 * Reads `nft list ruleset` output (also `nft -a`, whose `# handle N` suffixes are dropped) back into tables:
 * sets and maps with their elements (one or several per line), chains with their hook, priority (named or numeric)
 * and policy, and rules in the printed form the walker evaluates. Lines it cannot place are reported with their
 * line number; objects it does not model (flowtables, counters, quotas) are skipped and named.
 */
import type { NftBaseChain, NftChain, NftElement, NftFamily, NftSet, NftTable } from './model';

export interface NftParseDiagnostic {
  line: number;
  message: string;
}

const STD: Record<string, number> = { raw: -300, mangle: -150, dstnat: -100, filter: 0, security: 50, srcnat: 100 };

export function parsePriority(text: string): number | undefined {
  const m = /^(-?\d+)$|^([a-z]+)(?:\s*([+-])\s*(\d+))?$/.exec(text.trim());
  if (!m) return undefined;
  if (m[1] !== undefined) return Number(m[1]);
  const base = STD[m[2]];
  if (base === undefined) return undefined;
  return m[3] ? base + (m[3] === '+' ? 1 : -1) * Number(m[4]) : base;
}

function unquote(s: string): string {
  return s.trim().replace(/^"(.*)"$/, '$1');
}

/** Splits on commas outside quotes and braces. */
function splitTop(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let cur = '';
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    if (!quoted && ch === '{') depth++;
    if (!quoted && ch === '}') depth--;
    if (!quoted && depth === 0 && ch === ',') {
      out.push(cur.trim());
      cur = '';
      continue;
    }
    cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

function parseElement(text: string): NftElement {
  const m = /^(.*?)(?:\s+comment\s+"([^"]*)")?(?:\s+:\s+(.*))?$/.exec(text.trim()) as RegExpExecArray;
  const e: NftElement = { key: m[1].trim() };
  if (m[2] !== undefined) e.comment = m[2];
  if (m[3] !== undefined) e.value = m[3].trim();
  return e;
}

function splitComment(text: string): { text: string; comment?: string } {
  const m = /^(.*?)\s+comment\s+"([^"]*)"$/.exec(text);
  return m ? { text: m[1], comment: m[2] } : { text };
}

export function parseNftRuleset(dump: string): { tables: NftTable[]; diagnostics: NftParseDiagnostic[] } {
  const lines = dump.split('\n');
  const tables: NftTable[] = [];
  const diagnostics: NftParseDiagnostic[] = [];
  let table: NftTable | undefined;
  let set: NftSet | undefined;
  let chain: NftChain | undefined;
  let skipping: string | undefined;
  let elements: { buf: string; line: number } | undefined;
  for (let i = 0; i < lines.length; i++) {
    const n = i + 1;
    const line = lines[i].replace(/\s+# handle \d+$/, '').trim();
    if (elements) {
      elements.buf += ' ' + line;
      if (line.endsWith('}')) {
        const inner = elements.buf.replace(/^\{\s*/, '').replace(/\s*\}$/, '');
        if (set) set.elements.push(...splitTop(inner).map(parseElement));
        elements = undefined;
      }
      continue;
    }
    if (line === '' ) continue;
    if (skipping) {
      if (line === '}') skipping = undefined;
      continue;
    }
    const tm = /^table\s+(ip|ip6|inet|arp|bridge|netdev)\s+(\S+)\s*\{$/.exec(line);
    if (tm) {
      table = { family: tm[1] as NftFamily, name: tm[2], sets: [], chains: [] };
      tables.push(table);
      continue;
    }
    if (!table) {
      diagnostics.push({ line: n, message: `outside any table: ${line}` });
      continue;
    }
    if (line === '}') {
      if (set) set = undefined;
      else if (chain) chain = undefined;
      else table = undefined;
      continue;
    }
    if (set) {
      const em = /^elements\s*=\s*(\{.*)$/.exec(line);
      if (em) {
        if (em[1].endsWith('}')) set.elements.push(...splitTop(em[1].replace(/^\{\s*/, '').replace(/\s*\}$/, '')).map(parseElement));
        else elements = { buf: em[1], line: n };
        continue;
      }
      const kv = /^(type|flags|timeout|size|comment|policy|gc-interval|typeof|auto-merge)\b\s*(.*)$/.exec(line);
      if (!kv) diagnostics.push({ line: n, message: `set ${set.name}: line not understood: ${line}` });
      else if (kv[1] === 'type') set.type = kv[2];
      else if (kv[1] === 'flags') set.flags = kv[2].split(',').map((s) => s.trim());
      else if (kv[1] === 'size') set.size = Number(kv[2]);
      else if (kv[1] === 'comment') set.comment = unquote(kv[2]);
      else if (kv[1] === 'timeout') set.timeout = durationSeconds(kv[2]);
      continue;
    }
    if (chain) {
      const bm = /^type\s+(filter|nat|route)\s+hook\s+(\w+)(?:\s+device\s+\S+)?\s+priority\s+([^;]+);\s*(?:policy\s+(accept|drop);)?$/.exec(line);
      if (bm) {
        const priority = parsePriority(bm[3]);
        if (priority === undefined) diagnostics.push({ line: n, message: `chain ${chain.name}: priority ${bm[3]} not understood, 0 assumed` });
        chain.base = { type: bm[1] as NftBaseChain['type'], hook: bm[2] as NftBaseChain['hook'], priority: priority ?? 0, policy: (bm[4] as 'accept' | 'drop' | undefined) ?? 'accept' };
        continue;
      }
      const cm = /^comment\s+"([^"]*)"$/.exec(line);
      if (cm && chain.rules.length === 0) {
        chain.comment = cm[1];
        continue;
      }
      chain.rules.push(splitComment(line));
      continue;
    }
    const sm = /^(set|map)\s+(\S+)\s*\{$/.exec(line);
    if (sm) {
      set = { kind: sm[1] as 'set' | 'map', name: sm[2], type: '', elements: [] };
      table.sets.push(set);
      continue;
    }
    const chm = /^chain\s+(\S+)\s*\{$/.exec(line);
    if (chm) {
      chain = { name: chm[1], rules: [] };
      table.chains.push(chain);
      continue;
    }
    const com = /^comment\s+"([^"]*)"$/.exec(line);
    if (com) {
      table.comment = com[1];
      continue;
    }
    const other = /^(flowtable|counter|quota|ct\s+\w+|limit|secmark|synproxy)\s+(\S+)\s*\{$/.exec(line);
    if (other) {
      diagnostics.push({ line: n, message: `${other[1]} ${other[2]} in table ${table.family} ${table.name} is not modelled; skipped` });
      skipping = other[2];
      continue;
    }
    diagnostics.push({ line: n, message: `line not understood: ${line}` });
  }
  return { tables, diagnostics };
}

/** nft's 3h, 1h30m, 10800s, 2d back to seconds. */
export function durationSeconds(text: string): number {
  let total = 0;
  for (const m of text.matchAll(/(\d+)(d|h|m|s|ms)/g)) total += Number(m[1]) * (m[2] === 'd' ? 86400 : m[2] === 'h' ? 3600 : m[2] === 'm' ? 60 : m[2] === 's' ? 1 : 0.001);
  return total;
}
