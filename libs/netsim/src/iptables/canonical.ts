/**
 * Rule arguments in the form `iptables-save` prints them after iptables-restore loaded them (iptables 1.8, both the
 * legacy and the nf_tables backend print these matches alike): addresses masked with their prefix (`-s 127.0.0.1/32`),
 * `-s -d -i -o -p` first, then every match in the order it was loaded (an implicit protocol match, `-p tcp --dport 80`,
 * becomes `-m tcp` where its first option stood), each printing its options in its own fixed order, then the target
 * with its options as its save function prints them (`--or-mark 0x4000` is `--set-xmark 0x4000/0x4000`).
 * Anything not modelled here is printed as written.
 */
import { formatCIDR, parseCIDR } from '../util/ip';
import { quoteArg } from './model';

interface Opt {
  neg: boolean;
  name: string;
  values: string[];
}

interface MatchSpec {
  /** option -> number of values */
  options: Record<string, number>;
  /** alias -> canonical option name */
  aliases?: Record<string, string>;
  save(opts: Opt[]): string[];
}

const PROTO_NAMES: Record<string, string> = { '1': 'icmp', '6': 'tcp', '17': 'udp', '132': 'sctp', '58': 'ipv6-icmp' };

/** xtables_save_string: bare when only [A-Za-z0-9_-], else double-quoted with " \ ' escaped. */
export function saveString(v: string): string {
  if (/^[A-Za-z0-9_-]+$/.test(v)) return v;
  return `"${v.replace(/["\\']/g, (c) => `\\${c}`)}"`;
}

const hex = (v: number): string => `0x${(v >>> 0).toString(16)}`;

function parseNum(s: string): number | undefined {
  if (!/^(0x[0-9a-f]+|\d+)$/i.test(s)) return undefined;
  const n = Number(s);
  return Number.isFinite(n) && n >= 0 && n <= 0xffffffff ? n : undefined;
}

/** value[/mask] as xtables_parse_mark_mask reads it; mask defaults to all ones. */
function markMask(s: string): { value: number; mask: number } | undefined {
  const [v, m] = s.split('/');
  const value = parseNum(v);
  const mask = m === undefined ? 0xffffffff : parseNum(m);
  return value === undefined || mask === undefined ? undefined : { value, mask };
}

function portRange(s: string): string {
  const [a, b] = s.split(':');
  if (b === undefined) return a;
  const from = a === '' ? '0' : a;
  const to = b === '' ? '65535' : b;
  return from === to ? from : `${from}:${to}`;
}

const TCP_FLAGS = ['FIN', 'SYN', 'RST', 'PSH', 'ACK', 'URG'];
function tcpFlags(s: string): string {
  const set = new Set(s.toUpperCase().split(','));
  if (set.has('ALL')) return TCP_FLAGS.join(',');
  if (set.has('NONE')) return 'NONE';
  const out = TCP_FLAGS.filter((f) => set.has(f));
  return out.length ? out.join(',') : 'NONE';
}

function ordered(values: string, order: readonly string[]): string {
  const set = new Set(values.split(','));
  const known = order.filter((v) => set.has(v));
  return known.length === set.size ? known.join(',') : values;
}

const CT_STATES = ['INVALID', 'NEW', 'RELATED', 'ESTABLISHED', 'UNTRACKED', 'SNAT', 'DNAT'];
const ADDR_TYPES = ['UNSPEC', 'UNICAST', 'LOCAL', 'BROADCAST', 'ANYCAST', 'MULTICAST', 'BLACKHOLE', 'UNREACHABLE', 'PROHIBIT', 'THROW', 'NAT', 'XRESOLVE'];

const neg = (o: Opt): string[] => (o.neg ? ['!'] : []);
const pick = (opts: Opt[], name: string): Opt | undefined => opts.find((o) => o.name === name);

function portSave(opts: Opt[]): string[] {
  const out: string[] = [];
  for (const name of ['--sport', '--dport']) {
    const o = pick(opts, name);
    if (o) out.push(...neg(o), name, portRange(o.values[0]));
  }
  const opt = pick(opts, '--tcp-option');
  if (opt) out.push(...neg(opt), '--tcp-option', opt.values[0]);
  const syn = pick(opts, '--syn');
  const flags = pick(opts, '--tcp-flags') ?? (syn ? { ...syn, values: ['FIN,SYN,RST,ACK', 'SYN'] } : undefined);
  if (flags) out.push(...neg(flags), '--tcp-flags', tcpFlags(flags.values[0]), tcpFlags(flags.values[1]));
  return out;
}

