/**
 * Walks nftables chains (kube-proxy's `ip kube-proxy` table, or a dumped ruleset) with the iptables walker's
 * branch and hop model: sets and verdict maps are looked up by the packet's concatenated key, `numgen random mod N`
 * splits the branch N ways (1/N each), jump/goto/return behave as in the kernel, and dnat/masquerade end the base
 * chain's traversal (the nat expressions return NF_ACCEPT).
 */
import type { TraceHop } from '../model/results';
import { hexMark } from '../iptables/model';
import type { NftChain, NftElement, NftSet, NftTable } from '../nftables/model';
import { parseNftRule, type NftMatch, type NftParsedRule, type NftSelector, type NftStatement, type NftValue } from '../nftables/rule';
import { canonicalIP, cidrContains, joinHostPort, parseCIDR, parseIP, splitHostPort } from '../util/ip';
import type { NodeView } from './state';
import { cloneBranch, isLocalAddress, setDst, setSrc, type Branch, type ChainOutcome, type Packet } from './walk';

type HopEffect = Pick<TraceHop, 'action' | 'target' | 'before' | 'after'>;

export interface NftWalkContext {
  view: NodeView;
  table: NftTable;
  /** netfilter hook in the iptables spelling (PREROUTING, INPUT, ...) */
  hook: string;
}

const PARSED = new WeakMap<object, NftParsedRule>();

function parsedRule(r: { text: string }): NftParsedRule {
  let p = PARSED.get(r);
  if (!p) PARSED.set(r, (p = parseNftRule(r.text)));
  return p;
}

const SET_INDEX = new WeakMap<NftSet, Map<string, NftElement>>();

function normKey(k: string): string {
  return k.split(/\s*\.\s*/).map((part) => canonicalIP(part) ?? part).join(' . ');
}

function lookup(set: NftSet, key: string): NftElement | undefined {
  let idx = SET_INDEX.get(set);
  if (!idx) {
    idx = new Map(set.elements.map((e) => [normKey(e.key), e]));
    SET_INDEX.set(set, idx);
  }
  const hit = idx.get(normKey(key));
  if (hit || !set.elements.some((e) => e.key.includes('/'))) return hit;
  // interval sets: a single address key inside a CIDR element
  return set.elements.find((e) => {
    const c = parseCIDR(e.key);
    return !!c && cidrContains(c, key);
  });
}

function ruleText(r: { text: string; comment?: string }): string {
  return r.comment ? `${r.text} comment "${r.comment}"` : r.text;
}

function selectorValue(view: NodeView, s: NftSelector, pkt: Packet): string | undefined {
  switch (s.kind) {
    case 'addr':
      if ((s.family === 'ip') !== (pkt.srcP.family === 4)) return undefined;
      return s.field === 'saddr' ? pkt.src : pkt.dst;
    case 'l4proto':
      return pkt.proto;
    case 'port':
      if (s.proto && s.proto !== pkt.proto) return undefined;
      return String(s.field === 'dport' ? pkt.dport : pkt.sport);
    case 'fib':
      return isLocalAddress(view, s.field === 'saddr' ? pkt.src : pkt.dst) ? 'local' : 'unicast';
    case 'ctstate':
      // a trace follows a connection's first packet
      return 'new';
    case 'iface':
      return (s.field === 'iifname' ? pkt.inIface : pkt.outIface) ?? '';
    case 'mark':
      return hexMark((pkt.mark & (s.mask ?? 0xffffffff)) >>> 0);
    default:
      return undefined;
  }
}

function literalMatches(s: NftSelector, actual: string, literal: string): boolean {
  if (s.kind === 'addr') {
    const c = parseCIDR(literal.includes('/') ? literal : `${literal}/${literal.includes(':') ? 128 : 32}`);
    return !!c && cidrContains(c, actual);
  }
  if (s.kind === 'mark') return Number(literal) >>> 0 === Number(actual) >>> 0;
  if (s.kind === 'ctstate') return literal.split(',').includes(actual);
  if (s.kind === 'iface') return literal.endsWith('*') ? actual.startsWith(literal.slice(0, -1)) : actual === literal;
  return actual === literal;
}

function describe(s: NftSelector, pkt: Packet): string {
  switch (s.kind) {
    case 'addr':
      return s.field === 'saddr' ? `source is ${pkt.src}` : `destination is ${pkt.dst}`;
    case 'l4proto':
      return `protocol is ${pkt.proto}`;
    case 'port':
      return s.proto && s.proto !== pkt.proto ? `protocol is ${pkt.proto}` : `${s.field === 'dport' ? 'destination' : 'source'} port is ${s.field === 'dport' ? pkt.dport : pkt.sport}`;
    case 'fib':
      return `${s.field === 'saddr' ? `source ${pkt.src}` : `destination ${pkt.dst}`} is not a local address`;
    case 'iface':
      return `${s.field === 'iifname' ? 'in' : 'out'}-interface is ${(s.field === 'iifname' ? pkt.inIface : pkt.outIface) ?? 'none'}`;
    case 'mark':
      return `mark is ${hexMark(pkt.mark)}`;
    default:
      return 'no match';
  }
}

