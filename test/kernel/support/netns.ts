/**
 * Builds a Snapshot's network out of real Linux network namespaces and loads the rules @portolan/netsim renders
 * for each node, so real packets can be checked against trace().
 *
 * Layout (every name carries a per-run prefix `ptk<pid>`, so parallel runs never collide):
 *
 *   client ns (203.0.113.2/24, default via 203.0.113.1)
 *        | veth eth0 <-> ext0
 *   fabric ns: router + bridge br0 (192.168.50.1/24 on br0, 203.0.113.1/24 on ext0), ip_forward=1, no rules;
 *              optional extra routes (the scenario routes the Service CIDR 10.96.0.0/16 via node-a)
 *        | veth n<i> (enslaved to br0) <-> eth0 in the node ns
 *   node ns (node InternalIP on eth0, default via the fabric; routes to the other nodes' podCIDRs via their
 *            node IPs, host-gw style; cni0 bridge with the podCIDR's first address; the rendered iptables rules)
 *        | veth v<j> (enslaved to cni0, hairpin on) <-> eth0 in the pod ns
 *   pod ns (pod IP/podCIDR prefix on eth0, default via the cni0 address)
 *
 * hostNetwork pods get no namespace: their listeners run in the node namespace.
 *
 * Node sysctls, as kubelet/kube-proxy/CNI leave a node: net.ipv4.ip_forward=1, net.ipv4.conf.all.route_localnet=1
 * (kube-proxy for localhost NodePorts; portmap sets it per bridge), rp_filter=0, icmp_ratelimit=0 (harness only), and
 * net.bridge.bridge-nf-call-iptables=1 (br_netfilter: bridged pod-to-pod frames, hairpin included, traverse
 * iptables; the knob is per network namespace on current kernels and is checked here).
 *
 * Nothing is changed in the root namespace: veth pairs are created directly inside the namespaces
 * (`ip -n A link add X type veth peer name Y netns B`). The only global action is `modprobe br_netfilter`
 * when modprobe exists and the module is not loaded yet.
 */
import type { Snapshot } from '@portolan/netsim';
import { nftListRuleset, renderNode, toIptablesSave } from '@portolan/netsim';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { startServer, type ListenSpec, type ServerHandle } from './agents';
import { findBinary, must, run } from './sh';

/**
 * What kube-proxy (iptables mode) does at start: net.ipv4.conf.all.route_localnet=1 when localhost NodePorts are
 * on and nodePortAddresses is empty or covers 127.0.0.1 (pkg/proxy/iptables NewProxier). Written here from the
 * profile as kube-proxy reads it, not from the simulator, so the kernel is not set up by the model under test.
 */
function kubeProxySetsRouteLocalnet(snapshot: Snapshot): boolean {
  const kp = snapshot.profile.kubeProxy;
  if (kp.mode !== 'iptables' || !kp.localhostNodePorts) return false;
  const addrs = kp.nodePortAddresses ?? [];
  if (addrs.length === 0) return true;
  return addrs.some((c) => {
    const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(c);
    if (!m) return false;
    const bits = Number(m[5]);
    if (bits === 0) return true;
    const ip = m.slice(1, 5).reduce((a, x) => a * 256 + Number(x), 0);
    const shift = 32 - bits;
    return Math.floor(ip / 2 ** shift) === Math.floor(0x7f000001 / 2 ** shift);
  });
}

export interface Preconditions {
  ok: boolean;
  /** why the suite cannot run (not root, no netns permission, a missing binary, ...) */
  reason?: string;
  ip?: string;
  iptablesRestore?: string;
  sh?: string;
}

export const RUN_PREFIX = `ptk${process.pid}`;

/**
 * Can this process build network namespaces and load iptables rules into them? Tried for real: a throwaway
 * namespace is added, a nat + filter table restored into it (--test), and deleted.
 */
