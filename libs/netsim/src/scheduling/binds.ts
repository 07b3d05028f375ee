/**
 * Linux bind(2) conflicts, in one place for runtime predictions, port claims and checks.
 *
 * Two sockets of the same protocol on the same port conflict (EADDRINUSE) when their local addresses overlap
 * (net/ipv4/inet_connection_sock.c inet_rcv_saddr_equal / ipv6_rcv_saddr_equal):
 * - same family: either is the wildcard, or the addresses are equal (127.0.0.1:P and 10.0.0.1:P coexist);
 * - IPv4 vs IPv6: only an IPv6 wildcard without IPV6_V6ONLY reaches into IPv4 (net.ipv6.bindv6only=0 is the
 *   default, so a dual-stack `[::]:P` conflicts with 0.0.0.0:P and with every IPv4 address on P);
 *   an IPv4-mapped IPv6 address (::ffff:a.b.c.d) counts as IPv4;
 * - TCP and UDP ports are separate tables; SO_REUSEPORT is not modelled: two owners always conflict (sharing
 *   needs both sockets to opt in under the same effective UID, which a manifest cannot show).
 * The same owner (one pod, one host process) is never in conflict with itself: callers compare owners.
 */
import type { Container, HostListener, Pod, Protocol } from '../model/types';
import type { Certainty } from '../model/results';
import { parseIP } from '../util/ip';
import { assumedPorts, listenFlags } from './images';

/** Stands for the node's own IP: $(VAR) from status.podIP/status.hostIP in a hostNetwork pod. */
export const NODE_IP = '$(node-ip)';

export interface SocketBind {
  /** '' or '0.0.0.0': IPv4 wildcard; '*' or '::': IPv6 wildcard; NODE_IP: the node's IP; else a literal */
  address: string;
  port: number;
  protocol: Protocol;
  /** IPV6_V6ONLY of an IPv6 wildcard (false: dual-stack) */
  v6only?: boolean;
}

interface Addr {
  family: 4 | 6;
  any: boolean;
  value: bigint;
  v6only: boolean;
}

const V4_MAPPED = 0xffffn << 32n;

function addrOf(b: SocketBind, nodeIP: string | undefined): Addr | undefined {
  let text = b.address === NODE_IP ? (nodeIP ?? '') : b.address;
  if (b.address === NODE_IP && !nodeIP) return undefined;
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
  if (text === '' || text === '0.0.0.0') return { family: 4, any: true, value: 0n, v6only: false };
  if (text === '*' || text === '::') return { family: 6, any: true, value: 0n, v6only: b.v6only ?? false };
  const ip = parseIP(text);
  if (!ip) return undefined;
  if (ip.family === 6 && ip.value >> 32n === 0xffffn) return { family: 4, any: ip.value === V4_MAPPED, value: ip.value & 0xffffffffn, v6only: false };
  return { family: ip.family, any: ip.value === 0n, value: ip.value, v6only: b.v6only ?? false };
}

/** Whether the second bind() of a and b fails with EADDRINUSE. An unresolvable address conflicts (conservative). */
export function bindsConflict(a: SocketBind, b: SocketBind, nodeIP?: string): boolean {
  if (a.protocol !== b.protocol || a.port !== b.port) return false;
  const x = addrOf(a, nodeIP);
  const y = addrOf(b, nodeIP);
  if (!x || !y) return true;
  if (x.family === y.family) return x.any || y.any || x.value === y.value;
  const six = x.family === 6 ? x : y;
  return six.any && !six.v6only;
}

/** A NodeHostState listener as a socket: ss prints a dual-stack wildcard as '*' and a V6ONLY one as '[::]'. */
export function listenerBind(l: HostListener): SocketBind {
  const six = l.address === '::' || l.address === '[::]';
  return { address: l.address, port: l.port, protocol: l.protocol, v6only: l.v6only ?? six };
}