type MatchResult = { ok: true } | { ok: false; why: string };

function evalMatch(ctx: NftWalkContext, m: NftMatch, pkt: Packet): MatchResult {
  const vals = m.keys.map((k) => selectorValue(ctx.view, k, pkt));
  if (vals.some((v) => v === undefined)) return { ok: false, why: describe(m.keys[vals.findIndex((v) => v === undefined)], pkt) };
  const key = (vals as string[]).join(' . ');
  let hit: boolean;
  const v: NftValue = m.value;
  if (v.kind === 'ref') {
    const set = ctx.table.sets.find((s) => s.name === v.name);
    hit = !!set && !!lookup(set, key);
    if (hit === m.negated) return { ok: false, why: `${key} is ${m.negated ? '' : 'not '}in @${v.name}` };
    return { ok: true };
  }
  const items = v.kind === 'anon' ? v.items : [v.text];
  hit = m.keys.length === 1 ? items.some((it) => literalMatches(m.keys[0], key, it)) : items.some((it) => normKey(it) === normKey(key));
  if (hit !== m.negated) return { ok: true };
  if (m.keys.length === 1 && m.keys[0].kind === 'mark' && m.negated === false) return { ok: false, why: `mark bits ${key} are set` };
  if (m.keys.length === 1 && m.keys[0].kind === 'fib') return { ok: false, why: `${m.keys[0].field === 'saddr' ? `source ${pkt.src}` : `destination ${pkt.dst}`} is ${key === 'local' ? '' : 'not '}a local address` };
  return { ok: false, why: m.negated ? `${describe(m.keys[0], pkt).replace(/ is /, ' ')} is in ${items.join(', ')}` : describe(m.keys[0], pkt) };
}

/** Verdict-map elements of an anonymous `{ k : v, ... }`. */
function anonElements(items: string[]): NftElement[] {
  return items.map((it) => {
    const [k, val] = it.split(/\s+:\s+/);
    return { key: k.trim(), value: (val ?? '').trim() };
  });
}

function chainOf(ctx: NftWalkContext, name: string): NftChain | undefined {
  return ctx.table.chains.find((c) => c.name === name);
}

