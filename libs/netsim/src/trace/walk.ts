/**
 * Netfilter chain walking over the rule model: matches, targets, jumps/returns/policies, and `statistic`
 * rules as probability splits (each branch carries its probability so the destinations sum to 1).
 */
import { QueryError } from '../model/errors';
import type { TraceHop } from '../model/results';
import type { Match, Rule } from '../iptables/model';
import { hexMark } from '../iptables/model';
import { cidrContains, isLoopback, joinHostPort, parseIP, splitHostPort, type ParsedIP } from '../util/ip';
import { candidates, INDEX_THRESHOLD, type NodeView } from './state';

export interface Packet {
  src: string;
  dst: string;
  srcP: ParsedIP;
  dstP: ParsedIP;
  sport: number;
  dport: number;
  proto: string;
  mark: number;
  inIface?: string;
  outIface?: string;
  dnat: boolean;
  snat: boolean;
}

export interface Branch {
  p: number;
  pkt: Packet;
  hops: TraceHop[];
  notes: string[];
  masquerade: boolean;
  masqueradeBy?: string;
  /** mark bits set along the path (hex) */
  marks: string[];
  /** egress address used by MASQUERADE (decided by routing before POSTROUTING) */
  egressAddress?: string;
  /** every node that DNATed this packet, in order: the reply must cross each of them to be un-DNATed */
  dnatNodes?: string[];
  /** the client's address before any SNAT */
  origSrc?: string;
}

export type Verdict = 'RETURN' | 'ACCEPT' | 'DROP' | 'REJECT';

export interface ChainOutcome {
  b: Branch;
  verdict: Verdict;
  /** set when a NAT target ended the table's traversal */
  nat?: 'DNAT' | 'SNAT' | 'MASQUERADE' | 'REDIRECT';
  /** the rule and chain that decided (for DROP/REJECT reporting) */
  by?: string;
}

export interface WalkContext {
  view: NodeView;
  table: string;
  hook: string;
}

export function clonePacket(p: Packet): Packet {
  return { ...p };
}

export function cloneBranch(b: Branch, p: number): Branch {
  return { ...b, p, pkt: clonePacket(b.pkt), hops: [...b.hops], notes: [...b.notes], marks: [...b.marks] };
}

export function makePacket(src: string, dst: string, dport: number, proto: string): Packet {
  const srcP = parseIP(src);
  const dstP = parseIP(dst);
  if (!srcP || !dstP) throw new QueryError(`invalid address in trace: ${!srcP ? src : dst}`);
  return { src, dst, srcP, dstP, sport: 0, dport, proto, mark: 0, dnat: false, snat: false };
}

export function setDst(p: Packet, ip: string, port: number): void {
  p.dst = ip;
  p.dstP = parseIP(ip) as ParsedIP;
  p.dport = port;
}

export function setSrc(p: Packet, ip: string): void {
  p.src = ip;
  p.srcP = parseIP(ip) as ParsedIP;
}

export function isLocalAddress(view: NodeView, ip: string): boolean {
  return isLoopback(ip) || view.local.has(ip);
}

function addrType(view: NodeView, ip: string, types: string[]): boolean {
  return types.some((t) => {
    switch (t) {
      case 'LOCAL':
        return isLocalAddress(view, ip);
      case 'UNICAST':
        return !ip.startsWith('224.') && ip !== '255.255.255.255';
      case 'MULTICAST':
        return /^2(2[4-9]|3\d)\./.test(ip);
      case 'BROADCAST':
        return ip === '255.255.255.255';
      default:
        return false;
    }
  });
}

function ifaceMatches(pattern: string, iface: string | undefined): boolean {
  if (!iface) return false;
  return pattern.endsWith('+') ? iface.startsWith(pattern.slice(0, -1)) : iface === pattern;
}

function ctStates(p: Packet): Set<string> {
  const s = new Set(['NEW']);
  if (p.dnat) s.add('DNAT');
  if (p.snat) s.add('SNAT');
  return s;
}

type MatchResult = { ok: true; p?: number; pText?: string } | { ok: false; why: string };