export function checkPreconditions(): Preconditions {
  if (process.platform !== 'linux') return { ok: false, reason: `platform ${process.platform}: network namespaces are Linux-only` };
  const ip = findBinary('ip');
  if (!ip) return { ok: false, reason: 'missing binary: `ip` (iproute2) is not installed' };
  const iptablesRestore = findBinary('iptables-restore');
  if (!iptablesRestore) return { ok: false, reason: 'missing binary: `iptables-restore` is not installed' };
  const sh = findBinary('sh');
  if (!sh) return { ok: false, reason: 'missing binary: `sh`' };
  const probe = `${RUN_PREFIX}-probe`;
  const add = run(ip, ['netns', 'add', probe]);
  if (add.status !== 0) {
    const uid = typeof process.getuid === 'function' ? process.getuid() : -1;
    return { ok: false, reason: `permission: \`ip netns add\` failed (uid ${uid}; needs root or CAP_SYS_ADMIN + CAP_NET_ADMIN): ${(add.stderr || add.error?.message || '').trim()}` };
  }
  try {
    const rules = '*nat\n:PREROUTING ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n-A POSTROUTING -m mark --mark 0x4000/0x4000 -j MASQUERADE\nCOMMIT\n*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m conntrack --ctstate NEW -m addrtype --dst-type LOCAL -j ACCEPT\nCOMMIT\n';
    const t = run(ip, ['netns', 'exec', probe, iptablesRestore, '--test'], { input: rules });
    if (t.status !== 0) return { ok: false, reason: `permission or kernel support: iptables-restore --test inside a namespace failed: ${(t.stderr || t.error?.message || '').trim()}` };
  } finally {
    run(ip, ['netns', 'del', probe]);
  }
  return { ok: true, ip, iptablesRestore, sh };
}

/**
 * Namespaces an earlier run of this suite left behind when it was SIGKILLed (servers die with their parent, the
 * namespace names do not): `ptk<pid>-<tag>` whose pid no longer exists. Anything else is left alone.
 */
export function sweepStaleNamespaces(ip: string): string[] {
  const swept: string[] = [];
  for (const line of run(ip, ['netns', 'list']).stdout.split('\n')) {
    const name = line.trim().split(/\s+/)[0];
    const m = /^ptk(\d+)-(fab|ext|probe|n\d+|p\d+)$/.exec(name ?? '');
    if (!m || Number(m[1]) === process.pid) continue;
    let alive = true;
    try {
      process.kill(Number(m[1]), 0);
    } catch (e) {
      alive = (e as NodeJS.ErrnoException).code !== 'ESRCH';
    }
    if (alive) continue;
    if (run(ip, ['netns', 'del', name]).status === 0) swept.push(name);
  }
  return swept;
}

export interface NodeNet {
  name: string;
  ns: string;
  ip: string;
  podCIDR: string;
  prefix: number;
  gateway: string;
}

export interface PodNet {
  key: string;
  ns: string;
  node: string;
  ip: string;
  /** the veth end enslaved to the node's cni0 */
  bridgePort: string;
}

export interface WorldAddresses {
  underlayGateway: string;
  underlayPrefix: number;
  clientIP: string;
  clientGateway: string;
  clientPrefix: number;
  /** extra routes in the fabric router, e.g. the Service CIDR advertised via one node (as BGP setups do) */
  fabricRoutes?: Array<{ cidr: string; via: string }>;
}

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((a, o) => a * 256 + Number(o), 0);
}

