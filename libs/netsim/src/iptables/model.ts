/**
 * The iptables rule model as data: tables -> chains (built-in with a policy, or user) -> ordered rules.
 * A rule keeps its argument list in generator (iptables-restore) syntax plus the parsed matches and target,
 * so the renderer, the iptables-save parser and the trace walker share one representation.
 */
import { parseCIDR, type CIDR } from '../util/ip';

export type TableName = 'filter' | 'nat' | 'mangle' | 'raw' | 'security';

export const BUILTIN_CHAINS: Record<string, readonly string[]> = {
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
  raw: ['PREROUTING', 'OUTPUT'],
  security: ['INPUT', 'FORWARD', 'OUTPUT'],
};

export interface PortRange {
  from: number;
  to: number;
}

export interface AddrMatch {
  negated: boolean;
  /** as written (10.244.0.5/24) */
  text: string;
  /** masked network; undefined when the text is not an address (reported as unknown) */
  cidr?: CIDR;
}

export interface NegatableValue {
  negated: boolean;
  value: string;
}

export type Match =
  | {
      kind: 'port';
      module: string;
      dport?: { negated: boolean; range: PortRange };
      sport?: { negated: boolean; range: PortRange };
      /** --tcp-flags mask comp (--syn is SYN,RST,ACK,FIN SYN) */
      tcpFlags?: { negated: boolean; mask: string[]; comp: string[] };
    }
  | { kind: 'multiport'; dports?: { negated: boolean; ranges: PortRange[] }; sports?: { negated: boolean; ranges: PortRange[] }; ports?: { negated: boolean; ranges: PortRange[] } }
  | { kind: 'addrtype'; dstType?: { negated: boolean; types: string[] }; srcType?: { negated: boolean; types: string[] } }
  | { kind: 'mark'; negated: boolean; value: number; mask: number }
  | { kind: 'conntrack'; ctstate?: { negated: boolean; states: string[] }; other: string[] }
  | { kind: 'state'; negated: boolean; states: string[] }
  | { kind: 'statistic'; mode: string; probability?: number; probabilityText?: string; every?: number; packet?: number; negated: boolean }
  | { kind: 'recent'; args: string[] }
  | { kind: 'comment'; comment: string }
  | { kind: 'nfacct'; name: string }
  | { kind: 'other'; module: string; args: string[] };

export interface Target {
  /** jump (-j) or goto (-g) */
  kind: 'jump' | 'goto';
  name: string;
  args: string[];
  /** DNAT --to-destination / SNAT --to-source */
  toDestination?: string;
  toSource?: string;
  /** MARK: the operation and operands */
  mark?: { op: 'or' | 'and' | 'xor' | 'set-xmark' | 'set-mark'; value: number; mask: number };
  randomFully?: boolean;
  rejectWith?: string;
}

export interface Rule {
  /** arguments in generator syntax, without `-A CHAIN` */
  args: string[];
  /** args joined with iptables-save quoting (the text shown in traces) */
  text: string;
  protocol?: NegatableValue;
  source?: AddrMatch;
  destination?: AddrMatch;
  inInterface?: NegatableValue;
  outInterface?: NegatableValue;
  matches: Match[];
  target?: Target;
  comment?: string;
  /** options or modules the model does not understand: kept, reported, never fatal */
  unknown: string[];
}

export interface Chain {
  name: string;
  builtin: boolean;
  /** built-in chains only: ACCEPT or DROP */
  policy?: string;
  rules: Rule[];
}

export interface Table {
  name: string;
  chains: Record<string, Chain>;
  /** declaration order (built-ins first) */
  chainOrder: string[];
}

export interface Ruleset {
  tables: Record<string, Table>;
  tableOrder: string[];
  /** parser / renderer remarks (unknown matches, synthetic ids, ...) */
  notes: string[];
}

// ------------------------------------------------------------------ construction

export function emptyRuleset(): Ruleset {
  return { tables: {}, tableOrder: [], notes: [] };
}

export function ensureTable(rs: Ruleset, name: string): Table {
  let t = rs.tables[name];
  if (!t) {
    t = { name, chains: {}, chainOrder: [] };
    for (const b of BUILTIN_CHAINS[name] ?? []) {
      t.chains[b] = { name: b, builtin: true, policy: 'ACCEPT', rules: [] };
      t.chainOrder.push(b);
    }
    rs.tables[name] = t;
    rs.tableOrder.push(name);
  }
  return t;
}

