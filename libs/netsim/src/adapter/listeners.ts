/**
 * Listener inventories as a node prints them: `ss` (any of -t -u -l -p -n -a, with or without the Netid column)
 * and `netstat` (-tlnup, -anp). Only listening sockets become listeners: TCP in LISTEN, UDP unconnected (ss
 * UNCONN, netstat's empty state); ESTABLISHED / TIME_WAIT peers never do. Every other line is reported with its
 * text and a reason; every port read from a service name (no -n) is reported as resolved.
 */
import type { HostListener, Protocol } from '../model/types';
import { SERVICE_PORTS } from './services';

export type SkipReason = 'not-a-listener' | 'not-inet' | 'unknown-service' | 'unresolved-address' | 'unparsable';

export interface SkippedLine {
  /** 1-based line of the text */
  line: number;
  text: string;
  reason: SkipReason;
  message: string;
}

export interface ResolvedPort {
  line: number;
  name: string;
  port: number;
  protocol: Protocol;
}

export interface ListenerParse {
  format: 'ss' | 'netstat';
  listeners: HostListener[];
  skipped: SkippedLine[];
  /** ports printed as service names (ss/netstat without -n), resolved through netbase's services table */
  resolved: ResolvedPort[];
}

const INET_NETIDS = new Set(['tcp', 'udp', 'sctp', 'mptcp']);
const OTHER_NETIDS = new Set(['u_str', 'u_dgr', 'u_seq', 'nl', 'p_raw', 'p_dgr', 'raw', 'v_str', 'v_dgr', 'tipc', 'xdp', 'unix', 'icm', 'raw6', 'icmp6']);

function protocolOf(token: string): Protocol | undefined {
  const t = token.toLowerCase();
  if (t === 'tcp' || t === 'tcp6' || t === 'mptcp') return 'TCP';
  if (t === 'udp' || t === 'udp6' || t === 'udplite' || t === 'udpl6') return 'UDP';
  if (t === 'sctp' || t === 'sctp6') return 'SCTP';
  return undefined;
}

interface HostPort {
  address: string;
  device?: string;
  port: number;
  service?: string;
}

/**
 * "0.0.0.0:80", "[::]:22", "*:9100", "127.0.0.53%lo:53", "0.0.0.0%lo:domain", ":::80" (netstat),
 * "[::ffff:127.0.0.1]:8080" -> address, bound device, port (or service name left to resolve).
 */
export function splitAddress(text: string): { address: string; device?: string; portText: string } | null {
  const idx = text.lastIndexOf(':');
  if (idx < 0) return null;
  let address = text.slice(0, idx);
  const portText = text.slice(idx + 1);
  if (!portText) return null;
  let device: string | undefined;
  const pct = address.indexOf('%');
  if (pct >= 0) {
    // ss prints the bound device after the address, outside the brackets: [fe80::1]%eth0:546, 127.0.0.53%lo:53
    device = address.slice(pct + 1).replace(/\]$/, '');
    address = address.slice(0, pct);
  }
  if (address.startsWith('[')) address = address.slice(1).replace(/\]$/, '');
  if (address === '') address = '*';
  // an IPv4-mapped bind takes IPv4 traffic to that IPv4 address only
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) address = mapped[1];
  return device ? { address, device, portText } : { address, portText };
}

function resolvePort(portText: string, protocol: Protocol): { port: number; service?: string } | undefined {
  if (/^[0-9]+$/.test(portText)) {
    const port = Number(portText);
    return port >= 0 && port <= 65535 ? { port } : undefined;
  }
  const table = SERVICE_PORTS[protocol === 'TCP' ? 'tcp' : protocol === 'UDP' ? 'udp' : 'sctp'];
  const port = Object.prototype.hasOwnProperty.call(table, portText) ? table[portText] : undefined;
  return port === undefined ? undefined : { port, service: portText };
}

function isAddress(a: string): boolean {
  return a === '*' || /^[0-9.]+$/.test(a) || a.includes(':');
}

function readAddress(token: string, protocol: Protocol): HostPort | SkipReason {
  const split = splitAddress(token);
  if (!split) return 'unparsable';
  let address = split.address;
  // netstat without -n prints names; only localhost is certain (ss resolves hosts only with -r)
  if (address === 'localhost') address = '127.0.0.1';
  else if (address === 'ip6-localhost') address = '::1';
  if (!isAddress(address)) return 'unresolved-address';
  const port = resolvePort(split.portText, protocol);
  if (!port) return /^[0-9]+$/.test(split.portText) ? 'unparsable' : 'unknown-service';
  const hp: HostPort = { address, port: port.port };
  if (split.device) hp.device = split.device;
  if (port.service) hp.service = port.service;
  return hp;
}