const PORT_ALIASES = { '--source-port': '--sport', '--destination-port': '--dport' };
const PORT_SPEC: MatchSpec = { options: { '--sport': 1, '--dport': 1 }, aliases: PORT_ALIASES, save: portSave };
const TCP_SPEC: MatchSpec = { options: { '--sport': 1, '--dport': 1, '--tcp-flags': 2, '--syn': 0, '--tcp-option': 1 }, aliases: PORT_ALIASES, save: portSave };

// the save order of each module's options is its libxt_*.c save function's
const MATCHES: Record<string, MatchSpec> = {
  tcp: TCP_SPEC,
  udp: PORT_SPEC,
  udplite: PORT_SPEC,
  sctp: PORT_SPEC,
  dccp: PORT_SPEC,
  multiport: {
    options: { '--sports': 1, '--dports': 1, '--ports': 1 },
    aliases: { '--source-ports': '--sports', '--destination-ports': '--dports' },
    save: (opts) => opts.flatMap((o) => [...neg(o), o.name, o.values[0].split(',').map(portRange).join(',')]),
  },
  comment: { options: { '--comment': 1 }, save: (opts) => opts.flatMap((o) => ['--comment', saveString(o.values[0])]) },
  mark: {
    options: { '--mark': 1 },
    save: (opts) =>
      opts.flatMap((o) => {
        const m = markMask(o.values[0]);
        return [...neg(o), '--mark', m ? (m.mask === 0xffffffff ? hex(m.value) : `${hex(m.value)}/${hex(m.mask)}`) : o.values[0]];
      }),
  },
  addrtype: {
    options: { '--src-type': 1, '--dst-type': 1, '--limit-iface-in': 0, '--limit-iface-out': 0 },
    save: (opts) => {
      const out: string[] = [];
      for (const name of ['--src-type', '--dst-type']) {
        const o = pick(opts, name);
        if (o) out.push(...neg(o), name, ordered(o.values[0].toUpperCase(), ADDR_TYPES));
      }
      for (const name of ['--limit-iface-in', '--limit-iface-out']) if (pick(opts, name)) out.push(name);
      return out;
    },
  },
  conntrack: {
    options: {
      '--ctstate': 1, '--ctproto': 1, '--ctorigsrc': 1, '--ctorigdst': 1, '--ctreplsrc': 1, '--ctrepldst': 1, '--ctorigsrcport': 1,
      '--ctorigdstport': 1, '--ctreplsrcport': 1, '--ctrepldstport': 1, '--ctstatus': 1, '--ctexpire': 1, '--ctdir': 1,
    },
    save: (opts) => {
      const order = ['--ctstate', '--ctproto', '--ctorigsrc', '--ctorigdst', '--ctreplsrc', '--ctrepldst', '--ctorigsrcport', '--ctorigdstport', '--ctreplsrcport', '--ctrepldstport', '--ctstatus', '--ctexpire', '--ctdir'];
      return order.flatMap((name) => {
        const o = pick(opts, name);
        if (!o) return [];
        return [...neg(o), name, name === '--ctstate' ? ordered(o.values[0].toUpperCase(), CT_STATES) : o.values[0]];
      });
    },
  },
  state: { options: { '--state': 1 }, save: (opts) => opts.flatMap((o) => [...neg(o), '--state', ordered(o.values[0].toUpperCase(), CT_STATES)]) },
  statistic: {
    options: { '--mode': 1, '--probability': 1, '--every': 1, '--packet': 1 },
    save: (opts) => {
      const mode = pick(opts, '--mode')?.values[0] ?? 'random';
      const inv = opts.some((o) => o.neg) ? ['!'] : [];
      if (mode === 'random') {
        const p = pick(opts, '--probability');
        return ['--mode', 'random', ...inv, '--probability', p ? probability(p.values[0]) : '1.00000000000'];
      }
      return ['--mode', mode, ...inv, '--every', pick(opts, '--every')?.values[0] ?? '1', '--packet', pick(opts, '--packet')?.values[0] ?? '0'];
    },
  },
  recent: {
    options: { '--set': 0, '--rcheck': 0, '--update': 0, '--remove': 0, '--seconds': 1, '--reap': 0, '--hitcount': 1, '--rttl': 0, '--name': 1, '--mask': 1, '--rsource': 0, '--rdest': 0 },
    save: (opts) => {
      const out: string[] = [];
      for (const name of ['--rcheck', '--set', '--update', '--remove']) {
        const o = pick(opts, name);
        if (o) out.push(...neg(o), name);
      }
      const seconds = pick(opts, '--seconds');
      if (seconds && seconds.values[0] !== '0') out.push('--seconds', seconds.values[0]);
      if (pick(opts, '--reap')) out.push('--reap');
      const hits = pick(opts, '--hitcount');
      if (hits && hits.values[0] !== '0') out.push('--hitcount', hits.values[0]);
      if (pick(opts, '--rttl')) out.push('--rttl');
      out.push('--name', pick(opts, '--name')?.values[0] ?? 'DEFAULT', '--mask', pick(opts, '--mask')?.values[0] ?? '255.255.255.255');
      out.push(pick(opts, '--rdest') ? '--rdest' : '--rsource');
      return out;
    },
  },
  nfacct: { options: { '--nfacct-name': 1 }, save: (opts) => opts.flatMap((o) => ['--nfacct-name', saveString(o.values[0])]) },
};

