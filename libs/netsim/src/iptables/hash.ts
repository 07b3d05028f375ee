/**
 * Chain-name hashes, byte-for-byte as upstream computes them:
 * - kube-proxy pkg/proxy/iptables/proxier.go portProtoHash / servicePortChainName / servicePortEndpointChainName:
 *   base32.StdEncoding(sha256(servicePortName + lower(protocol) [+ endpoint]))[:16]
 * - containernetworking/plugins pkg/utils MustFormatChainNameWithPrefix: ("CNI-" + prefix + hex(sha512(name+id)))[:28]
 */
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import type { Protocol } from '../model/types';

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 with padding (Go's base32.StdEncoding). */
export function base32Std(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bitsLeft = 0;
  for (const b of bytes) {
    buffer = (buffer << 8) | b;
    bitsLeft += 8;
    while (bitsLeft >= 5) {
      out += B32[(buffer >>> (bitsLeft - 5)) & 31];
      bitsLeft -= 5;
    }
    buffer &= (1 << bitsLeft) - 1;
  }
  if (bitsLeft > 0) out += B32[(buffer << (5 - bitsLeft)) & 31];
  while (out.length % 8 !== 0) out += '=';
  return out;
}

function utf8(s: string): Uint8Array {
  return utf8ToBytes(s);
}

function hex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

/** ServicePortName.String(): "ns/name:port" or "ns/name" when the port is unnamed. */
export function servicePortName(namespace: string, name: string, portName: string): string {
  return portName ? `${namespace}/${name}:${portName}` : `${namespace}/${name}`;
}

export function portProtoHash(svcPortName: string, protocol: Protocol | string): string {
  return base32Std(sha256(utf8(svcPortName + protocol.toLowerCase()))).slice(0, 16);
}

export type ServiceChainPrefix = 'KUBE-SVC-' | 'KUBE-SVL-' | 'KUBE-EXT-' | 'KUBE-FW-';

export function serviceChainName(prefix: ServiceChainPrefix, svcPortName: string, protocol: Protocol | string): string {
  return prefix + portProtoHash(svcPortName, protocol);
}

/** KUBE-SEP-<h>; endpoint is "ip:port" ("[ip]:port" for IPv6). */
export function endpointChainName(svcPortName: string, protocol: Protocol | string, endpoint: string): string {
  return 'KUBE-SEP-' + base32Std(sha256(utf8(svcPortName + protocol.toLowerCase() + endpoint))).slice(0, 16);
}

export const CNI_MAX_CHAIN_LENGTH = 28;

export function cniChainName(netName: string, containerID: string, prefix: string): string {
  return `CNI-${prefix}${hex(sha512(utf8(netName + containerID)))}`.slice(0, CNI_MAX_CHAIN_LENGTH);
}

/** portmap genDnatChain: CNI-DN- + 21 hex characters. */
export function cniDnatChainName(netName: string, containerID: string): string {
  return cniChainName(netName, containerID, 'DN-');
}

/** Deterministic hex id (64 chars) for pods without a known sandbox id; not what the runtime would use. */
export function syntheticSandboxId(seed: string): string {
  return hex(sha256(utf8(seed)));
}
