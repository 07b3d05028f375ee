/** The trace's hops as the diagram's steps: what changed the packet, grouped by node and netfilter hook. */
export interface Hop {
  node: string;
  hook: string | null;
  table: string;
  chain: string;
  rule: string;
  verdict: string;
  action: string;
  target: string | null;
  before: string | null;
  after: string | null;
}

export interface Destination {
  hops?: Hop[] | null;
  kind: string;
  node: string | null;
  pod: string | null;
  ip: string;
  port: number;
  probability: number;
  outcome: string;
}

export type Tone = 'plain' | 'nat' | 'snat' | 'bad' | 'good' | 'route' | 'quiet';

export interface StepLine {
  text: string;
  tone: Tone;
  /** the hop's rule, shown on hover */
  rule: string;
}

export interface Step {
  node: string;
  /** PREROUTING, INPUT, ... or routing / socket / pod network */
  stage: string;
  lines: StepLine[];
}

// GraphQL enum names: the engine's codes with '-' as '_'
const PASSED = new Set(['no_match', 'never_reached', 'not_taken', 'counter']);

function line(h: Hop): { text: string; tone: Tone } | undefined {
  const where = `${h.table} ${h.chain}`;
  switch (h.action) {
    case 'jump':
    case 'goto':
      return { text: `${where} → ${h.action} ${h.target ?? ''}`, tone: 'plain' };
    case 'return':
      // the end of a user chain hands back to its caller: no step of its own
      return h.rule === '(end of chain)' ? undefined : { text: `${where}: RETURN`, tone: 'quiet' };
    case 'policy':
      return { text: `${where}: ${h.target ?? ''} (policy)`, tone: h.target === 'DROP' ? 'bad' : 'quiet' };
    case 'accept':
      return { text: `${where}: ACCEPT`, tone: 'quiet' };
    case 'mark':
      return { text: `${where}: mark ${h.target ?? ''}`, tone: 'quiet' };
    case 'dnat':
    case 'redirect':
      return { text: `${where}: ${h.action.toUpperCase()} ${h.before ?? '?'} → ${h.after ?? '?'}`, tone: 'nat' };
    case 'snat':
    case 'masquerade':
      return { text: `${where}: ${h.action.toUpperCase()} source ${h.before ?? '?'} → ${h.after ?? '?'}`, tone: 'snat' };
    case 'drop':
    case 'reject':
    case 'refuse':
      return { text: `${h.table === 'socket' || h.table === 'route' ? '' : `${where}: `}${h.verdict}`, tone: 'bad' };
    case 'route':
      return { text: `route → ${h.target ?? ''} (${h.verdict})`, tone: 'route' };
    case 'deliver':
      return { text: `delivered to ${h.target ?? ''}`, tone: 'good' };
    case 'unsimulated':
      return { text: `${where}: ${h.verdict}`, tone: 'quiet' };
    default:
      return PASSED.has(h.action) ? undefined : { text: `${where}: ${h.verdict}`, tone: 'plain' };
  }
}

function stageOf(h: Hop, hook: string | undefined): string {
  if (h.table === 'route') return h.chain === 'routing' ? 'routing' : 'pod network';
  if (h.table === 'socket') return 'socket';
  return h.hook ?? hook ?? h.table;
}

/** Consecutive hops on one node in one hook make one step; hops that passed without effect are left out. */
export function steps(hops: Hop[], before: Hop[] = []): Step[] {
  const out: Step[] = [];
  // a branch starts inside the hook the shared hops were in
  const prev = [...before].reverse().find((h) => h.hook);
  let hook: string | undefined = prev?.hook ?? undefined;
  let node: string | undefined = prev?.node;
  hops.forEach((h) => {
    if (h.node !== node) hook = undefined;
    node = h.node;
    if (h.hook) hook = h.hook;
    const l = line(h);
    if (!l) return;
    const stage = stageOf(h, hook);
    const last = out[out.length - 1];
    if (last && last.node === h.node && last.stage === stage) last.lines.push({ ...l, rule: h.rule });
    else out.push({ node: h.node, stage, lines: [{ ...l, rule: h.rule }] });
  });
  return out;
}

/** Lanes: the nodes in the order the packet meets them, then any destination node it does not cross. */
export function lanes(hops: Hop[], dests: Destination[]): string[] {
  const seen: string[] = [];
  for (const n of [...hops.map((h) => h.node), ...dests.map((d) => d.node ?? '')]) if (n && !seen.includes(n)) seen.push(n);
  return seen;
}

const same = (a: Hop, b: Hop) => a.node === b.node && a.table === b.table && a.chain === b.chain && a.rule === b.rule && a.verdict === b.verdict;

/**
 * Where the branches part: the hops every destination's branch shares, then each branch's own. One destination
 * (or an answer without per-destination hops) has no branches: its hops are the path.
 */
export function split(hops: Hop[], dests: Destination[]): { common: Hop[]; branches: Array<{ dest: Destination; hops: Hop[] }> } {
  const withHops = dests.filter((d) => d.hops?.length);
  if (withHops.length < 2) return { common: hops, branches: [] };
  const lists = withHops.map((d) => d.hops as Hop[]);
  let k = 0;
  while (lists.every((l) => k < l.length && same(l[k], lists[0][k]))) k++;
  return { common: lists[0].slice(0, k), branches: withHops.map((d) => ({ dest: d, hops: (d.hops as Hop[]).slice(k) })) };
}
