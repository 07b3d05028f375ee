/**
 * Cluster profile: Portolan's ClusterProfile kind, kube-proxy's KubeProxyConfiguration and the CNI conflist.
 */
import type { ClusterProfile, CniConfig, KubeProxyConfig, PortmapConfig } from '../model/types';
import { isRecord, Reader } from './fields';
import type { FieldPath } from './parse';

export const DEFAULT_CNI_CONFLIST = {
  cniVersion: '1.0.0',
  name: 'cbr0',
  plugins: [
    { type: 'bridge', bridge: 'cni0', isGateway: true, ipMasq: false, hairpinMode: true, ipam: { type: 'host-local' } },
    { type: 'portmap', capabilities: { portMappings: true } },
  ],
};

export function defaultKubeProxy(): KubeProxyConfig {
  return {
    mode: 'iptables',
    clusterCIDR: '',
    detectLocalMode: '',
    masqueradeBit: 14,
    masqueradeAll: false,
    localhostNodePorts: true,
    nodePortAddresses: [],
  };
}

export function defaultProfile(): ClusterProfile {
  return {
    kubernetesVersion: '1.33',
    nodePortRange: { base: 30000, size: 2768 },
    kubeProxy: defaultKubeProxy(),
    // a fresh copy: callers may edit the profile they get
    cni: interpretConflist(JSON.parse(JSON.stringify(DEFAULT_CNI_CONFLIST))),
    containerRuntime: 'containerd',
    iptablesHasRandomFully: true,
  };
}

/** "30000-32767" or "30000+2768" (utilnet.ParsePortRange). */
export function parsePortRange(text: string): { base: number; size: number } | null {
  const m = /^\s*([0-9]+)\s*([-+])\s*([0-9]+)\s*$/.exec(text);
  if (m) {
    const base = Number(m[1]);
    const other = Number(m[3]);
    const size = m[2] === '-' ? other - base + 1 : other;
    if (base < 1 || base > 65535 || size < 1 || base + size - 1 > 65535) return null;
    return { base, size };
  }
  const single = /^\s*([0-9]+)\s*$/.exec(text);
  if (single) {
    const base = Number(single[1]);
    return base >= 1 && base <= 65535 ? { base, size: 1 } : null;
  }
  return null;
}

export function formatPortRange(r: { base: number; size: number }): string {
  return `${r.base}-${r.base + r.size - 1}`;
}

function num(v: unknown, def: number): number {
  return typeof v === 'number' && Number.isInteger(v) ? v : def;
}

