/**
 * An nftables table as `nft list ruleset` shows it: named sets and maps, then chains, each in creation order
 * (the kernel lists a table's objects in the order they were added). Rules are kept in the form nft prints them
 * back (`meta mark set meta mark | 0x00004000`, not the `mark set mark or 0x4000` upstream writes), so the printed
 * ruleset compares byte for byte with a node's listing.
 */
export type NftFamily = 'ip' | 'ip6';

export interface NftElement {
  /** the key as nft prints it: `172.30.0.41 . tcp . 80` */
  key: string;
  /** a map's value: `goto service-...`, `drop` */
  value?: string;
  comment?: string;
}

export interface NftSet {
  kind: 'set' | 'map';
  name: string;
  /** `ipv4_addr`, `ipv4_addr . inet_proto . inet_service : verdict` */
  type: string;
  /** nft gives a set a packet path adds to (`update @set`) a size of 65535 when none is declared, and lists it */
  size?: number;
  flags?: string[];
  /** seconds */
  timeout?: number;
  comment?: string;
  elements: NftElement[];
}

export interface NftRule {
  /** the rule without its comment, as nft prints it */
  text: string;
  comment?: string;
}

export interface NftBaseChain {
  type: 'filter' | 'nat' | 'route';
  hook: 'prerouting' | 'input' | 'forward' | 'output' | 'postrouting';
  priority: number;
  policy: 'accept' | 'drop';
}

export interface NftChain {
  name: string;
  base?: NftBaseChain;
  comment?: string;
  rules: NftRule[];
}

export interface NftTable {
  family: NftFamily;
  name: string;
  comment?: string;
  sets: NftSet[];
  chains: NftChain[];
}

export function emptyTable(family: NftFamily, name: string, comment?: string): NftTable {
  return { family, name, ...(comment ? { comment } : {}), sets: [], chains: [] };
}

/** The chain, created at the end of the table's chain list when missing (creation order is listing order). */
export function ensureNftChain(t: NftTable, name: string, extra: Partial<Omit<NftChain, 'name' | 'rules'>> = {}): NftChain {
  let c = t.chains.find((x) => x.name === name);
  if (!c) {
    c = { name, ...extra, rules: [] };
    t.chains.push(c);
  }
  return c;
}

export function addNftRule(t: NftTable, chain: string, text: string, comment?: string): void {
  ensureNftChain(t, chain).rules.push({ text, ...(comment ? { comment } : {}) });
}

export function addNftSet(t: NftTable, set: Omit<NftSet, 'elements'>): NftSet {
  const s: NftSet = { ...set, elements: [] };
  t.sets.push(s);
  return s;
}

export function nftSet(t: NftTable, name: string): NftSet | undefined {
  return t.sets.find((s) => s.name === name);
}

export function nftChain(t: NftTable, name: string): NftChain | undefined {
  return t.chains.find((c) => c.name === name);
}

/** knftables' `%#08x` mark (0x4000) as nft prints a meta mark operand: 32-bit, zero-padded (0x00004000). */
export function nftMark(value: number): string {
  return '0x' + value.toString(16).padStart(8, '0');
}