/** Evaluates every match of a rule against the packet. */
export function matchRule(view: NodeView, r: Rule, pkt: Packet): MatchResult {
  // a rule with options the model cannot evaluate is not applied (and says so) rather than guessed
  if (r.unknown.length) return { ok: false, why: `not simulated: ${r.unknown.join(', ')}` };
  if (r.protocol) {
    const v = r.protocol.value;
    const hit = v === 'all' || v === '0' || v === pkt.proto;
    if (hit === r.protocol.negated) return { ok: false, why: `protocol is ${pkt.proto}` };
  }
  if (r.source?.cidr) {
    const hit = cidrContains(r.source.cidr, pkt.srcP);
    if (hit === r.source.negated) return { ok: false, why: r.source.negated ? `source ${pkt.src} is in ${r.source.text}` : `source is ${pkt.src}, not ${r.source.text}` };
  } else if (r.source) return { ok: false, why: `unparsable source ${r.source.text}` };
  if (r.destination?.cidr) {
    const hit = cidrContains(r.destination.cidr, pkt.dstP);
    if (hit === r.destination.negated) return { ok: false, why: `destination is ${pkt.dst}` };
  } else if (r.destination) return { ok: false, why: `unparsable destination ${r.destination.text}` };
  if (r.inInterface && ifaceMatches(r.inInterface.value, pkt.inIface) === r.inInterface.negated) return { ok: false, why: `in-interface is ${pkt.inIface ?? 'none'}` };
  if (r.outInterface && ifaceMatches(r.outInterface.value, pkt.outIface) === r.outInterface.negated) return { ok: false, why: `out-interface is ${pkt.outIface ?? 'none'}` };
  let prob: number | undefined;
  let probText: string | undefined;
  for (const m of r.matches) {
    const res = matchOne(view, m, pkt);
    if (res === true) continue;
    if (typeof res === 'number') {
      prob = (prob ?? 1) * res;
      probText = m.kind === 'statistic' ? m.probabilityText ?? String(res) : String(res);
      continue;
    }
    return { ok: false, why: res };
  }
  return prob === undefined ? { ok: true } : { ok: true, p: prob, pText: probText };
}

function inRanges(port: number, ranges: Array<{ from: number; to: number }>): boolean {
  return ranges.some((r) => port >= r.from && port <= r.to);
}

/** true, a probability, or the reason it does not match. */
function matchOne(view: NodeView, m: Match, pkt: Packet): true | number | string {
  switch (m.kind) {
    case 'comment':
    case 'nfacct':
      return true;
    case 'port': {
      if (m.module !== pkt.proto) return `protocol is ${pkt.proto}`;
      if (m.dport && inRanges(pkt.dport, [m.dport.range]) === m.dport.negated) return `destination port is ${pkt.dport}`;
      if (m.sport && inRanges(pkt.sport, [m.sport.range]) === m.sport.negated) return `source port is ${pkt.sport}`;
      if (m.tcpFlags) {
        // a connection's first packet carries SYN only
        const all = ['SYN', 'ACK', 'FIN', 'RST', 'URG', 'PSH'];
        const mask = m.tcpFlags.mask.includes('ALL') ? all : m.tcpFlags.mask;
        const comp = m.tcpFlags.comp.includes('ALL') ? all : m.tcpFlags.comp.filter((f) => f !== 'NONE');
        const set: string[] = mask.filter((f) => f === 'SYN');
        const hit = set.length === comp.length && comp.every((f) => set.includes(f));
        if (hit === m.tcpFlags.negated) return 'TCP flags of a first packet (SYN)';
      }
      return true;
    }
    case 'multiport': {
      if (m.dports && inRanges(pkt.dport, m.dports.ranges) === m.dports.negated) return `destination port is ${pkt.dport}`;
      if (m.sports && inRanges(pkt.sport, m.sports.ranges) === m.sports.negated) return `source port is ${pkt.sport}`;
      if (m.ports && (inRanges(pkt.dport, m.ports.ranges) || inRanges(pkt.sport, m.ports.ranges)) === m.ports.negated) return `port is ${pkt.dport}`;
      return true;
    }
    case 'addrtype': {
      if (m.dstType && addrType(view, pkt.dst, m.dstType.types) === m.dstType.negated) return `destination ${pkt.dst} is ${m.dstType.negated ? '' : 'not '}${m.dstType.types.join(',')}`;
      if (m.srcType && addrType(view, pkt.src, m.srcType.types) === m.srcType.negated) return `source ${pkt.src} is ${m.srcType.negated ? '' : 'not '}${m.srcType.types.join(',')}`;
      return true;
    }
    case 'mark': {
      const hit = ((pkt.mark & m.mask) >>> 0) === ((m.value & m.mask) >>> 0);
      if (hit === m.negated) return m.negated ? `mark ${hexMark(m.value)} is set` : `no ${hexMark(m.value)} mark`;
      return true;
    }
    case 'conntrack': {
      if (m.ctstate) {
        const s = ctStates(pkt);
        const hit = m.ctstate.states.some((x) => s.has(x));
        if (hit === m.ctstate.negated) return `conntrack state is ${[...s].join(',')}`;
      }
      return true;
    }
    case 'state': {
      const hit = m.states.includes('NEW');
      if (hit === m.negated) return 'conntrack state is NEW';
      return true;
    }
    case 'statistic': {
      const p = m.mode === 'nth' ? 1 / Math.max(1, m.every ?? 1) : m.probability ?? 1;
      return m.negated ? 1 - p : p;
    }
    case 'recent':
      // a first packet has no entry in any recent list: --rcheck/--update fail, --set succeeds
      return m.args.includes('--rcheck') || m.args.includes('--update') ? 'no recent entry for a first packet' : true;
    case 'other':
      return `match module ${m.module} is not simulated (assumed not to match)`;
    default:
      return true;
  }
}