const MESSAGES: Record<SkipReason, string> = {
  'not-a-listener': 'not a listening socket',
  'not-inet': 'not an internet socket',
  'unknown-service': 'port name not in the services table (use -n)',
  'unresolved-address': 'host name instead of an address (use -n)',
  unparsable: 'no local address:port in the expected column',
};

function ssProcess(line: string): { process?: string; pid?: number } {
  const m = /users:\(\("((?:[^"\\]|\\.)*)",pid=([0-9]+)/.exec(line);
  return m ? { process: m[1], pid: Number(m[2]) } : {};
}

function netstatProcess(token: string | undefined): { process?: string; pid?: number } {
  const m = /^([0-9]+)\/(.+)$/.exec(token ?? '');
  // netstat prints the command line, cut at 20 columns ("sshd: /usr/sbin/ssh"): the program is its first word
  return m ? { pid: Number(m[1]), process: m[2].split(/[:\s]/)[0] } : {};
}

function isNetstat(lines: string[]): boolean {
  for (const l of lines) {
    const t = l.trim();
    if (!t) continue;
    if (/^Active (Internet|UNIX|Bluetooth)/.test(t) || /^Proto\s+Recv-Q/.test(t)) return true;
    if (/^(Netid|State)\s/.test(t)) return false;
    // netstat rows start with the protocol and two queue counters; ss rows with a Netid/State then the queues
    return /^(tcp6?|udp6?|udpl6?|raw6?|sctp6?)\s+[0-9]+\s+[0-9]+\s/i.test(t);
  }
  return false;
}

export function parseListeners(text: string): ListenerParse {
  const lines = text.split(/\r?\n/);
  const format = isNetstat(lines) ? 'netstat' : 'ss';
  const out: ListenerParse = { format, listeners: [], skipped: [], resolved: [] };
  const skip = (i: number, raw: string, reason: SkipReason, detail?: string) =>
    out.skipped.push({ line: i + 1, text: raw, reason, message: detail ? `${MESSAGES[reason]}: ${detail}` : MESSAGES[reason] });
  let inUnixSection = false;
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    if (format === 'netstat') {
      if (/^Active /.test(line)) {
        inUnixSection = !/^Active Internet/.test(line);
        return;
      }
      if (/^Proto\s/.test(line)) return;
    } else if (/^(Netid|State)\s/.test(line)) return;
    const tokens = line.split(/\s+/);
    if (inUnixSection) return skip(i, raw, 'not-inet');
    let protocol: Protocol | undefined;
    let state: string | undefined;
    let local: string | undefined;
    let proc: { process?: string; pid?: number };
    if (format === 'netstat') {
      protocol = protocolOf(tokens[0]);
      if (!protocol) return skip(i, raw, 'not-inet', tokens[0]);
      local = tokens[3];
      // UDP rows leave the State column empty when unconnected
      state = tokens[5] && !/^([0-9]+\/|-$)/.test(tokens[5]) ? tokens[5] : '';
      proc = netstatProcess(state ? tokens[6] : tokens[5]);
      const listening = protocol === 'UDP' ? state === '' : state === 'LISTEN';
      if (!listening) return skip(i, raw, 'not-a-listener', state || 'connected');
    } else {
      let k = 0;
      const first = tokens[0].toLowerCase();
      if (INET_NETIDS.has(first)) {
        protocol = protocolOf(first);
        k = 1;
      } else if (OTHER_NETIDS.has(first)) return skip(i, raw, 'not-inet', first);
      state = tokens[k];
      // without the Netid column (ss -t / ss -u alone) the state tells the protocol: UNCONN is how ss prints UDP
      protocol ??= state === 'UNCONN' ? 'UDP' : 'TCP';
      local = tokens[k + 3];
      proc = ssProcess(line);
      const listening = protocol === 'UDP' ? state === 'UNCONN' : state === 'LISTEN';
      if (!listening) return skip(i, raw, 'not-a-listener', state);
    }
    const hp = local ? readAddress(local, protocol) : 'unparsable';
    if (typeof hp === 'string') return skip(i, raw, hp, local);
    const l: HostListener = { address: hp.address, port: hp.port, protocol };
    if (hp.device) l.device = hp.device;
    if (proc.process) l.process = proc.process;
    if (proc.pid !== undefined) l.pid = proc.pid;
    if (hp.service) out.resolved.push({ line: i + 1, name: hp.service, port: hp.port, protocol });
    out.listeners.push(l);
  });
  return out;
}
