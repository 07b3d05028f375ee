/**
 * Which dataplane handles Services, NodePorts and hostPorts on the cluster, from the objects a real cluster holds:
 * kubeadm keeps kube-proxy's KubeProxyConfiguration in ConfigMap kube-system/kube-proxy (key config.conf), and
 * Cilium's Helm chart writes ConfigMap kube-system/cilium-config, whose `kube-proxy-replacement: "true"` means no
 * kube-proxy runs (Cilium's eBPF datapath serves Services, NodePorts and hostPorts). A ClusterProfile may say so
 * itself (`spec.dataplane`), which wins. Every answer names the dataplane it assumed and why.
 */
import { parse as parseYaml } from 'yaml';
import type { ClusterProfile, Dataplane, DataplaneKind, DataplaneSource, KubeProxyConfig } from '../model/types';
import { isRecord, type Reader } from './fields';
import { readKubeProxy } from './profile';

export const DATAPLANE_KINDS: readonly DataplaneKind[] = ['kube-proxy-iptables', 'kube-proxy-nftables', 'kube-proxy-ipvs', 'cilium-kube-proxy-replacement'];

/** What Portolan simulates hop by hop today; the others are named, and their answers say they are not modelled. */
const MODELLED: ReadonlySet<DataplaneKind> = new Set(['kube-proxy-iptables', 'kube-proxy-nftables']);

export function kubeProxyDataplane(mode: KubeProxyConfig['mode']): DataplaneKind {
  return mode === 'nftables' ? 'kube-proxy-nftables' : mode === 'ipvs' ? 'kube-proxy-ipvs' : 'kube-proxy-iptables';
}

export function dataplane(kind: DataplaneKind, source: DataplaneSource, detail: string): Dataplane {
  return { kind, source, detail, modelled: MODELLED.has(kind) };
}

/** kube-system/kube-proxy's config.conf as a KubeProxyConfiguration, read with the same rules as the document kind. */
export function readKubeProxyConfigMap(r: Reader, o: Record<string, unknown>): KubeProxyConfig | undefined {
  const data = isRecord(o['data']) ? o['data'] : {};
  const text = data['config.conf'];
  if (typeof text !== 'string') {
    r.warn(['data', 'config.conf'], 'ConfigMap kube-system/kube-proxy has no config.conf: kube-proxy\'s configuration is unknown, iptables mode assumed');
    return undefined;
  }
  let conf: unknown;
  try {
    conf = parseYaml(text, { maxAliasCount: 0 });
  } catch (e) {
    r.error(['data', 'config.conf'], `not YAML: ${(e as Error).message.split('\n')[0]}`);
    return undefined;
  }
  if (!isRecord(conf)) {
    r.error(['data', 'config.conf'], 'expected a KubeProxyConfiguration mapping');
    return undefined;
  }
  // kube-proxy's own defaulting: an empty mode is iptables on Linux (pkg/proxy/apis/config/v1alpha1 defaults)
  const body = { ...conf };
  if (body['mode'] === '' || body['mode'] === null) delete body['mode'];
  return readKubeProxy(r, body, ['data', 'config.conf']);
}

export interface DataplaneEvidence {
  /** spec.dataplane of a ClusterProfile */
  declared?: DataplaneKind;
  /** a KubeProxyConfiguration document or ClusterProfile spec.kubeProxy was given */
  explicitKubeProxy: boolean;
  kubeProxyConfigMap: boolean;
  /** cilium-config's kube-proxy-replacement value, when the ConfigMap is present */
  ciliumKpr?: string;
  kubeProxyDaemonSet: boolean;
  ciliumDaemonSet: boolean;
}

export function detectDataplane(profile: ClusterProfile, e: DataplaneEvidence): Dataplane {
  if (e.declared) return dataplane(e.declared, 'cluster-profile', `ClusterProfile spec.dataplane: ${e.declared}`);
  // Cilium documents "true" (and the older "strict") as full replacement; "false"/"partial"/"disabled" leave kube-proxy in charge
  if (e.ciliumKpr === 'true' || e.ciliumKpr === 'strict') {
    const ds = e.kubeProxyDaemonSet ? '; a kube-proxy DaemonSet is also present (its rules would coexist with Cilium\'s datapath)' : '';
    return dataplane('cilium-kube-proxy-replacement', 'cilium-config', `ConfigMap kube-system/cilium-config has kube-proxy-replacement: "${e.ciliumKpr}"${ds}`);
  }
  const kind = kubeProxyDataplane(profile.kubeProxy.mode);
  if (e.explicitKubeProxy) return dataplane(kind, 'kube-proxy-configuration', `KubeProxyConfiguration mode ${profile.kubeProxy.mode}`);
  if (e.kubeProxyConfigMap) return dataplane(kind, 'kube-proxy-configmap', `ConfigMap kube-system/kube-proxy config.conf: mode ${profile.kubeProxy.mode}`);
  const hints = [
    e.kubeProxyDaemonSet ? 'a kube-proxy DaemonSet is present' : 'no kube-proxy DaemonSet in the snapshot',
    e.ciliumDaemonSet ? `a cilium DaemonSet is present${e.ciliumKpr !== undefined ? ` (kube-proxy-replacement: "${e.ciliumKpr}")` : ' but no cilium-config ConfigMap'}` : '',
  ].filter(Boolean);
  return dataplane(kind, 'default', `no kube-proxy or Cilium configuration in the snapshot: kube-proxy in ${profile.kubeProxy.mode} mode assumed (${hints.join('; ')})`);
}
