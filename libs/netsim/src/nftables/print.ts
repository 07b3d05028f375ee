/**
 * `nft list ruleset` text (nftables 1.0.x, as Debian ships it): tab indentation, sets and maps before chains, a
 * blank line between blocks, standard priority names where nft uses them, and nft's own element line breaks.
 */
import type { NftBaseChain, NftChain, NftSet, NftTable } from './model';

/** nft's standard priorities (src/rule.c std_prios) and the hooks where nft prints them by name. */
const STD_PRIOS: ReadonlyArray<{ value: number; name: string; hooks?: ReadonlyArray<NftBaseChain['hook']> }> = [
  { value: -300, name: 'raw' },
  { value: -150, name: 'mangle' },
  { value: -100, name: 'dstnat', hooks: ['prerouting'] },
  { value: 0, name: 'filter' },
  { value: 50, name: 'security' },
  { value: 100, name: 'srcnat', hooks: ['postrouting'] },
];

/** `dstnat - 10`, `srcnat`, or the number when no standard priority is within 10 at that hook. */
export function priorityText(priority: number, hook: NftBaseChain['hook']): string {
  for (const p of STD_PRIOS) {
    const offset = priority - p.value;
    if (Math.abs(offset) > 10 || (p.hooks && !p.hooks.includes(hook))) continue;
    return offset === 0 ? p.name : `${p.name} ${offset > 0 ? '+' : '-'} ${Math.abs(offset)}`;
  }
  return String(priority);
}

/** nft's time format: 10800 -> 3h, 5400 -> 1h30m, 0 -> 0s. */
export function nftDuration(seconds: number): string {
  if (seconds === 0) return '0s';
  const parts: string[] = [];
  let s = seconds;
  for (const [unit, size] of [['d', 86400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    const n = Math.floor(s / size);
    if (n > 0) parts.push(`${n}${unit}`);
    s -= n * size;
  }
  return parts.join('');
}

function quote(text: string): string {
  return `"${text}"`;
}

/** Elements as nft breaks them: one map element per line, two IPv4 addresses per line, one otherwise. */
function elementsText(set: NftSet): string {
  const perLine = set.kind === 'map' ? 1 : set.type === 'ipv4_addr' ? 2 : 1;
  const items = set.elements.map((e) => `${e.key}${e.comment ? ` comment ${quote(e.comment)}` : ''}${e.value !== undefined ? ` : ${e.value}` : ''}`);
  let out = '';
  items.forEach((item, i) => {
    if (i > 0) out += i % perLine === 0 ? ',\n\t\t\t     ' : ', ';
    out += item;
  });
  return `{ ${out} }`;
}

function setBlock(set: NftSet): string[] {
  const lines = [`\t${set.kind} ${set.name} {`, `\t\ttype ${set.type}`];
  if (set.size !== undefined) lines.push(`\t\tsize ${set.size}`);
  if (set.flags?.length) lines.push(`\t\tflags ${set.flags.join(',')}`);
  if (set.timeout !== undefined) lines.push(`\t\ttimeout ${nftDuration(set.timeout)}`);
  if (set.comment) lines.push(`\t\tcomment ${quote(set.comment)}`);
  if (set.elements.length > 0) lines.push(`\t\telements = ${elementsText(set)}`);
  lines.push('\t}');
  return lines;
}

function chainBlock(chain: NftChain): string[] {
  const lines = [`\tchain ${chain.name} {`];
  if (chain.comment) lines.push(`\t\tcomment ${quote(chain.comment)}`);
  const b = chain.base;
  if (b) lines.push(`\t\ttype ${b.type} hook ${b.hook} priority ${priorityText(b.priority, b.hook)}; policy ${b.policy};`);
  for (const r of chain.rules) lines.push(`\t\t${r.text}${r.comment ? ` comment ${quote(r.comment)}` : ''}`);
  lines.push('\t}');
  return lines;
}

export function printNftTable(t: NftTable): string {
  const blocks = [...t.sets.map(setBlock), ...t.chains.map(chainBlock)];
  const lines = [`table ${t.family} ${t.name} {`];
  if (t.comment) lines.push(`\tcomment ${quote(t.comment)}`);
  blocks.forEach((b, i) => {
    if (i > 0) lines.push('');
    lines.push(...b);
  });
  lines.push('}');
  return lines.join('\n') + '\n';
}

/** Several tables, as `nft list ruleset` prints them one after the other. */
export function printNftRuleset(tables: NftTable[]): string {
  return tables.map(printNftTable).join('');
}
