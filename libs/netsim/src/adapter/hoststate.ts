/**
 * portolan.dev/v1alpha1 NodeHostState: listeners outside Kubernetes' knowledge, given as a list or as raw
 * `ss` / `netstat` output (spec.ss, spec.netstat).
 */
import type { HostListener, NodeHostState, Protocol } from '../model/types';
import { PROTOCOLS } from '../model/types';
import { Reader } from './fields';
import { parseListeners, type ListenerParse } from './listeners';

/** `ss` output, any flags; kept under its old name (see listeners.ts, which also reads netstat). */
export function parseSs(text: string): ListenerParse {
  return parseListeners(text);
}

const oneLine = (text: string) => text.trim().replace(/\s+/g, ' ');

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
  for (const field of ['ss', 'netstat'] as const) {
    const text = r.optStr(spec[field], ['spec', field]);
    if (!text) continue;
    const parsed = parseListeners(text);
    for (const l of parsed.listeners) listeners.push(l);
    // ESTABLISHED rows and unix sockets are expected in `-a` output: only unreadable rows are worth a warning
    for (const s of parsed.skipped) {
      if (s.reason === 'not-a-listener' || s.reason === 'not-inet') continue;
      r.warn(['spec', field], `line ${s.line} of the ${parsed.format} output skipped (${s.message}): ${oneLine(s.text)}`);
    }
    const ignored = parsed.skipped.filter((s) => s.reason === 'not-a-listener' || s.reason === 'not-inet');
    if (ignored.length) r.info(['spec', field], `${ignored.length} line(s) of the ${parsed.format} output are not listening internet sockets, ignored (first: line ${ignored[0].line}: ${oneLine(ignored[0].text)})`);
    if (parsed.resolved.length) {
      const names = [...new Set(parsed.resolved.map((p) => `${p.name}/${p.protocol.toLowerCase()}=${p.port}`))];
      r.info(['spec', field], `${parsed.resolved.length} port(s) printed as service names, resolved through netbase's services table: ${names.join(', ')}`);
    }
  }
  const hs: NodeHostState = { node, listeners, extraAddresses: r.strArr(spec['extraAddresses'], ['spec', 'extraAddresses']) };
  const ipt = r.optStr(spec['iptablesSave'], ['spec', 'iptablesSave']);
  if (ipt) hs.iptablesSave = ipt;
  const nft = r.optStr(spec['nftRuleset'], ['spec', 'nftRuleset']);
  if (nft) hs.nftRuleset = nft;
  return hs;
}
