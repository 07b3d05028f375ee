/**
 * kube-proxy nftables chain and set names (pkg/proxy/nftables/proxier.go hashAndTruncate,
 * servicePortChainNameBase, servicePortEndpointChainNameBase): base32(sha256(name))[:8] + "-" + name, where name is
 * "ns/svc/proto/port" or "ns/svc/proto/port__ip/port" (IPv6 colons become dots), truncated to 240 characters.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { base32Std } from '../iptables/hash';
import { splitHostPort } from '../util/ip';

/** knftables.NameLengthMax (256) minus proxier.go chainNamePrefixLengthMax (16). */
export const CHAIN_NAME_BASE_LENGTH_MAX = 240;

export function hashAndTruncate(name: string): string {
  const out = base32Std(sha256(utf8ToBytes(name))).slice(0, 8) + '-' + name;
  return out.length > CHAIN_NAME_BASE_LENGTH_MAX ? out.slice(0, CHAIN_NAME_BASE_LENGTH_MAX - 3) + '...' : out;
}

/** "ULMVA6XW-ns1/svc1/tcp/p80" */
export function servicePortChainNameBase(namespace: string, service: string, protocol: string, portName: string): string {
  return hashAndTruncate(`${namespace}/${service}/${protocol.toLowerCase()}/${portName}`);
}

/** "5OJB2KTY-ns1/svc1/tcp/p80__10.180.0.1/80"; endpoint is Endpoint.String() ("ip:port", "[ip]:port"). */
export function servicePortEndpointChainNameBase(namespace: string, service: string, protocol: string, portName: string, endpoint: string): string {
  const hp = splitHostPort(endpoint);
  const ip = (hp?.host ?? endpoint).replace(/:/g, '.');
  return hashAndTruncate(`${namespace}/${service}/${protocol.toLowerCase()}/${portName}__${ip}/${hp?.port ?? ''}`);
}

export const NFT_PREFIX = {
  cluster: 'service-',
  local: 'local-',
  external: 'external-',
  endpoint: 'endpoint-',
  affinity: 'affinity-',
  firewall: 'firewall-',
} as const;