export function ensureChain(t: Table, name: string): Chain {
  let c = t.chains[name];
  if (!c) {
    const builtin = (BUILTIN_CHAINS[t.name] ?? []).includes(name);
    c = { name, builtin, policy: builtin ? 'ACCEPT' : undefined, rules: [] };
    t.chains[name] = c;
    t.chainOrder.push(name);
  }
  return c;
}

export function appendRule(t: Table, chain: string, args: string[]): Rule {
  const r = parseRuleArgs(args);
  ensureChain(t, chain).rules.push(r);
  return r;
}

export function prependRule(t: Table, chain: string, args: string[]): Rule {
  const r = parseRuleArgs(args);
  ensureChain(t, chain).rules.unshift(r);
  return r;
}

// ------------------------------------------------------------------ quoting

/** iptables-save quoting: bare when safe, else double quotes with \" and \\ escaped. */
export function quoteArg(a: string): string {
  let safe = a !== '';
  for (let i = 0; safe && i < a.length; i++) {
    const c = a.charCodeAt(i);
    // whitespace, quotes and backslash need quoting
    if (c <= 32 || c === 34 || c === 39 || c === 92 || c === 0x85 || c === 0xa0) safe = false;
  }
  if (safe && !/\s/.test(a)) return a;
  return `"${a.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export function joinArgs(args: readonly string[]): string {
  return args.map(quoteArg).join(' ');
}

/** Shell-like split used for iptables-save lines: "..." (with \ escapes), '...' and bare words. */
export function tokenize(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  const n = line.length;
  while (i < n) {
    while (i < n && /\s/.test(line[i])) i++;
    if (i >= n) break;
    let tok = '';
    let any = false;
    while (i < n && !/\s/.test(line[i])) {
      const ch = line[i];
      if (ch === '"') {
        any = true;
        i++;
        while (i < n && line[i] !== '"') {
          if (line[i] === '\\' && i + 1 < n) {
            tok += line[i + 1];
            i += 2;
          } else {
            tok += line[i++];
          }
        }
        i++;
      } else if (ch === "'") {
        any = true;
        i++;
        while (i < n && line[i] !== "'") tok += line[i++];
        i++;
      } else if (ch === '\\' && i + 1 < n) {
        tok += line[i + 1];
        i += 2;
      } else {
        tok += ch;
        i++;
      }
    }
    if (tok !== '' || any) out.push(tok);
  }
  return out;
}

// ------------------------------------------------------------------ parsing one rule

/** Rules repeat the same addresses (cluster CIDR, 127.0.0.0/8, every cluster IP twice): parse each once. */
const cidrCache = new Map<string, CIDR | undefined>();

function cachedCIDR(text: string): CIDR | undefined {
  if (cidrCache.has(text)) return cidrCache.get(text);
  if (cidrCache.size > 200_000) cidrCache.clear();
  const c = parseCIDR(text);
  cidrCache.set(text, c);
  return c;
}

const PROTO_NUMBERS: Record<string, string> = { '1': 'icmp', '6': 'tcp', '17': 'udp', '132': 'sctp', '58': 'ipv6-icmp' };
const PORT_MODULES = new Set(['tcp', 'udp', 'sctp', 'udplite', 'dccp']);

function parsePort(s: string): PortRange | undefined {
  const m = /^(\d*)(?::(\d*))?$/.exec(s);
  if (!m) return undefined;
  if (m[2] === undefined) {
    if (m[1] === '') return undefined;
    const p = Number(m[1]);
    return { from: p, to: p };
  }
  return { from: m[1] === '' ? 0 : Number(m[1]), to: m[2] === '' ? 65535 : Number(m[2]) };
}

function parsePortList(s: string): PortRange[] | undefined {
  const out: PortRange[] = [];
  for (const part of s.split(',')) {
    const r = parsePort(part);
    if (!r) return undefined;
    out.push(r);
  }
  return out;
}

/** "0x4000/0x4000" or "0x4000" (mask all ones). */
export function parseMarkValue(s: string): { value: number; mask: number } | undefined {
  const [v, m] = s.split('/');
  const value = Number(v);
  const mask = m === undefined ? 0xffffffff : Number(m);
  if (!Number.isFinite(value) || !Number.isFinite(mask)) return undefined;
  return { value: value >>> 0, mask: mask >>> 0 };
}

/** Options that take no value, by module. */
const FLAG_OPTIONS = new Set(['--set', '--rcheck', '--update', '--remove', '--reap', '--rsource', '--rdest', '--syn', '--random-fully', '--random', '--persistent', '--rttl']);

/**
 * Parses a rule's arguments (without `-A CHAIN`). Unknown modules and options are kept in `matches`
 * (kind 'other') and listed in `unknown`; nothing here throws.
 */
export function parseRuleArgs(args: string[]): Rule {
  const rule: Rule = { args, text: joinArgs(args), matches: [], unknown: [] };
  let module: Match | undefined;
  let negate = false;
  let i = 0;
  const next = (): string => args[++i] ?? '';
  const portMatch = (): Extract<Match, { kind: 'port' }> => {
    if (module && module.kind === 'port') return module;
    // `-p tcp --dport 80` without `-m tcp` loads the protocol's match implicitly (portmap writes rules this way)
    const implicit: Match = { kind: 'port', module: rule.protocol?.value ?? 'tcp' };
    rule.matches.push(implicit);
    module = implicit;
    return implicit;
  };
  for (; i < args.length; i++) {
    const a = args[i];
    if (a === '!') {
      negate = true;
      continue;
    }
    const neg = negate;
    negate = false;
    switch (a) {
      case '-p':
      case '--protocol': {
        const v = next().toLowerCase();
        rule.protocol = { negated: neg, value: PROTO_NUMBERS[v] ?? v };
        continue;
      }
      case '-s':
      case '--source':
      case '--src': {
        const v = next();
        rule.source = { negated: neg, text: v, cidr: cachedCIDR(v) };
        if (!rule.source.cidr) rule.unknown.push(`-s ${v}`);
        continue;
      }
      case '-d':
      case '--destination':
      case '--dst': {
        const v = next();
        rule.destination = { negated: neg, text: v, cidr: cachedCIDR(v) };
        if (!rule.destination.cidr) rule.unknown.push(`-d ${v}`);
        continue;
      }
      case '-i':
      case '--in-interface':
        rule.inInterface = { negated: neg, value: next() };
        continue;
      case '-o':
      case '--out-interface':
        rule.outInterface = { negated: neg, value: next() };
        continue;
      case '-m':
      case '--match': {
        const name = next();
        module = newModule(name);
        rule.matches.push(module);
        if (module.kind === 'other') rule.unknown.push(`-m ${name}`);
        continue;
      }
      case '-j':
      case '--jump':
      case '-g':
      case '--goto': {
        const name = next();
        const targs = args.slice(i + 1);
        rule.target = parseTarget(a === '-g' || a === '--goto' ? 'goto' : 'jump', name, targs);
        i = args.length;
        continue;
      }
      default:
        break;
    }
    // module options
    switch (a) {
      case '--dport':
      case '--destination-port':
      case '--sport':
      case '--source-port': {
        const pm = portMatch();
        const v = next();
        const range = parsePort(v);
        if (!range) {
          rule.unknown.push(`${a} ${v}`);
        } else if (a === '--dport' || a === '--destination-port') {
          pm.dport = { negated: neg, range };
        } else {
          pm.sport = { negated: neg, range };
        }
        continue;
      }
      case '--dports':
      case '--destination-ports':
      case '--sports':
      case '--source-ports':
      case '--ports': {
        const v = next();
        const ranges = parsePortList(v);
        const mm: Match = module && module.kind === 'multiport' ? module : { kind: 'multiport' };
        if (mm !== module) {
          rule.matches.push(mm);
          module = mm;
        }
        if (!ranges || mm.kind !== 'multiport') {
          rule.unknown.push(`${a} ${v}`);
        } else if (a === '--dports' || a === '--destination-ports') {
          mm.dports = { negated: neg, ranges };
        } else if (a === '--ports') {
          mm.ports = { negated: neg, ranges };
        } else {
          mm.sports = { negated: neg, ranges };
        }
        continue;
      }
      default:
        break;
    }
    if (module) {
      if (handleModuleOption(module, a, neg, next, rule)) continue;
      if (module.kind === 'other') {
        module.args.push(...(neg ? ['!', a] : [a]));
        if (!FLAG_OPTIONS.has(a)) while (i + 1 < args.length && !args[i + 1].startsWith('-') && args[i + 1] !== '!') module.args.push(next());
        continue;
      }
    }
    rule.unknown.push(neg ? `! ${a}` : a);
  }
  for (const m of rule.matches) if (m.kind === 'comment') rule.comment = m.comment;
  return rule;
}

function newModule(name: string): Match {
  if (PORT_MODULES.has(name)) return { kind: 'port', module: name };
  switch (name) {
    case 'multiport':
      return { kind: 'multiport' };
    case 'addrtype':
      return { kind: 'addrtype' };
    case 'mark':
      return { kind: 'mark', negated: false, value: 0, mask: 0xffffffff };
    case 'conntrack':
      return { kind: 'conntrack', other: [] };
    case 'state':
      return { kind: 'state', negated: false, states: [] };
    case 'statistic':
      return { kind: 'statistic', mode: 'random', negated: false };
    case 'recent':
      return { kind: 'recent', args: [] };
    case 'comment':
      return { kind: 'comment', comment: '' };
    case 'nfacct':
      return { kind: 'nfacct', name: '' };
    default:
      return { kind: 'other', module: name, args: [] };
  }
}

function handleModuleOption(m: Match, opt: string, neg: boolean, next: () => string, rule: Rule): boolean {
  switch (m.kind) {
    case 'port':
      if (opt === '--syn') {
        m.tcpFlags = { negated: neg, mask: ['SYN', 'RST', 'ACK', 'FIN'], comp: ['SYN'] };
        return true;
      }
      if (opt === '--tcp-flags') {
        const mask = next().split(',');
        const comp = next().split(',');
        m.tcpFlags = { negated: neg, mask, comp };
        return true;
      }
      return false;
    case 'addrtype':
      if (opt === '--dst-type' || opt === '--src-type') {
        const types = next().split(',');
        if (opt === '--dst-type') m.dstType = { negated: neg, types };
        else m.srcType = { negated: neg, types };
        return true;
      }
      if (opt === '--limit-iface-in' || opt === '--limit-iface-out') return true;
      return false;
    case 'mark':
      if (opt === '--mark') {
        const v = next();
        const mv = parseMarkValue(v);
        if (!mv) rule.unknown.push(`--mark ${v}`);
        else Object.assign(m, { negated: neg, ...mv });
        return true;
      }
      return false;
    case 'conntrack':
      if (opt === '--ctstate') {
        m.ctstate = { negated: neg, states: next().split(',') };
        return true;
      }
      if (opt.startsWith('--ct')) {
        m.other.push(...(neg ? ['!', opt] : [opt]), next());
        rule.unknown.push(`conntrack ${opt}`);
        return true;
      }
      return false;
    case 'state':
      if (opt === '--state') {
        m.negated = neg;
        m.states = next().split(',');
        return true;
      }
      return false;
    case 'statistic':
      if (opt === '--mode') {
        m.mode = next();
        return true;
      }
      if (opt === '--probability') {
        const v = next();
        m.probability = Number(v);
        m.probabilityText = v;
        m.negated = neg;
        return true;
      }
      if (opt === '--every' || opt === '--packet') {
        const v = Number(next());
        if (opt === '--every') m.every = v;
        else m.packet = v;
        m.negated = m.negated || neg;
        return true;
      }
      return false;
    case 'recent':
      m.args.push(...(neg ? ['!', opt] : [opt]));
      if (!FLAG_OPTIONS.has(opt)) m.args.push(next());
      return true;
    case 'comment':
      if (opt === '--comment') {
        m.comment = next();
        return true;
      }
      return false;
    case 'nfacct':
      if (opt === '--nfacct-name') {
        m.name = next();
        return true;
      }
      return false;
    default:
      return false;
  }
}

function parseTarget(kind: 'jump' | 'goto', name: string, args: string[]): Target {
  const t: Target = { kind, name, args };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const v = args[i + 1];
    switch (a) {
      case '--to-destination':
        t.toDestination = v;
        i++;
        break;
      case '--to-source':
        t.toSource = v;
        i++;
        break;
      case '--random-fully':
        t.randomFully = true;
        break;
      case '--reject-with':
        t.rejectWith = v;
        i++;
        break;
      case '--or-mark':
      case '--and-mark':
      case '--xor-mark':
      case '--set-xmark':
      case '--set-mark': {
        const mv = parseMarkValue(v ?? '');
        i++;
        if (mv) {
          const op = a.slice(2).replace('-mark', '') as 'or' | 'and' | 'xor' | 'set-x' | 'set';
          const opName = op === 'set-x' ? 'set-xmark' : op === 'set' ? 'set-mark' : op;
          // --or/--xor/--and take a bare value; --set-xmark/--set-mark default the mask to all ones
          t.mark = { op: opName, value: mv.value, mask: a === '--set-xmark' || a === '--set-mark' ? mv.mask : 0xffffffff };
        }
        break;
      }
      default:
        break;
    }
  }
  return t;
}

// ------------------------------------------------------------------ helpers

export function hexMark(v: number): string {
  return `0x${(v >>> 0).toString(16)}`;
}

export function ruleModules(r: Rule): string[] {
  return r.matches.map((m) => (m.kind === 'other' ? m.module : m.kind === 'port' ? m.module : m.kind));
}
