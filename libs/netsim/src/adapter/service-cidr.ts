/**
 * networking.k8s.io/v1 ServiceCIDR (GA 1.33): the ranges ClusterIPs are allocated from. kube-proxy's nftables
 * proxier watches them (OnServiceCIDRsChanged) and drops traffic to unallocated addresses inside them.
 */
import { parseCIDR } from '../util/ip';
import type { Reader } from './fields';

export function readServiceCIDR(r: Reader, o: Record<string, unknown>): string[] {
  const spec = r.obj(o['spec'], ['spec']) ?? {};
  const cidrs = spec['cidrs'] === undefined ? [] : r.strArr(spec['cidrs'], ['spec', 'cidrs']);
  return cidrs.filter((c, i) => {
    if (parseCIDR(c)) return true;
    r.error(['spec', 'cidrs', i], `not a CIDR: ${JSON.stringify(c)}`);
    return false;
  });
}
