/**
 * ConfigMap kube-system/cilium-config as the Cilium agent reads it: every value is a string (the Helm chart
 * quotes them), an absent key takes the daemon's default (pkg/option, install/kubernetes/cilium/values.yaml).
 * Keys as the chart writes them; `bpf-lb-mode` also has the older `node-port-mode` spelling.
 */
import type { CiliumConfig, ClusterProfile } from '../model/types';
import { isRecord, type Reader } from './fields';

function flag(v: unknown, dflt: boolean): boolean {
  if (typeof v !== 'string' || v.trim() === '') return dflt;
  return v.trim().toLowerCase() === 'true';
}

export function readCiliumConfig(r: Reader, o: Record<string, unknown>): CiliumConfig {
  const data = isRecord(o['data']) ? o['data'] : {};
  const str = (k: string) => (typeof data[k] === 'string' ? (data[k] as string).trim().toLowerCase() : '');
  const kpr = str('kube-proxy-replacement');
  const full = kpr === 'true' || kpr === 'strict';
  const modeText = str('bpf-lb-mode') || str('node-port-mode') || 'snat';
  let lbMode: CiliumConfig['lbMode'] = 'snat';
  if (modeText === 'dsr' || modeText === 'hybrid' || modeText === 'snat') lbMode = modeText;
  else r.warn(['data', 'bpf-lb-mode'], `bpf-lb-mode "${modeText}" is not snat, dsr or hybrid: snat assumed`);
  const noBackend = str('service-no-backend-response');
  return {
    kubeProxyReplacement: kpr,
    lbMode,
    socketLB: flag(data['bpf-lb-sock'], full),
    socketLBHostnsOnly: flag(data['bpf-lb-sock-hostns-only'], false),
    nodePortBindProtection: flag(data['node-port-bind-protection'], true),
    hostPort: flag(data['enable-host-port'], full),
    externalClusterIP: flag(data['bpf-lb-external-clusterip'], false),
    noBackendResponse: noBackend === 'drop' ? 'drop' : 'reject',
    routingMode: str('routing-mode') === 'native' || str('tunnel') === 'disabled' ? 'native' : 'tunnel',
    tunnelProtocol: str('tunnel-protocol') || str('tunnel') || 'vxlan',
  };
}

/** Cilium's defaults, for a cluster declared as kube-proxy replacement without a cilium-config in the snapshot */
export const CILIUM_KPR_DEFAULTS: CiliumConfig = {
  kubeProxyReplacement: 'true',
  lbMode: 'snat',
  socketLB: true,
  socketLBHostnsOnly: false,
  nodePortBindProtection: true,
  hostPort: true,
  externalClusterIP: false,
  noBackendResponse: 'reject',
  routingMode: 'tunnel',
  tunnelProtocol: 'vxlan',
};

export function ciliumConfigOf(profile: ClusterProfile): CiliumConfig {
  return profile.cilium ?? CILIUM_KPR_DEFAULTS;
}
