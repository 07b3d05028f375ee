/**
 * Hand-written IP/CIDR maths (the engine is pure: no node:net). IPv4 is modelled as an unsigned 32-bit number;
 * IPv6 is parsed into a bigint for formatting and containment only.
 */

export type IPFamily = 4 | 6;

export interface ParsedIP {
  family: IPFamily;
  /** IPv4: 0..2^32-1 as bigint too, so both families share the CIDR maths */
  value: bigint;
}

export interface CIDR {
  family: IPFamily;
  /** network address (host bits cleared, as iptables stores it) */
  network: bigint;
  prefix: number;
  /** the text as given, e.g. 10.244.0.5/24 */
  original: string;
  /** the address before masking (10.244.0.5 for 10.244.0.5/24) */
  address: bigint;
}

export function parseIPv4(text: string): number | undefined {
  // hand-rolled (no split/regex): the renderer parses an address for every -s/-d of every rule
  let v = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      part = part * 10 + (c - 48);
      if (++digits > 3 || part > 255) return undefined;
    } else if (c === 46) {
      if (digits === 0 || ++dots > 3) return undefined;
      v = v * 256 + part;
      part = 0;
      digits = 0;
    } else {
      return undefined;
    }
  }
  if (dots !== 3 || digits === 0) return undefined;
  return v * 256 + part;
}

export function formatIPv4(v: number): string {
  return [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join('.');
}

export function isIPv4(text: string): boolean {
  return parseIPv4(text) !== undefined;
}

export function parseIPv6(text: string): bigint | undefined {
  let s = text;
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  if (!s.includes(':')) return undefined;
  // an embedded IPv4 tail (::ffff:1.2.3.4) is rewritten as two hex groups
  const lastColon = s.lastIndexOf(':');
  const maybeV4 = s.slice(lastColon + 1);
  if (maybeV4.includes('.')) {
    const v4 = parseIPv4(maybeV4);
    if (v4 === undefined) return undefined;
    s = `${s.slice(0, lastColon + 1)}${((v4 >>> 16) & 0xffff).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const parseGroups = (h: string): number[] | undefined => {
    if (h === '') return [];
    const out: number[] = [];
    for (const g of h.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = parseGroups(halves[0]);
  const rest = halves.length === 2 ? parseGroups(halves[1]) : [];
  if (!head || !rest) return undefined;
  const total = head.length + rest.length;
  let groups: number[];
  if (halves.length === 2) {
    if (total > 7) return undefined;
    groups = [...head, ...new Array(8 - total).fill(0), ...rest];
  } else {
    if (total !== 8) return undefined;
    groups = head;
  }
  let v = 0n;
  for (const g of groups) v = (v << 16n) | BigInt(g);
  return v;
}

/** RFC 5952 text form (what Go's net.IP.String() prints). */
export function formatIPv6(v: bigint): string {
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((v >> BigInt(i * 16)) & 0xffffn));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

export function parseIP(text: string): ParsedIP | undefined {
  const v4 = parseIPv4(text);
  if (v4 !== undefined) return { family: 4, value: BigInt(v4) };
  const v6 = parseIPv6(text);
  if (v6 !== undefined) return { family: 6, value: v6 };
  return undefined;
}

export function formatIP(ip: ParsedIP): string {
  return ip.family === 4 ? formatIPv4(Number(ip.value)) : formatIPv6(ip.value);
}

/** Canonical text of an address ('010.0.0.1' is not accepted; IPv6 is compressed). */
export function canonicalIP(text: string): string | undefined {
  const p = parseIP(text);
  return p ? formatIP(p) : undefined;
}

function bits(family: IPFamily): number {
  return family === 4 ? 32 : 128;
}

export function maskOf(family: IPFamily, prefix: number): bigint {
  const b = bits(family);
  if (prefix <= 0) return 0n;
  return ((1n << BigInt(prefix)) - 1n) << BigInt(b - prefix);
}

/** Parses `a.b.c.d/n` or a bare address (as a host route). The network is masked like iptables does. */
export function parseCIDR(text: string): CIDR | undefined {
  const slash = text.indexOf('/');
  const addrText = slash >= 0 ? text.slice(0, slash) : text;
  const ip = parseIP(addrText);
  if (!ip) return undefined;
  let prefix = bits(ip.family);
  if (slash >= 0) {
    const pt = text.slice(slash + 1);
    if (/^\d+$/.test(pt)) {
      prefix = Number(pt);
    } else if (ip.family === 4 && parseIPv4(pt) !== undefined) {
      // iptables also accepts a dotted netmask
      const m = parseIPv4(pt) as number;
      prefix = m === 0 ? 0 : 32 - Math.log2((~m >>> 0) + 1);
      if (!Number.isInteger(prefix)) return undefined;
    } else {
      return undefined;
    }
    if (prefix > bits(ip.family)) return undefined;
  }
  return { family: ip.family, network: ip.value & maskOf(ip.family, prefix), prefix, original: text, address: ip.value };
}

export function cidrContains(cidr: CIDR, ip: ParsedIP | string): boolean {
  const p = typeof ip === 'string' ? parseIP(ip) : ip;
  if (!p || p.family !== cidr.family) return false;
  return (p.value & maskOf(cidr.family, cidr.prefix)) === cidr.network;
}

/** The masked text iptables-save prints: 10.244.0.5/24 -> 10.244.0.0/24, 10.0.0.1 -> 10.0.0.1/32. */
export function formatCIDR(cidr: CIDR): string {
  return `${formatIP({ family: cidr.family, value: cidr.network })}/${cidr.prefix}`;
}

export function cidrContainsText(cidrText: string, ipText: string): boolean {
  const c = parseCIDR(cidrText);
  return !!c && cidrContains(c, ipText);
}

/** n-th address of a network (1 = first host address, e.g. the bridge gateway 10.244.0.1 of 10.244.0.0/24). */
export function nthAddress(cidr: CIDR, n: number): string {
  return formatIP({ family: cidr.family, value: cidr.network + BigInt(n) });
}

export function isLoopback(ipText: string): boolean {
  const p = parseIP(ipText);
  if (!p) return false;
  if (p.family === 4) return (Number(p.value) >>> 24) === 127;
  return p.value === 1n;
}

export function isUnspecified(ipText: string): boolean {
  const p = parseIP(ipText);
  return !!p && p.value === 0n;
}

/** Splits `ip:port` or `[v6]:port`. */
export function splitHostPort(text: string): { host: string; port: number } | undefined {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:]+):(\d+)$/.exec(text);
  if (!m) return undefined;
  return { host: m[1], port: Number(m[2]) };
}

export function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export type AddressFamilyName = 'IPv4' | 'IPv6';

/** Kubernetes' family name of an address text (core/v1 IPFamily), undefined when it is not an address. */
export function familyOf(ipText: string): AddressFamilyName | undefined {
  const p = parseIP(ipText);
  return p ? (p.family === 4 ? 'IPv4' : 'IPv6') : undefined;
}

/**
 * The RFC 5952 form of an IPv6 address as the adapter stores it (2001:DB8:0::A -> 2001:db8::a), so that addresses
 * from different objects compare as text. IPv4 and anything unparsable are kept as written: the API server's
 * validation, not the adapter, judges them (and legacy IPv4 with leading zeros must stay visible as written).
 */
export function canonicalIPv6Text(text: string): string {
  if (!text.includes(':')) return text;
  const v6 = parseIPv6(text);
  return v6 === undefined ? text : formatIPv6(v6);
}