/**
 * libxt_statistic: the probability is stored as lround(p * 2^31) and printed with %.11f; the digits are computed
 * exactly (k / 2^31 has a finite decimal expansion), rounding half to even as glibc's printf does.
 */
export function probability(text: string): string {
  const p = Number(text);
  if (!Number.isFinite(p) || p < 0 || p > 1) return text;
  const k = BigInt(Math.round(p * 2 ** 31));
  const scaled = k * 10n ** 11n;
  const den = 1n << 31n;
  let q = scaled / den;
  const r = scaled % den;
  if (r * 2n > den || (r * 2n === den && q % 2n === 1n)) q += 1n;
  const s = q.toString().padStart(12, '0');
  return `${s.slice(0, -11)}.${s.slice(-11)}`;
}

const REJECT_WITH: Record<string, string> = {
  'icmp-net-unreachable': 'icmp-net-unreachable', 'net-unreach': 'icmp-net-unreachable',
  'icmp-host-unreachable': 'icmp-host-unreachable', 'host-unreach': 'icmp-host-unreachable',
  'icmp-proto-unreachable': 'icmp-proto-unreachable', 'proto-unreach': 'icmp-proto-unreachable',
  'icmp-port-unreachable': 'icmp-port-unreachable', 'port-unreach': 'icmp-port-unreachable',
  'icmp-net-prohibited': 'icmp-net-prohibited', 'net-prohib': 'icmp-net-prohibited',
  'icmp-host-prohibited': 'icmp-host-prohibited', 'host-prohib': 'icmp-host-prohibited',
  'icmp-admin-prohibited': 'icmp-admin-prohibited', 'admin-prohib': 'icmp-admin-prohibited',
  'tcp-reset': 'tcp-reset', 'tcp-rst': 'tcp-reset',
};

function targetSave(name: string, args: string[]): string[] {
  const has = (o: string) => args.includes(o);
  const val = (o: string) => {
    const i = args.indexOf(o);
    return i >= 0 ? args[i + 1] : undefined;
  };
  switch (name) {
    case 'MARK': {
      // libxt_MARK v2 keeps (mark, mask) and prints --set-xmark for every operation
      const op = ['--set-xmark', '--set-mark', '--or-mark', '--and-mark', '--xor-mark'].find(has);
      const v = op ? val(op) : undefined;
      const mm = v === undefined ? undefined : op === '--set-xmark' || op === '--set-mark' ? markMask(v) : parseNum(v) !== undefined ? { value: parseNum(v) as number, mask: 0 } : undefined;
      if (!op || !mm) return args.map(quoteArg);
      let mark = mm.value;
      let mask = mm.mask;
      if (op === '--set-mark') mask = (mm.mask | mm.value) >>> 0;
      else if (op === '--or-mark') mask = mark;
      else if (op === '--and-mark') [mark, mask] = [0, ~mm.value >>> 0];
      else if (op === '--xor-mark') mask = 0;
      return ['--set-xmark', `${hex(mark)}/${hex(mask)}`];
    }
    case 'DNAT':
    case 'SNAT': {
      const to = name === 'DNAT' ? '--to-destination' : '--to-source';
      const out: string[] = [];
      args.forEach((a, i) => {
        if (a === to || a === '--to') out.push(to, args[i + 1]);
      });
      for (const f of ['--random', '--random-fully', '--persistent']) if (has(f)) out.push(f);
      return out;
    }
    case 'MASQUERADE':
    case 'REDIRECT': {
      const out: string[] = [];
      const ports = val('--to-ports');
      if (ports !== undefined) out.push('--to-ports', ports.replace(':', '-'));
      for (const f of ['--random', '--random-fully']) if (has(f)) out.push(f);
      return out;
    }
    case 'REJECT': {
      const w = val('--reject-with') ?? 'icmp-port-unreachable';
      return ['--reject-with', REJECT_WITH[w] ?? w];
    }
    default:
      return args.map(quoteArg);
  }
}

