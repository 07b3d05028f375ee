/**
 * ClusterIP allocation for submitted Services that name none (every new Service), as the API server's allocator
 * would, made deterministic.
 *
 * The apiserver's allocator (pkg/registry/core/service/ipallocator, KEP-3070) keeps the lower band of the service
 * CIDR for static IPs and allocates dynamic ones at random, preferring the upper band; the band offset is
 * min(max(16, size/16), 256). Portolan takes the first free address from the start of the upper band, then the
 * lower band, skipping the network address, the broadcast (IPv4) and every IP already in use: the same input
 * always gets the same IP, and it is one the real allocator could pick.
 *
 * The service CIDR: profile.serviceCIDR when set, else the /12 around the `kubernetes` Service's IP (the first IP of
 * the range, kubeadm's 10.96.0.0/12 default), else 10.96.0.0/12.
 */
import type { Service, Snapshot } from '../model/types';
import { formatIP, parseCIDR, parseIP, type CIDR } from '../util/ip';
import { buildSnapshot } from './build';
import { InputError } from './diagnostics';
import type { ParsedObject } from './parse';

export const DEFAULT_SERVICE_CIDR = '10.96.0.0/12';

export function serviceCIDROf(snapshot: Snapshot): CIDR {
  const set = snapshot.profile.serviceCIDR ? parseCIDR(snapshot.profile.serviceCIDR) : undefined;
  if (set) return set;
  const k = snapshot.services.find((s) => s.namespace === 'default' && s.name === 'kubernetes');
  const ip = k && parseIP(k.clusterIP);
  if (ip && ip.family === 4) {
    const c = parseCIDR(`${formatIP({ family: 4, value: ip.value - 1n })}/12`);
    if (c) return c;
  }
  return parseCIDR(DEFAULT_SERVICE_CIDR) as CIDR;
}

function wantsIP(s: Service): boolean {
  return s.type !== 'ExternalName' && s.clusterIP === '' && s.clusterIPs.length === 0;
}

/**
 * Gives each Service in `services` that needs one a ClusterIP, in order (mutates them); returns what it gave.
 * IPs in use are those of the snapshot's Services and of `services` that already have one.
 */
export function allocateClusterIPs(snapshot: Snapshot, services: Service[]): Map<Service, string> {
  const cidr = serviceCIDROf(snapshot);
  const used = new Set<bigint>();
  for (const s of [...snapshot.services, ...services]) for (const ip of [s.clusterIP, ...s.clusterIPs]) {
    const p = ip && ip !== 'None' ? parseIP(ip) : undefined;
    if (p && p.family === cidr.family) used.add(p.value);
  }
  const hostBits = (cidr.family === 4 ? 32 : 128) - cidr.prefix;
  const size = 1n << BigInt(hostBits);
  const offset = size / 16n < 16n ? 16n : size / 16n > 256n ? 256n : size / 16n;
  const last = cidr.family === 4 ? size - 2n : size - 1n;
  const out = new Map<Service, string>();
  let cursor = offset < last ? offset : 1n;
  for (const s of services) {
    if (!wantsIP(s)) continue;
    let found: bigint | undefined;
    // upper band first, then the lower band
    for (const [from, to] of [[cursor, last], [1n, cursor - 1n]] as const) {
      for (let i = from; i <= to && found === undefined; i++) if (!used.has(cidr.network + i)) found = i;
      if (found !== undefined) break;
    }
    if (found === undefined) continue;
    used.add(cidr.network + found);
    cursor = found + 1n;
    const ip = formatIP({ family: cidr.family, value: cidr.network + found });
    s.clusterIP = ip;
    s.clusterIPs = [ip];
    out.set(s, ip);
  }
  return out;
}

/**
 * The submitted objects' raw JSON, Services without a ClusterIP given one (allocateClusterIPs against `base`), for
 * callers that rebuild snapshots from raw objects (what-if). Other objects are returned as they are.
 */
export function withAllocatedClusterIPs(base: Snapshot, submitted: ParsedObject[]): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  const services: Array<{ index: number; svc: Service }> = [];
  submitted.forEach((po, index) => {
    out.push(po.obj);
    if (po.obj['kind'] !== 'Service') return;
    try {
      const svc = buildSnapshot([po]).snapshot.services[0];
      if (svc) services.push({ index, svc });
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
    }
  });
  const given = allocateClusterIPs(base, services.map((x) => x.svc));
  for (const { index, svc } of services) {
    const ip = given.get(svc);
    if (!ip) continue;
    const obj = out[index];
    out[index] = { ...obj, spec: { ...(obj['spec'] as Record<string, unknown>), clusterIP: ip, clusterIPs: [ip] } };
  }
  return out;
}