/** "127.0.0.1:8080" / ":9100" / "[::1]:9100" / "$(IP):9100" -> address and port; Go's empty host is dual-stack. */
export function parseListenAddress(value: string, fieldEnv: Record<string, string> = {}): { address: string; port: number } | undefined {
  const m = /^(?:\[([^\]]*)\]|([^:]*)):([0-9]{1,5})$/.exec(value.trim());
  if (!m) return undefined;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return undefined;
  let host = m[1] ?? m[2] ?? '';
  const ref = /^\$\(([A-Za-z_][A-Za-z0-9_]*)\)$/.exec(host);
  if (ref) {
    const fp = fieldEnv[ref[1]];
    // under hostNetwork the pod IP is the node IP
    if (fp === 'status.podIP' || fp === 'status.hostIP' || fp === 'status.podIPs' || fp === 'status.hostIPs') host = NODE_IP;
    else return { address: '', port };
  }
  if (host === '' || host === '::') return { address: '*', port };
  return { address: host, port };
}

/** Listen addresses a container's args give to the flags its image is known to take. */
export function argListenAddresses(c: Container): Array<{ address: string; port: number }> {
  const flags = listenFlags(c);
  if (!flags || !c.args) return [];
  const out: Array<{ address: string; port: number }> = [];
  const args = c.args;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    for (const f of flags) {
      let value: string | undefined;
      for (const dash of ['--', '-']) {
        const name = dash + f;
        if (a.startsWith(`${name}=`)) value = a.slice(name.length + 1);
        else if (a === name && i + 1 < args.length) value = args[i + 1];
        if (value !== undefined) break;
      }
      if (value === undefined) continue;
      const la = parseListenAddress(value, c.fieldEnv);
      if (la) out.push(la);
    }
  }
  return out;
}

export interface PodBind extends SocketBind {
  certainty: Certainty;
}

/**
 * The sockets a hostNetwork pod's processes bind: declared ports (at the address the args give for that port,
 * else the dual-stack wildcard), listen flags of known images, else the image table's defaults, else unknown.
 */
export function hostNetworkBinds(pod: Pod): { binds: PodBind[]; unknownImages: string[] } {
  const binds: PodBind[] = [];
  const unknownImages: string[] = [];
  for (const c of [...pod.initContainers.filter((i) => i.restartPolicy === 'Always'), ...pod.containers]) {
    const fromArgs = argListenAddresses(c);
    if (c.ports.length) {
      for (const p of c.ports) {
        const port = p.hostPort || p.containerPort;
        const at = fromArgs.filter((a) => a.port === port);
        if (at.length) for (const a of at) binds.push({ address: a.address, port, protocol: p.protocol, certainty: 'declared' });
        // hostIP does not move a hostNetwork socket; unknown, the process is taken to bind Go's ":P" (dual-stack)
        else binds.push({ address: '*', port, protocol: p.protocol, certainty: 'declared' });
      }
      // a flag can move a process to a port the container does not declare
      for (const a of fromArgs) if (!c.ports.some((p) => (p.hostPort || p.containerPort) === a.port)) binds.push({ address: a.address, port: a.port, protocol: 'TCP', certainty: 'declared' });
      continue;
    }
    if (fromArgs.length) {
      for (const a of fromArgs) binds.push({ address: a.address, port: a.port, protocol: 'TCP', certainty: 'declared' });
      continue;
    }
    const assumed = assumedPorts(c);
    if (assumed) for (const a of assumed) binds.push({ address: '*', port: a.port, protocol: a.protocol, certainty: 'assumed' });
    else unknownImages.push(c.image ?? '');
  }
  return { binds: binds.filter((b) => b.port > 0), unknownImages };
}

export function formatBind(b: SocketBind): string {
  if (b.address === NODE_IP) return `<node IP>:${b.port}`;
  if (b.address === '*') return `*:${b.port}`;
  const a = b.address === '' ? '0.0.0.0' : b.address;
  return a.includes(':') && !a.startsWith('[') ? `[${a}]:${b.port}` : `${a}:${b.port}`;
}