/** One rule (without `-A CHAIN`) as iptables-save prints it; words not modelled here stay as written (quoted). */
export function canonicalRule(args: readonly string[]): string {
  const base: Record<string, { neg: boolean; value: string }> = {};
  const matches: Array<{ name: string; spec?: MatchSpec; opts: Opt[]; raw: string[] }> = [];
  let target: string[] = [];
  let negate = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '!') {
      negate = true;
      continue;
    }
    const neg = negate;
    negate = false;
    const baseName = { '-s': '-s', '--source': '-s', '--src': '-s', '-d': '-d', '--destination': '-d', '--dst': '-d', '-i': '-i', '--in-interface': '-i', '-o': '-o', '--out-interface': '-o', '-p': '-p', '--protocol': '-p' }[a];
    if (baseName) {
      base[baseName] = { neg, value: args[++i] ?? '' };
      continue;
    }
    if (a === '-m' || a === '--match') {
      const name = args[++i] ?? '';
      matches.push({ name, spec: MATCHES[name], opts: [], raw: [] });
      continue;
    }
    if (a === '-j' || a === '--jump' || a === '-g' || a === '--goto') {
      const name = args[i + 1] ?? '';
      target = [a.startsWith('-g') || a === '--goto' ? '-g' : '-j', name, ...targetSave(name, args.slice(i + 2))];
      break;
    }
    // an option belongs to the first loaded match that has it, else to the protocol's match, loaded implicitly
    let owner = matches.find((m) => m.spec && optionName(m.spec, a) !== undefined);
    const proto = base['-p']?.value.toLowerCase();
    const protoName = proto ? (PROTO_NAMES[proto] ?? proto) : undefined;
    if (!owner && protoName && MATCHES[protoName] && optionName(MATCHES[protoName], a) !== undefined) {
      owner = { name: protoName, spec: MATCHES[protoName], opts: [], raw: [] };
      matches.push(owner);
    }
    if (owner?.spec) {
      const name = optionName(owner.spec, a) as string;
      const n = owner.spec.options[name];
      owner.opts.push({ neg, name, values: args.slice(i + 1, i + 1 + n) });
      i += n;
      continue;
    }
    // an option of a module not modelled here: kept with the last match, as written
    const last = matches.at(-1);
    const words = neg ? ['!', quoteArg(a)] : [quoteArg(a)];
    if (last) last.raw.push(...words);
    else matches.push({ name: '', opts: [], raw: words });
  }

  const out: string[] = [];
  for (const k of ['-s', '-d']) {
    const b = base[k];
    if (!b) continue;
    const c = parseCIDR(b.value);
    // iptables-save omits a match on 0.0.0.0/0 (it matches every address)
    if (c && c.prefix === 0 && !b.neg) continue;
    out.push(...(b.neg ? ['!'] : []), k, c ? formatCIDR(c) : b.value);
  }
  for (const k of ['-i', '-o']) {
    const b = base[k];
    if (b) out.push(...(b.neg ? ['!'] : []), k, b.value);
  }
  const p = base['-p'];
  if (p) out.push(...(p.neg ? ['!'] : []), '-p', PROTO_NAMES[p.value] ?? p.value.toLowerCase());
  for (const m of matches) {
    if (m.name) out.push('-m', m.name);
    out.push(...(m.spec && m.opts.length ? m.spec.save(m.opts) : []), ...m.raw);
  }
  out.push(...target);
  return out.join(' ');
}

function optionName(spec: MatchSpec, opt: string): string | undefined {
  const name = spec.aliases?.[opt] ?? opt;
  return name in spec.options ? name : undefined;
}
