/**
 * HostPortInfo, exactly as kube-scheduler's framework/types.go (kubernetes/kube-scheduler staging):
 * map[hostIP]map[ProtocolPort]. sanitize() maps '' to "0.0.0.0" and '' protocol to "TCP" and nothing else:
 * only the literal "0.0.0.0" is a wildcard, "::" is an ordinary key.
 *
 * Each entry also remembers which pod port put it there, so a conflict can name its holder.
 */
import type { ContainerPort, Pod } from '../model/types';

export const DEFAULT_BIND_ALL_HOST_IP = '0.0.0.0';

export interface PortHolder {
  pod: Pod;
  port: ContainerPort;
}

function sanitize(ip: string, protocol: string): [string, string] {
  return [ip === '' ? DEFAULT_BIND_ALL_HOST_IP : ip, protocol === '' ? 'TCP' : protocol];
}

function ppKey(protocol: string, port: number): string {
  return `${protocol}/${port}`;
}

export class HostPortInfo {
  private readonly m = new Map<string, Map<string, PortHolder[]>>();
  /** how many IP keys hold each "PROTO/port": a 0.0.0.0 query (the common case) is one lookup, not a scan */
  private readonly anyIP = new Map<string, number>();

  /** HostPortInfo.Add: port <= 0 is a no-op */
  add(ip: string, protocol: string, port: number, holder?: PortHolder): void {
    if (port <= 0) return;
    const [hip, proto] = sanitize(ip, protocol);
    let inner = this.m.get(hip);
    if (!inner) {
      inner = new Map();
      this.m.set(hip, inner);
    }
    const k = ppKey(proto, port);
    const list = inner.get(k);
    if (list) {
      if (holder) list.push(holder);
    } else {
      inner.set(k, holder ? [holder] : []);
      this.anyIP.set(k, (this.anyIP.get(k) ?? 0) + 1);
    }
  }

  /** HostPortInfo.Remove (removes the entry, as upstream's set semantics do) */
  remove(ip: string, protocol: string, port: number): void {
    if (port <= 0) return;
    const [hip, proto] = sanitize(ip, protocol);
    const inner = this.m.get(hip);
    if (!inner) return;
    const k = ppKey(proto, port);
    if (inner.delete(k)) {
      const n = (this.anyIP.get(k) ?? 1) - 1;
      if (n > 0) this.anyIP.set(k, n);
      else this.anyIP.delete(k);
    }
    if (inner.size === 0) this.m.delete(hip);
  }

  len(): number {
    let n = 0;
    for (const inner of this.m.values()) n += inner.size;
    return n;
  }

  /** HostPortInfo.CheckConflict */
  checkConflict(ip: string, protocol: string, port: number): boolean {
    if (port <= 0) return false;
    return this.checkConflictSanitized(ip === '' ? DEFAULT_BIND_ALL_HOST_IP : ip, `${protocol === '' ? 'TCP' : protocol}/${port}`);
  }

  /** CheckConflict with sanitize() already applied by the caller: hip is the host IP, k is "PROTO/port" */
  checkConflictSanitized(hip: string, k: string): boolean {
    // 1. a 0.0.0.0 query conflicts with the (protocol, port) under any IP key
    if (hip === DEFAULT_BIND_ALL_HOST_IP) return this.anyIP.has(k);
    // 2. otherwise with key 0.0.0.0 or the same IP
    const any = this.m.get(DEFAULT_BIND_ALL_HOST_IP);
    if (any !== undefined && any.has(k)) return true;
    const exact = this.m.get(hip);
    return exact !== undefined && exact.has(k);
  }

  /** Visit the holders CheckConflict would find, without allocating a list (hot path for blockers). */
  forEachConflict(ip: string, protocol: string, port: number, fn: (holder: PortHolder, hostIP: string) => void): void {
    if (port <= 0) return;
    const hip = ip === '' ? DEFAULT_BIND_ALL_HOST_IP : ip;
    const k = `${protocol === '' ? 'TCP' : protocol}/${port}`;
    if (hip === DEFAULT_BIND_ALL_HOST_IP) {
      for (const [key, inner] of this.m) {
        const hs = inner.get(k);
        if (hs) for (const h of hs) fn(h, key);
      }
      return;
    }
    const any = this.m.get(DEFAULT_BIND_ALL_HOST_IP)?.get(k);
    if (any) for (const h of any) fn(h, DEFAULT_BIND_ALL_HOST_IP);
    const exact = this.m.get(hip)?.get(k);
    if (exact) for (const h of exact) fn(h, hip);
  }

  clone(): HostPortInfo {
    const c = new HostPortInfo();
    for (const [k, n] of this.anyIP) c.anyIP.set(k, n);
    for (const [ip, inner] of this.m) {
      const ci = new Map<string, PortHolder[]>();
      for (const [k, v] of inner) ci.set(k, v.slice());
      c.m.set(ip, ci);
    }
    return c;
  }
}

/**
 * schedutil.GetHostPorts (pkg/scheduler/util/utils.go): hostPort > 0 ports of restartable (sidecar) init
 * containers and of regular containers; ordinary init containers are ignored.
 */
export function getHostPorts(pod: Pod): ContainerPort[] {
  const out: ContainerPort[] = [];
  for (const c of pod.initContainers) {
    if (c.restartPolicy !== 'Always') continue;
    for (const p of c.ports) if (p.hostPort > 0) out.push(p);
  }
  for (const c of pod.containers) for (const p of c.ports) if (p.hostPort > 0) out.push(p);
  return out;
}