function intToIPv4(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

/** The CNI bridge gateway: host-local's default, the first address of the node's podCIDR. */
export function firstAddress(cidr: string): { gateway: string; prefix: number } {
  const [base, len] = cidr.split('/');
  const prefix = Number(len);
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return { gateway: intToIPv4(((ipv4ToInt(base) & mask) >>> 0) + 1), prefix };
}

export class KernelWorld {
  readonly nodes = new Map<string, NodeNet>();
  readonly pods = new Map<string, PodNet>();
  readonly fabricNs = `${RUN_PREFIX}-fab`;
  readonly clientNs = `${RUN_PREFIX}-ext`;
  private readonly created: string[] = [];
  private readonly servers: ServerHandle[] = [];
  private exitHook?: () => void;
  private signalHook?: (sig: NodeJS.Signals) => void;
  /** iptables-save text loaded per node (for failure messages) */
  readonly loadedRules = new Map<string, string>();

  constructor(private readonly pre: Required<Pick<Preconditions, 'ip' | 'iptablesRestore' | 'sh'>>, private readonly addrs: WorldAddresses) {}

  get ipBin(): string {
    return this.pre.ip;
  }

  private ip(args: string[]): string {
    return must(this.pre.ip, args);
  }

  private inNs(ns: string, args: string[]): string {
    return must(this.pre.ip, ['-n', ns, ...args]);
  }

  private sysctl(ns: string, settings: Record<string, string>): void {
    const script = Object.entries(settings)
      .map(([k, v]) => `echo ${v} > /proc/sys/${k.replace(/\./g, '/')}`)
      .join(' && ');
    must(this.pre.ip, ['netns', 'exec', ns, this.pre.sh, '-c', script]);
  }

  readSysctl(ns: string, key: string): string {
    return must(this.pre.ip, ['netns', 'exec', ns, this.pre.sh, '-c', `cat /proc/sys/${key.replace(/\./g, '/')}`]).trim();
  }

  private addNs(ns: string): void {
    this.ip(['netns', 'add', ns]);
    this.created.push(ns);
    this.inNs(ns, ['link', 'set', 'lo', 'up']);
  }

  /** br_netfilter: load the module when it is a module and not loaded; a no-op when it is built in. */
  static ensureBrNetfilter(): string {
    if (existsSync('/proc/sys/net/bridge/bridge-nf-call-iptables')) return 'br_netfilter present';
    const modprobe = findBinary('modprobe');
    if (!modprobe) return 'br_netfilter absent and no modprobe';
    const r = run(modprobe, ['br_netfilter']);
    return r.status === 0 ? 'br_netfilter loaded with modprobe' : `modprobe br_netfilter failed: ${r.stderr.trim()}`;
  }

  build(snapshot: Snapshot): void {
    // a crash must not leave namespaces behind
    this.exitHook = () => this.destroySync();
    process.once('exit', this.exitHook);
    this.signalHook = (sig) => {
      this.destroySync();
      process.kill(process.pid, sig);
    };
    process.once('SIGINT', this.signalHook);
    process.once('SIGTERM', this.signalHook);

    const a = this.addrs;
    // fabric: a router with a bridge for the node underlay and a leg to the external client
    this.addNs(this.fabricNs);
    this.sysctl(this.fabricNs, { 'net.ipv4.ip_forward': '1', 'net.ipv4.conf.all.rp_filter': '0', 'net.ipv4.conf.default.rp_filter': '0' });
    if (existsSync('/proc/sys/net/bridge')) this.sysctl(this.fabricNs, { 'net.bridge.bridge-nf-call-iptables': '0' });
    this.inNs(this.fabricNs, ['link', 'add', 'br0', 'type', 'bridge']);
    this.inNs(this.fabricNs, ['addr', 'add', `${a.underlayGateway}/${a.underlayPrefix}`, 'dev', 'br0']);
    this.inNs(this.fabricNs, ['link', 'set', 'br0', 'up']);

    this.addNs(this.clientNs);
    this.inNs(this.clientNs, ['link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'ext0', 'netns', this.fabricNs]);
    this.inNs(this.clientNs, ['addr', 'add', `${a.clientIP}/${a.clientPrefix}`, 'dev', 'eth0']);
    this.inNs(this.clientNs, ['link', 'set', 'eth0', 'up']);
    this.inNs(this.clientNs, ['route', 'add', 'default', 'via', a.clientGateway]);
    this.inNs(this.fabricNs, ['addr', 'add', `${a.clientGateway}/${a.clientPrefix}`, 'dev', 'ext0']);
    this.inNs(this.fabricNs, ['link', 'set', 'ext0', 'up']);

    // nodes
    snapshot.nodes.forEach((n, i) => {
      const podCIDR = n.podCIDRs.find((c) => !c.includes(':'));
      const ip = n.internalIP;
      if (!podCIDR || !ip) throw new Error(`node ${n.name}: the kernel suite needs an InternalIP and an IPv4 podCIDR`);
      const { gateway, prefix } = firstAddress(podCIDR);
      const ns = `${RUN_PREFIX}-n${i}`;
      this.nodes.set(n.name, { name: n.name, ns, ip, podCIDR, prefix, gateway });
      this.addNs(ns);
      this.sysctl(ns, {
        'net.ipv4.ip_forward': '1',
        'net.ipv4.conf.all.route_localnet': kubeProxySetsRouteLocalnet(snapshot) ? '1' : '0',
        'net.ipv4.conf.all.rp_filter': '0',
        'net.ipv4.conf.default.rp_filter': '0',
        // harness, not Kubernetes: REJECT and closed UDP ports answer with ICMP, which the kernel rate-limits per
        // peer (burst of 6); back-to-back refused scenarios from one client must not run into that bucket
        'net.ipv4.icmp_ratelimit': '0',
      });
      if (existsSync('/proc/sys/net/bridge')) this.sysctl(ns, { 'net.bridge.bridge-nf-call-iptables': '1' });
      const up = `n${i}`;
      this.inNs(ns, ['link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', up, 'netns', this.fabricNs]);
      this.inNs(this.fabricNs, ['link', 'set', up, 'master', 'br0']);
      this.inNs(this.fabricNs, ['link', 'set', up, 'up']);
      this.inNs(ns, ['addr', 'add', `${ip}/${a.underlayPrefix}`, 'dev', 'eth0']);
      this.inNs(ns, ['link', 'set', 'eth0', 'up']);
      this.inNs(ns, ['route', 'add', 'default', 'via', a.underlayGateway]);
      this.inNs(ns, ['link', 'add', 'cni0', 'type', 'bridge']);
      this.inNs(ns, ['addr', 'add', `${gateway}/${prefix}`, 'dev', 'cni0']);
      this.inNs(ns, ['link', 'set', 'cni0', 'up']);
      // portmap sets it on the bridge when it masquerades (SNAT on: the default), at its first pod with a hostPort
      this.sysctl(ns, { 'net.ipv4.conf.cni0.route_localnet': snapshot.profile.cni.portmap?.snat ? '1' : '0' });
    });
    for (const r of a.fabricRoutes ?? []) this.inNs(this.fabricNs, ['route', 'add', r.cidr, 'via', r.via]);
    // host-gw: every node reaches the other nodes' pod subnets through their node IPs
    for (const n of this.nodes.values()) {
      for (const other of this.nodes.values()) {
        if (other.name !== n.name) this.inNs(n.ns, ['route', 'add', other.podCIDR, 'via', other.ip, 'dev', 'eth0']);
      }
    }

    // pods (hostNetwork pods live in their node's namespace)
    let j = 0;
    for (const p of snapshot.pods) {
      if (p.hostNetwork || !p.nodeName) continue;
      const node = this.nodes.get(p.nodeName);
      const podIP = p.podIPs.find((x) => !x.includes(':'));
      if (!node || !podIP) continue;
      const ns = `${RUN_PREFIX}-p${j}`;
      const hostSide = `v${j}`;
      j += 1;
      const key = `${p.namespace}/${p.name}`;
      this.pods.set(key, { key, ns, node: node.name, ip: podIP, bridgePort: hostSide });
      this.addNs(ns);
      this.inNs(ns, ['link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', hostSide, 'netns', node.ns]);
      this.inNs(node.ns, ['link', 'set', hostSide, 'master', 'cni0']);
      // bridge plugin hairpinMode: true
      this.inNs(node.ns, ['link', 'set', 'dev', hostSide, 'type', 'bridge_slave', 'hairpin', 'on']);
      this.inNs(node.ns, ['link', 'set', hostSide, 'up']);
      this.inNs(ns, ['addr', 'add', `${podIP}/${node.prefix}`, 'dev', 'eth0']);
      this.inNs(ns, ['link', 'set', 'eth0', 'up']);
      this.inNs(ns, ['route', 'add', 'default', 'via', node.gateway]);
    }
  }

  /** Render each node's rules, check them with iptables-restore --test, then load them; nftables tables with nft -f. */
  loadRules(snapshot: Snapshot): void {
    for (const n of this.nodes.values()) {
      const text = toIptablesSave(renderNode(snapshot, n.name));
      this.loadedRules.set(n.name, text);
      must(this.pre.ip, ['netns', 'exec', n.ns, this.pre.iptablesRestore, '--test'], { input: text });
      must(this.pre.ip, ['netns', 'exec', n.ns, this.pre.iptablesRestore], { input: text });
      const nftText = nftListRuleset(snapshot, n.name);
      if (!nftText) continue;
      const nft = findBinary('nft');
      if (!nft) throw new Error(`node ${n.name} has nftables tables to load but \`nft\` (Debian package nftables) is not installed`);
      must(this.pre.ip, ['netns', 'exec', n.ns, nft, '-f', '-'], { input: nftText });
    }
  }

  /** What the kernel holds for a node, as `iptables-save` prints it (the iptables-save next to iptables-restore). */
  iptablesSave(node: string): string {
    const save = this.pre.iptablesRestore.replace(/iptables-restore$/, 'iptables-save');
    return must(this.pre.ip, ['netns', 'exec', this.nodeNs(node), save]);
  }

  /** Start the echo servers: pods on their containerPorts, hostNetwork pods and NodeHostState listeners on nodes. */
  async startServers(snapshot: Snapshot): Promise<void> {
    const perNs = new Map<string, ListenSpec[]>();
    const add = (ns: string, l: ListenSpec) => {
      const list = perNs.get(ns) ?? [];
      if (!list.some((x) => x.port === l.port && x.proto === l.proto)) list.push(l);
      perNs.set(ns, list);
    };
    for (const p of snapshot.pods) {
      const key = `${p.namespace}/${p.name}`;
      const ns = p.hostNetwork ? this.nodes.get(p.nodeName)?.ns : this.pods.get(key)?.ns;
      if (!ns) continue;
      for (const c of p.containers) for (const port of c.ports) {
        if (port.protocol === 'SCTP') continue;
        // a container binds its port on every pod address; hostIP only narrows the bind of a hostNetwork pod
        add(ns, { id: key, port: port.containerPort, proto: port.protocol, host: p.hostNetwork ? port.hostIP || undefined : undefined });
      }
    }
    for (const hs of snapshot.hostStates) {
      const ns = this.nodes.get(hs.node)?.ns;
      if (!ns) continue;
      for (const l of hs.listeners) {
        if (l.protocol === 'SCTP') continue;
        const host = l.address === '*' || l.address === '::' || l.address === '' ? '0.0.0.0' : l.address;
        add(ns, { id: `host:${hs.node}`, port: l.port, proto: l.protocol, host });
      }
    }
    for (const [ns, listeners] of perNs) this.servers.push(await startServer(this.pre.ip, ns, listeners));
  }

  nodeNs(node: string): string {
    const n = this.nodes.get(node);
    if (!n) throw new Error(`no namespace for node ${node}`);
    return n.ns;
  }

  podNs(key: string): string {
    const p = this.pods.get(key);
    if (!p) throw new Error(`no namespace for pod ${key}`);
    return p.ns;
  }

  /** Kill the servers this world started (by pid) and delete every namespace it created. */
  async destroy(): Promise<void> {
    const exits = this.servers.map(
      (s) =>
        new Promise<void>((resolve) => {
          if (s.child.exitCode !== null || s.child.signalCode !== null) return resolve();
          const t = setTimeout(() => {
            s.child.kill('SIGKILL');
            resolve();
          }, 2000);
          s.child.once('exit', () => {
            clearTimeout(t);
            resolve();
          });
          s.child.kill('SIGTERM');
        }),
    );
    await Promise.all(exits);
    this.servers.length = 0;
    this.destroySync();
  }

  private destroySync(): void {
    for (const s of this.servers) {
      if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
    }
    while (this.created.length) {
      const ns = this.created.pop() as string;
      spawnSync(this.pre.ip, ['netns', 'del', ns], { stdio: 'ignore' });
    }
    if (this.exitHook) {
      process.removeListener('exit', this.exitHook);
      this.exitHook = undefined;
    }
    if (this.signalHook) {
      process.removeListener('SIGINT', this.signalHook);
      process.removeListener('SIGTERM', this.signalHook);
      this.signalHook = undefined;
    }
  }

  /** What a failure message needs to tell which namespace is which. */
  describe(): string {
    const lines = [`fabric ${this.fabricNs}`, `client ${this.clientNs}`];
    for (const n of this.nodes.values()) lines.push(`node ${n.name} ${n.ns} ${n.ip} cni0 ${n.gateway}/${n.prefix}`);
    for (const p of this.pods.values()) lines.push(`pod ${p.key} ${p.ns} ${p.ip} on ${p.node}`);
    return lines.join('\n');
  }
}
