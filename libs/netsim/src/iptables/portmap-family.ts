import { parseIP, type IPFamily } from '../util/ip';

export interface HostIPMatch {
  /** false: portmap skips the mapping in this family's table */
  applies: boolean;
  /** the `-d` the rules carry, when the hostIP is a specific address */
  dst?: string;
}

/**
 * portmap's fillDnatRules (containernetworking/plugins, portmap_iptables.go) per container address: an empty hostIP
 * maps in every family the pod has an address of; a given hostIP only in its own family, where `0.0.0.0` is IPv4
 * only and `::` IPv6 only (Go's To4() decides the family, so an IPv4-mapped `::ffff:a.b.c.d` counts as IPv4); an
 * unspecified address adds no `-d`. The scheduler, by contrast, treats `0.0.0.0` as conflicting with every address.
 */
export function portmapHostIPMatch(hostIP: string, family: IPFamily): HostIPMatch {
  if (hostIP === '') return { applies: true };
  const p = parseIP(hostIP);
  if (!p) return { applies: false };
  const mappedV4 = p.family === 6 && p.value >> 32n === 0xffffn;
  if ((mappedV4 ? 4 : p.family) !== family) return { applies: false };
  return p.value === 0n ? { applies: true } : { applies: true, dst: hostIP };
}