type HopEffect = Pick<TraceHop, 'action' | 'target' | 'before' | 'after'>;

function hop(ctx: WalkContext, chain: string, builtin: boolean, rule: string, verdict: string, effect: HopEffect): TraceHop {
  const h: TraceHop = { node: ctx.view.node, table: ctx.table as TraceHop['table'], chain, rule, verdict, ...effect };
  if (builtin) h.hook = ctx.hook;
  return h;
}

const TERMINAL_NAT = new Set(['DNAT', 'SNAT', 'MASQUERADE', 'REDIRECT']);

/** Walks one chain; the result lists every branch that left it. */
export function walkChain(ctx: WalkContext, chainName: string, b: Branch, parent: string | undefined, depth = 0): ChainOutcome[] {
  const chain = ctx.view.chain(ctx.table, chainName);
  if (!chain) {
    b.notes.push(`${ctx.table} chain ${chainName} does not exist on ${ctx.view.node}; treated as empty`);
    return [{ b, verdict: 'RETURN' }];
  }
  if (depth > 64) {
    b.notes.push(`jump depth limit reached in ${chainName}`);
    return [{ b, verdict: 'RETURN' }];
  }
  const idx = chain.rules.length > INDEX_THRESHOLD ? ctx.view.index(ctx.table, chainName) : undefined;
  const order = idx ? candidates(idx, b.pkt.proto, b.pkt.dst, b.pkt.dport) : undefined;
  const n = order ? order.length : chain.rules.length;
  const at = (k: number) => (order ? order[k] : k);

  const neverReached = (br: Branch, from: number, why: string) => {
    if (!chain.builtin) return;
    for (let k = from; k < chain.rules.length; k++) br.hops.push(hop(ctx, chainName, true, chain.rules[k].text, `never reached: ${why}`, { action: 'never-reached' }));
  };

  const runFrom = (k0: number, br: Branch): ChainOutcome[] => {
    for (let k = k0; k < n; k++) {
      const ri = at(k);
      const r = chain.rules[ri];
      const m = matchRule(ctx.view, r, br.pkt);
      if (!m.ok) {
        br.hops.push(hop(ctx, chainName, chain.builtin, r.text, `no match (${m.why})`, { action: 'no-match' }));
        continue;
      }
      if (m.p !== undefined && m.p < 1) {
        const taken = cloneBranch(br, br.p * m.p);
        const notTaken = cloneBranch(br, br.p * (1 - m.p));
        notTaken.hops.push(hop(ctx, chainName, chain.builtin, r.text, `not taken in this example (statistic probability ${m.pText}; this branch continues with the next rule)`, { action: 'not-taken' }));
        const out = applyTarget(k, ri, r, taken, ` (taken with probability ${m.pText})`);
        return [...out, ...runFrom(k + 1, notTaken)];
      }
      return applyTarget(k, ri, r, br, '');
    }
    // end of chain
    if (chain.builtin) {
      const policy = chain.policy ?? 'ACCEPT';
      br.hops.push(hop(ctx, chainName, true, '(end of chain)', `${policy} by default policy`, { action: 'policy', target: policy }));
      return [{ b: br, verdict: policy === 'DROP' ? 'DROP' : 'ACCEPT', by: policy === 'DROP' ? `${ctx.table} ${chainName} policy` : undefined }];
    }
    br.hops.push(hop(ctx, chainName, false, '(end of chain)', `return to ${parent ?? 'caller'}`, { action: 'return', target: parent }));
    return [{ b: br, verdict: 'RETURN' }];
  };

  const applyTarget = (k: number, ri: number, r: Rule, br: Branch, suffix: string): ChainOutcome[] => {
    const t = r.target;
    const isLast = ri === chain.rules.length - 1 && !chain.builtin;
    if (!t) {
      br.hops.push(hop(ctx, chainName, chain.builtin, r.text, `match, no target (counter only)${suffix}`, { action: 'counter' }));
      return runFrom(k + 1, br);
    }
    const pkt = br.pkt;
    const terminal = (verdict: Verdict, text: string, effect: HopEffect, nat?: ChainOutcome['nat']): ChainOutcome[] => {
      br.hops.push(hop(ctx, chainName, chain.builtin, r.text, text + suffix, effect));
      neverReached(br, ri + 1, nat ? `${nat} is a terminating target; the ${ctx.table} ${ctx.hook} traversal ended` : `${verdict} ended the ${ctx.table} ${ctx.hook} traversal`);
      return [{ b: br, verdict, nat, by: `${ctx.table} ${chainName}` }];
    };
    switch (t.name) {
      case 'ACCEPT':
        return terminal('ACCEPT', 'ACCEPT', { action: 'accept' });
      case 'DROP':
        return terminal('DROP', 'DROP', { action: 'drop' });
      case 'REJECT':
        return terminal('REJECT', t.rejectWith ? `REJECT (${t.rejectWith})` : 'REJECT', { action: 'reject', target: t.rejectWith });
      case 'RETURN':
        br.hops.push(hop(ctx, chainName, chain.builtin, r.text, `RETURN${suffix}`, { action: 'return', target: chain.builtin ? chain.policy ?? 'ACCEPT' : parent }));
        if (chain.builtin) {
          const policy = chain.policy ?? 'ACCEPT';
          return [{ b: br, verdict: policy === 'DROP' ? 'DROP' : 'ACCEPT' }];
        }
        return [{ b: br, verdict: 'RETURN' }];
      case 'DNAT': {
        const to = t.toDestination ? splitHostPort(t.toDestination) ?? { host: t.toDestination, port: pkt.dport } : undefined;
        if (!to || !parseIP(to.host)) {
          br.notes.push(`DNAT target ${t.toDestination ?? ''} not understood`);
          return terminal('ACCEPT', `DNAT (unparsed ${t.toDestination ?? ''})`, { action: 'dnat', before: joinHostPort(pkt.dst, pkt.dport) }, 'DNAT');
        }
        const before = joinHostPort(pkt.dst, pkt.dport);
        setDst(pkt, to.host, to.port);
        pkt.dnat = true;
        br.dnatNodes = [...(br.dnatNodes ?? []), ctx.view.node];
        return terminal('ACCEPT', `DNAT -> ${joinHostPort(to.host, to.port)}`, { action: 'dnat', before, after: joinHostPort(pkt.dst, pkt.dport) }, 'DNAT');
      }
      case 'REDIRECT': {
        const port = Number((t.args[t.args.indexOf('--to-ports') + 1] ?? '').split('-')[0]) || pkt.dport;
        const ip = pkt.inIface ? [...ctx.view.local][0] ?? '127.0.0.1' : '127.0.0.1';
        const before = joinHostPort(pkt.dst, pkt.dport);
        setDst(pkt, ip, port);
        pkt.dnat = true;
        return terminal('ACCEPT', `REDIRECT -> ${joinHostPort(ip, port)}`, { action: 'redirect', before, after: joinHostPort(pkt.dst, pkt.dport) }, 'REDIRECT');
      }
      case 'SNAT': {
        const to = t.toSource ? splitHostPort(t.toSource)?.host ?? t.toSource.split(':')[0] : undefined;
        const before = joinHostPort(pkt.src, pkt.sport);
        if (to && parseIP(to)) setSrc(pkt, to);
        pkt.snat = true;
        br.masquerade = true;
        return terminal('ACCEPT', `SNAT -> ${to ?? '?'}`, { action: 'snat', before, after: joinHostPort(pkt.src, pkt.sport) }, 'SNAT');
      }
      case 'MASQUERADE': {
        const to = br.egressAddress ?? pkt.src;
        const before = joinHostPort(pkt.src, pkt.sport);
        setSrc(pkt, to);
        pkt.snat = true;
        br.masquerade = true;
        br.masqueradeBy = `${ctx.table} ${chainName}`;
        return terminal('ACCEPT', `MASQUERADE (source becomes the egress interface address ${to})`, { action: 'masquerade', before, after: joinHostPort(pkt.src, pkt.sport) }, 'MASQUERADE');
      }
      case 'MARK': {
        const mk = t.mark;
        if (!mk) {
          br.hops.push(hop(ctx, chainName, chain.builtin, r.text, `MARK (not understood)${suffix}`, { action: 'unsimulated', target: 'MARK' }));
          return runFrom(k + 1, br);
        }
        const before = pkt.mark;
        let text: string;
        switch (mk.op) {
          case 'or':
            pkt.mark = (pkt.mark | mk.value) >>> 0;
            text = `mark |= ${hexMark(mk.value)}`;
            break;
          case 'and':
            pkt.mark = (pkt.mark & mk.value) >>> 0;
            text = `mark &= ${hexMark(mk.value)}`;
            break;
          case 'xor':
            pkt.mark = (pkt.mark ^ mk.value) >>> 0;
            text = (before & mk.value) === mk.value ? `clear ${hexMark(mk.value)}` : `mark ^= ${hexMark(mk.value)}`;
            break;
          case 'set-mark':
            pkt.mark = ((pkt.mark & ~mk.mask) | mk.value) >>> 0;
            text = `mark ${hexMark(mk.value)}`;
            break;
          default:
            pkt.mark = ((pkt.mark & ~mk.mask) ^ mk.value) >>> 0;
            // iptables-save prints --or-mark v as --set-xmark v/v and --xor-mark v as --set-xmark v/0x0
            if (mk.mask === 0) text = (before & mk.value) === mk.value ? `clear ${hexMark(mk.value)}` : `mark ^= ${hexMark(mk.value)}`;
            else text = mk.value === mk.mask || mk.mask === 0xffffffff ? `mark ${hexMark(mk.value)}` : `mark ${hexMark(mk.value)}/${hexMark(mk.mask)}`;
        }
        const newBits = (pkt.mark & ~before) >>> 0;
        if (newBits) br.marks.push(hexMark(newBits));
        br.hops.push(hop(ctx, chainName, chain.builtin, r.text, `${text}${isLast ? ', return' : ''}${suffix}`, { action: 'mark', target: hexMark(pkt.mark) }));
        return runFrom(k + 1, br);
      }
      default:
        break;
    }
    const sub = ctx.view.chain(ctx.table, t.name);
    if (!sub) {
      if (TERMINAL_NAT.has(t.name)) return terminal('ACCEPT', t.name, { action: t.name.toLowerCase() as HopEffect['action'] }, t.name as ChainOutcome['nat']);
      br.hops.push(hop(ctx, chainName, chain.builtin, r.text, `${t.name} (target not simulated; continues)${suffix}`, { action: 'unsimulated', target: t.name }));
      br.notes.push(`target ${t.name} is not simulated; the walk continued past it`);
      return runFrom(k + 1, br);
    }
    br.hops.push(hop(ctx, chainName, chain.builtin, r.text, `${t.kind === 'goto' ? 'goto' : 'jump'} ${t.name}${suffix}`, { action: t.kind === 'goto' ? 'goto' : 'jump', target: t.name }));
    const results = walkChain(ctx, t.name, br, chainName, depth + 1);
    const out: ChainOutcome[] = [];
    for (const res of results) {
      if (res.verdict !== 'RETURN') {
        neverReached(res.b, ri + 1, res.nat ? `the packet was already ${res.nat === 'MASQUERADE' ? 'masqueraded' : res.nat + 'ed'} inside ${t.name} (${res.nat} is a terminating target)` : `${res.verdict} inside ${t.name} ended the ${ctx.table} ${ctx.hook} traversal`);
        out.push(res);
      } else if (t.kind === 'goto') {
        // a RETURN from a goto'd chain returns from this chain too
        if (chain.builtin) out.push({ b: res.b, verdict: chain.policy === 'DROP' ? 'DROP' : 'ACCEPT' });
        else out.push(res);
      } else {
        out.push(...runFrom(k + 1, res.b));
      }
    }
    return out;
  };

  return runFrom(0, b);
}