export function walkNftChain(ctx: NftWalkContext, chainName: string, b: Branch, parent: string | undefined, depth = 0): ChainOutcome[] {
  const chain = chainOf(ctx, chainName);
  const tableName = `${ctx.table.family} ${ctx.table.name}`;
  if (!chain) {
    b.notes.push(`nftables chain ${chainName} does not exist in table ${tableName} on ${ctx.view.node}; treated as empty`);
    return [{ b, verdict: 'RETURN' }];
  }
  if (depth > 64) {
    b.notes.push(`jump depth limit reached in ${chainName}`);
    return [{ b, verdict: 'RETURN' }];
  }
  const base = !!chain.base;
  const hop = (rule: string, verdict: string, effect: HopEffect): TraceHop => {
    const h: TraceHop = { node: ctx.view.node, table: tableName as TraceHop['table'], chain: chainName, rule, verdict, ...effect };
    if (base) h.hook = ctx.hook;
    return h;
  };
  const endOfChain = (br: Branch): ChainOutcome[] => {
    if (base) {
      const policy = chain.base?.policy === 'drop' ? 'DROP' : 'ACCEPT';
      br.hops.push(hop('(end of chain)', `${policy} by default policy`, { action: 'policy', target: policy }));
      return [{ b: br, verdict: policy, by: policy === 'DROP' ? `${tableName} ${chainName} policy` : undefined }];
    }
    br.hops.push(hop('(end of chain)', `return to ${parent ?? 'caller'}`, { action: 'return', target: parent }));
    return [{ b: br, verdict: 'RETURN' }];
  };

  const runFrom = (k0: number, br: Branch): ChainOutcome[] => {
    for (let k = k0; k < chain.rules.length; k++) {
      const r = chain.rules[k];
      const text = ruleText(r);
      const pr = parsedRule(r);
      if (pr.unknown.length) {
        br.hops.push(hop(text, `no match (not simulated: ${pr.unknown.join(' ')})`, { action: 'no-match' }));
        br.notes.push(`nft rule "${text}" in ${chainName} uses syntax Portolan does not simulate (${pr.unknown.join(' ')}); it was treated as not matching`);
        continue;
      }
      let failed: string | undefined;
      for (const m of pr.matches) {
        const res = evalMatch(ctx, m, br.pkt);
        if (!res.ok) {
          failed = res.why;
          break;
        }
      }
      if (failed !== undefined) {
        br.hops.push(hop(text, `no match (${failed})`, { action: 'no-match' }));
        continue;
      }
      const out = statements(k, text, pr.statements, 0, br);
      if (out) return out;
    }
    return endOfChain(br);
  };

  const terminal = (br: Branch, verdict: ChainOutcome['verdict'], nat?: ChainOutcome['nat']): ChainOutcome[] => [{ b: br, verdict, nat, by: `${tableName} ${chainName}` }];

  /** Applies a verdict (`goto X`, `drop`, ...): outcomes when it ends this chain, undefined to go on. */
  const verdict = (k: number, text: string, v: string, br: Branch, shown?: string): ChainOutcome[] | undefined => {
    const [word, target] = v.trim().split(/\s+/);
    switch (word) {
      case 'accept':
        br.hops.push(hop(text, shown ?? 'ACCEPT', { action: 'accept' }));
        return terminal(br, 'ACCEPT');
      case 'drop':
        br.hops.push(hop(text, shown ?? 'DROP', { action: 'drop' }));
        return terminal(br, 'DROP');
      case 'reject':
        br.hops.push(hop(text, shown ?? 'REJECT', { action: 'reject', target: /\bwith\s+(.+)$/.exec(v.trim())?.[1] }));
        return terminal(br, 'REJECT');
      case 'return':
        br.hops.push(hop(text, shown ?? 'RETURN', { action: 'return', target: base ? (chain.base?.policy === 'drop' ? 'DROP' : 'ACCEPT') : parent }));
        return base ? endOfChainPolicy(br) : [{ b: br, verdict: 'RETURN' }];
      case 'jump':
      case 'goto': {
        const h = hop(text, shown ?? `${word} ${target}`, { action: word === 'goto' ? 'goto' : 'jump', target });
        br.hops.push(h);
        const markBefore = br.pkt.mark;
        const results = walkNftChain(ctx, target, br, chainName, depth + 1);
        const out: ChainOutcome[] = [];
        for (const res of results) {
          if (res.verdict !== 'RETURN') out.push(res);
          else if (word === 'goto') out.push(...(base ? endOfChainPolicy(res.b) : [res]));
          else {
            const added = (res.b.pkt.mark & ~markBefore) >>> 0;
            // a jump to a mark-setting chain (mark-for-masquerade) reads as the mark it set
            if (added && res.b.hops.includes(h)) h.verdict = `mark |= ${hexMark(added)} (jump ${target})`;
            out.push(...runFrom(k + 1, res.b));
          }
        }
        return out;
      }
      default:
        br.hops.push(hop(text, `${v} (verdict not simulated; continues)`, { action: 'unsimulated', target: word }));
        br.notes.push(`nft verdict "${v}" is not simulated; the walk continued past it`);
        return undefined;
    }
  };

  const endOfChainPolicy = (br: Branch): ChainOutcome[] => [{ b: br, verdict: chain.base?.policy === 'drop' ? 'DROP' : 'ACCEPT' }];

  const statements = (k: number, text: string, list: NftStatement[], from: number, br: Branch): ChainOutcome[] | undefined => {
    if (from >= list.length) {
      if (list.length === 0 || list.every((s) => s.kind === 'counter')) br.hops.push(hop(text, 'match, no verdict (counter only)', { action: 'counter' }));
      return undefined;
    }
    const s = list[from];
    const pkt = br.pkt;
    const next = () => statements(k, text, list, from + 1, br);
    switch (s.kind) {
      case 'counter':
        return next();
      case 'verdict':
        return verdict(k, text, s.verdict, br);
      case 'jump':
      case 'goto':
        return verdict(k, text, `${s.kind} ${s.chain}`, br);
      case 'mark': {
        const before = pkt.mark;
        pkt.mark = (s.op === 'or' ? pkt.mark | s.value : s.op === 'xor' ? pkt.mark ^ s.value : s.value) >>> 0;
        const added = (pkt.mark & ~before) >>> 0;
        if (added) br.marks.push(hexMark(added));
        const shown = s.op === 'or' ? `mark |= ${hexMark(s.value)}` : s.op === 'xor' ? ((before & s.value) === s.value ? `clear ${hexMark(s.value)}` : `mark ^= ${hexMark(s.value)}`) : `mark ${hexMark(s.value)}`;
        if (from === list.length - 1) {
          br.hops.push(hop(text, `${shown}${!base && k === chain.rules.length - 1 ? ', return' : ''}`, { action: 'mark', target: hexMark(pkt.mark) }));
          return undefined;
        }
        return next();
      }
      case 'update':
        // the connection's source is remembered for session affinity; a first packet found no entry before
        br.hops.push(hop(text, `add ${pkt.src} to @${s.set} (session affinity)`, { action: 'counter', target: `@${s.set}` }));
        return next();
      case 'masquerade': {
        const to = br.egressAddress ?? pkt.src;
        const marked = br.marks.length ? `mark ${br.marks[br.marks.length - 1]} set; ` : '';
        const before = joinHostPort(pkt.src, pkt.sport);
        setSrc(pkt, to);
        pkt.snat = true;
        br.masquerade = true;
        br.masqueradeBy = `${tableName} ${chainName}`;
        br.hops.push(hop(text, `MASQUERADE (${marked}source becomes the egress interface address ${to})`, { action: 'masquerade', before, after: joinHostPort(pkt.src, pkt.sport) }));
        return terminal(br, 'ACCEPT', 'MASQUERADE');
      }
      case 'dnat': {
        const to = splitHostPort(s.to) ?? { host: s.to, port: pkt.dport };
        if (!parseIP(to.host)) {
          br.hops.push(hop(text, `DNAT (unparsed ${s.to})`, { action: 'dnat', before: joinHostPort(pkt.dst, pkt.dport) }));
          br.notes.push(`dnat target ${s.to} not understood`);
          return terminal(br, 'ACCEPT', 'DNAT');
        }
        const before = joinHostPort(pkt.dst, pkt.dport);
        setDst(pkt, to.host, to.port);
        pkt.dnat = true;
        br.dnatNodes = [...(br.dnatNodes ?? []), ctx.view.node];
        br.hops.push(hop(text, `DNAT -> ${joinHostPort(to.host, to.port)}`, { action: 'dnat', before, after: joinHostPort(pkt.dst, pkt.dport) }));
        return terminal(br, 'ACCEPT', 'DNAT');
      }
      case 'snat': {
        const host = splitHostPort(s.to)?.host ?? s.to;
        const before = joinHostPort(pkt.src, pkt.sport);
        if (parseIP(host)) setSrc(pkt, host);
        pkt.snat = true;
        br.masquerade = true;
        br.hops.push(hop(text, `SNAT -> ${host}`, { action: 'snat', before, after: joinHostPort(pkt.src, pkt.sport) }));
        return terminal(br, 'ACCEPT', 'SNAT');
      }
      case 'vmap':
        return vmap(k, text, s, br);
      default:
        return next();
    }
  };

  const vmap = (k: number, text: string, s: Extract<NftStatement, { kind: 'vmap' }>, br: Branch): ChainOutcome[] | undefined => {
    if (s.keys.length === 1 && s.keys[0].kind === 'numgen') {
      const mod = s.keys[0].mod;
      const elems = s.map.kind === 'anon' ? anonElements(s.map.items) : [];
      const out: ChainOutcome[] = [];
      for (let n = 0; n < mod; n++) {
        const e = elems.find((x) => Number(x.key) === n);
        const b2 = mod === 1 ? br : cloneBranch(br, br.p / mod);
        if (!e) {
          b2.hops.push(hop(text, `no element for ${n}: the packet continues with the next rule`, { action: 'no-match' }));
          out.push(...runFrom(k + 1, b2));
          continue;
        }
        const shown = mod === 1
          ? `the ${chainName.startsWith('local-') ? 'local ' : ''}endpoint only (${e.key} : ${e.value})`
          : `one endpoint chain per branch (this branch: ${e.key} : ${e.value}, probability 1/${mod})`;
        out.push(...(verdict(k, text, e.value ?? '', b2, shown) ?? runFrom(k + 1, b2)));
      }
      return out;
    }
    const vals = s.keys.map((x) => selectorValue(ctx.view, x, br.pkt));
    if (vals.some((v) => v === undefined)) {
      br.hops.push(hop(text, `no match (${describe(s.keys[vals.findIndex((v) => v === undefined)], br.pkt)})`, { action: 'no-match' }));
      return undefined;
    }
    const key = (vals as string[]).join(' . ');
    let elements: NftElement[] = [];
    let name = '';
    if (s.map.kind === 'ref') {
      name = `@${s.map.name}`;
      const set = ctx.table.sets.find((x) => x.name === (s.map as { name: string }).name);
      elements = set?.elements ?? [];
      const e = set ? lookup(set, key) : undefined;
      if (e) return verdict(k, text, e.value ?? '', br, `${e.key} : ${e.value}`);
    } else {
      name = 'the anonymous map';
      elements = anonElements(s.map.kind === 'anon' ? s.map.items : []);
      const e = elements.find((x) => normKey(x.key) === normKey(key));
      if (e) return verdict(k, text, e.value ?? '', br, `${e.key} : ${e.value}`);
    }
    br.hops.push(hop(text, elements.length === 0 ? `no match (${name} is empty)` : `no element for ${key}`, { action: 'no-match' }));
    return undefined;
  };

  return runFrom(0, b);
}