function strs(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** Read a CNI conflist (or a single-plugin conf) the way the plugins' parseConfig default it. */
export function interpretConflist(conflist: unknown): CniConfig {
  let parsed: unknown = conflist;
  if (typeof conflist === 'string') {
    try {
      parsed = JSON.parse(conflist);
    } catch {
      parsed = undefined;
    }
  }
  const cfg: CniConfig = { networkName: '', conflist, ipMasq: false };
  if (!isRecord(parsed)) return cfg;
  cfg.networkName = typeof parsed['name'] === 'string' ? parsed['name'] : '';
  const plugins = Array.isArray(parsed['plugins']) ? parsed['plugins'] : typeof parsed['type'] === 'string' ? [parsed] : [];
  for (const p of plugins) {
    if (!isRecord(p)) continue;
    if (p['type'] === 'portmap') {
      // plugins/meta/portmap/main.go parseConfig: snat defaults true, markMasqBit 13
      const pm: PortmapConfig = {
        snat: typeof p['snat'] === 'boolean' ? p['snat'] : true,
        markMasqBit: num(p['markMasqBit'], 13),
        masqAll: p['masqAll'] === true,
        conditionsV4: strs(p['conditionsV4']),
        conditionsV6: strs(p['conditionsV6']),
        backend: p['backend'] === 'nftables' ? 'nftables' : 'iptables',
      };
      cfg.portmap = pm;
    } else if (p['type'] === 'bridge') {
      cfg.bridge = typeof p['bridge'] === 'string' && p['bridge'] ? p['bridge'] : 'cni0';
      cfg.ipMasq = p['ipMasq'] === true;
    }
  }
  return cfg;
}

/** KubeProxyConfiguration body (kind file or ClusterProfile.spec.kubeProxy), merged over `base`. */
export function readKubeProxy(r: Reader, o: Record<string, unknown>, path: FieldPath, base: KubeProxyConfig = defaultKubeProxy()): KubeProxyConfig {
  const ipt = r.obj(o['iptables'], [...path, 'iptables']) ?? {};
  const clusterCIDR = r.str(o['clusterCIDR'], [...path, 'clusterCIDR'], base.clusterCIDR);
  const kp: KubeProxyConfig = {
    mode: r.oneOf<KubeProxyConfig['mode']>(o['mode'], [...path, 'mode'], ['iptables', 'ipvs', 'nftables'], base.mode),
    clusterCIDR,
    detectLocalMode: r.oneOf<KubeProxyConfig['detectLocalMode']>(o['detectLocalMode'], [...path, 'detectLocalMode'], ['ClusterCIDR', 'NodeCIDR', 'BridgeInterface', 'InterfaceNamePrefix', ''], clusterCIDR ? 'ClusterCIDR' : base.detectLocalMode),
    masqueradeBit: r.optInt(ipt['masqueradeBit'], [...path, 'iptables', 'masqueradeBit']) ?? base.masqueradeBit,
    masqueradeAll: r.bool(ipt['masqueradeAll'], [...path, 'iptables', 'masqueradeAll'], base.masqueradeAll),
    localhostNodePorts: r.bool(ipt['localhostNodePorts'], [...path, 'iptables', 'localhostNodePorts'], base.localhostNodePorts),
    nodePortAddresses: o['nodePortAddresses'] === undefined || o['nodePortAddresses'] === null ? base.nodePortAddresses : r.strArr(o['nodePortAddresses'], [...path, 'nodePortAddresses']),
  };
  if (kp.detectLocalMode === 'ClusterCIDR' && !kp.clusterCIDR) kp.detectLocalMode = '';
  // the nftables proxier takes its mark bit and masqueradeAll from the nftables block (cmd/kube-proxy/app/server_linux.go)
  if (kp.mode === 'nftables') {
    const nft = r.obj(o['nftables'], [...path, 'nftables']) ?? {};
    kp.masqueradeBit = r.optInt(nft['masqueradeBit'], [...path, 'nftables', 'masqueradeBit']) ?? defaultKubeProxy().masqueradeBit;
    kp.masqueradeAll = r.bool(nft['masqueradeAll'], [...path, 'nftables', 'masqueradeAll'], false);
  }
  return kp;
}

/** portolan.dev/v1alpha1 ClusterProfile -> partial profile (merged over the default by the builder). */
export function readClusterProfile(r: Reader, o: Record<string, unknown>): Partial<ClusterProfile> {
  const spec = r.obj(o['spec'], ['spec']) ?? {};
  const meta = r.obj(o['metadata'], ['metadata']);
  const out: Partial<ClusterProfile> = {};
  const name = r.optStr(meta?.['name'], ['metadata', 'name']);
  if (name) out.name = name;
  const version = spec['kubernetesVersion'];
  if (typeof version === 'number') out.kubernetesVersion = String(version);
  else {
    const v = r.optStr(version, ['spec', 'kubernetesVersion']);
    if (v) out.kubernetesVersion = v.replace(/^v/, '');
  }
  const range = r.optStr(spec['nodePortRange'], ['spec', 'nodePortRange']);
  if (range !== undefined) {
    const pr = parsePortRange(range);
    if (pr) out.nodePortRange = pr;
    else r.error(['spec', 'nodePortRange'], `invalid port range ${JSON.stringify(range)}: expected e.g. "30000-32767"`);
  }
  if (spec['cniConflist'] !== undefined && spec['cniConflist'] !== null) {
    const c = spec['cniConflist'];
    if (typeof c === 'string') {
      try {
        JSON.parse(c);
      } catch {
        r.error(['spec', 'cniConflist'], 'expected a JSON conflist (object or JSON string), got a string that is not JSON');
      }
    } else if (!isRecord(c)) r.error(['spec', 'cniConflist'], 'expected a JSON conflist (object or JSON string)');
    out.cni = interpretConflist(c);
  }
  const rt = r.optStr(spec['containerRuntime'], ['spec', 'containerRuntime']);
  if (rt) out.containerRuntime = rt;
  if (spec['iptablesHasRandomFully'] !== undefined) out.iptablesHasRandomFully = r.bool(spec['iptablesHasRandomFully'], ['spec', 'iptablesHasRandomFully'], true);
  if (spec['iptablesHasNfacct'] !== undefined) out.iptablesHasNfacct = r.bool(spec['iptablesHasNfacct'], ['spec', 'iptablesHasNfacct'], false);
  const kp = r.obj(spec['kubeProxy'], ['spec', 'kubeProxy']);
  if (kp) out.kubeProxy = readKubeProxy(r, kp, ['spec', 'kubeProxy']);
  return out;
}
