/**
 * portolan.dev/v1alpha1 NodeHostState: listeners outside Kubernetes' knowledge, given as a list or as raw
 * `ss -ltnup` output.
 */
import type { HostListener, NodeHostState, Protocol } from '../model/types';
import { PROTOCOLS } from '../model/types';
import { Reader } from './fields';

/** "0.0.0.0:80", "[::]:22", "*:9100", "127.0.0.53%lo:53", ":::80" (netstat) -> address + port */
export function splitHostPort(text: string): { address: string; port: number } | null {
  const idx = text.lastIndexOf(':');
  if (idx < 0) return null;
  let address = text.slice(0, idx);
  const portText = text.slice(idx + 1);
  if (!/^[0-9]+$/.test(portText)) return null;
  if (address.startsWith('[') && address.endsWith(']')) address = address.slice(1, -1);
  const pct = address.indexOf('%');
  if (pct >= 0) address = address.slice(0, pct);
  if (address === '::' || address === '') address = address || '*';
  return { address, port: Number(portText) };
}

/**
 * Parse `ss -ltnup` (or `-ltn`, `-lun`) output. Lines without a parsable local address are skipped and reported
 * back so the caller can warn.
 */
export function parseSs(text: string): { listeners: HostListener[]; skipped: number[] } {
  const listeners: HostListener[] = [];
  const skipped: number[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (!line || /^(Netid|State)\b/i.test(line)) return;
    const tokens = line.split(/\s+/);
    let protocol: Protocol = 'TCP';
    let k = 0;
    const first = tokens[0].toLowerCase();
    if (['tcp', 'udp', 'sctp', 'tcp6', 'udp6'].includes(first)) {
      protocol = first.startsWith('udp') ? 'UDP' : first.startsWith('sctp') ? 'SCTP' : 'TCP';
      k = 1;
    }
    // State Recv-Q Send-Q Local Peer [Process]; UNCONN is how ss prints UDP sockets
    const state = tokens[k];
    if (k === 0 && state === 'UNCONN') protocol = 'UDP';
    const local = tokens[k + 3];
    const hp = local ? splitHostPort(local) : null;
    if (!hp) {
      skipped.push(i + 1);
      return;
    }
    const l: HostListener = { address: hp.address, port: hp.port, protocol };
    const proc = /users:\(\("([^"]*)",pid=([0-9]+)/.exec(line);
    if (proc) {
      l.process = proc[1];
      l.pid = Number(proc[2]);
    }
    listeners.push(l);
  });
  return { listeners, skipped };
}

export function readNodeHostState(r: Reader, o: Record<string, unknown>): NodeHostState {
  const spec = r.obj(o['spec'], ['spec']) ?? {};
  const meta = r.obj(o['metadata'], ['metadata']);
  const node = r.str(spec['nodeName'], ['spec', 'nodeName']) || r.str(meta?.['name'], ['metadata', 'name']);
  if (!node) r.error(['spec', 'nodeName'], 'required field is missing');
  const listeners: HostListener[] = [];
  r.arr(spec['listeners'], ['spec', 'listeners']).forEach((l, i) => {
    const lp = ['spec', 'listeners', i];
    const lo = r.obj(l, lp);
    if (!lo) return;
    const port = r.int(lo['port'], [...lp, 'port']);
    if (port < 1 || port > 65535) r.error([...lp, 'port'], `must be between 1 and 65535, got ${port}`);
    const protoRaw = typeof lo['protocol'] === 'string' ? lo['protocol'].toUpperCase() : lo['protocol'];
    const listener: HostListener = {
      address: r.str(lo['address'], [...lp, 'address']) || '0.0.0.0',
      port,
      protocol: r.oneOf<Protocol>(protoRaw, [...lp, 'protocol'], PROTOCOLS, 'TCP'),
    };
    const proc = r.optStr(lo['process'], [...lp, 'process']);
    if (proc) listener.process = proc;
    const pid = r.optInt(lo['pid'], [...lp, 'pid']);
    if (pid !== undefined) listener.pid = pid;
    listeners.push(listener);
  });
  const ss = r.optStr(spec['ss'], ['spec', 'ss']);
  if (ss) {
    const parsed = parseSs(ss);
    for (const l of parsed.listeners) listeners.push(l);
    if (parsed.skipped.length) r.warn(['spec', 'ss'], `could not read ${parsed.skipped.length} line(s) of ss output (lines ${parsed.skipped.slice(0, 5).join(', ')} of the text)`);
  }
  const hs: NodeHostState = { node, listeners, extraAddresses: r.strArr(spec['extraAddresses'], ['spec', 'extraAddresses']) };
  const ipt = r.optStr(spec['iptablesSave'], ['spec', 'iptablesSave']);
  if (ipt) hs.iptablesSave = ipt;
  return hs;
}
