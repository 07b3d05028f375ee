/**
 * What happens after binding, which the scheduler does not check (k8s-semantics §1.3, §4.5, §5.4, §6):
 * - a hostNetwork pod binding a port the node already uses fails with EADDRINUSE -> CrashLoopBackOff;
 * - a hostPort (portmap DNAT, containerd: non-hostNetwork pods only) captures a host listener's traffic;
 * - a hostPort or hostNetwork port equal to a Service NodePort is shadowed: KUBE-SERVICES (prepended by
 *   kube-proxy) jumps to KUBE-NODEPORTS before PREROUTING reaches CNI-HOSTPORT-DNAT (appended by portmap);
 * - a hostPort without a portmap plugin in the CNI conflist does nothing.
 */
import type { RuntimePrediction } from '../model/results';
import type { CiliumConfig, HostListener, Pod } from '../model/types';
import { ciliumConfigOf } from '../adapter/cilium-config';
import type { PodInfo } from './framework';
import { imageBaseName } from './images';
import { bindsConflict, formatBind, hostNetworkBinds, listenerBind, type SocketBind } from './binds';
import { nodePrimaryIP } from '../iptables/context';
import { portKey, workloadKey, type NodeState, type SchedulingState } from './state';

const NATIVE_HOSTPORT = { snat: true, markMasqBit: 13, masqAll: false, conditionsV4: [], conditionsV6: [], backend: 'iptables' as const };

/** cilium-config of a cluster whose dataplane is Cilium's kube-proxy replacement (defaults when the ConfigMap is absent) */
function ciliumKpr(state: SchedulingState): CiliumConfig | undefined {
  return state.profile.dataplane?.kind === 'cilium-kube-proxy-replacement' ? ciliumConfigOf(state.profile) : undefined;
}

export function bindFailure(port: number | undefined, address = '0.0.0.0'): string {
  // a wildcard is printed as its IPv4 half, as nginx and most servers report the first bind() that fails
  const shown = address === '*' || address === '' ? '0.0.0.0' : address;
  return port === undefined ? 'bind() failed (98: Address in use)' : `bind() to ${formatBind({ address: shown, port, protocol: 'TCP' })} failed (98: Address in use)`;
}

export { hostNetworkBinds };

function podName(p: Pod): string {
  return `${p.namespace}/${p.name}`;
}

function listenerName(l: HostListener): string {
  return l.process ? `${l.process}${l.pid !== undefined ? ` (pid ${l.pid})` : ''}` : `host listener ${l.address}:${l.port}`;
}

/*
 * Certainty describes how Portolan knows the port is held: a NodeHostState listener is 'observed', another
 * hostNetwork pod's declared port is 'declared', its image-table port is 'assumed'. The incoming pod's own port
 * may itself come from the image table; RuntimePrediction.port and the message say which port was assumed.
 */

function sameWorkload(a: Pod, b: Pod): boolean {
  const ka = workloadKey(a);
  return ka !== undefined && ka === workloadKey(b);
}

export function predictRuntime(info: PodInfo, ns: NodeState, state: SchedulingState): RuntimePrediction[] {
  const pod = info.pod;
  const out: RuntimePrediction[] = [];
  if (pod.hostNetwork) {
    const { binds, unknownImages } = (info.hostNetworkBinds ??= hostNetworkBinds(pod));
    const nodeIP = nodePrimaryIP(ns.node);
    for (const b of binds) {
      const k = portKey(b.protocol, b.port);
      const listener = ns.listeners.get(k)?.find((l) => bindsConflict(b, listenerBind(l), nodeIP));
      const holder = (ns.hostNetBinds.get(k) ?? []).find((h) => h.pod !== pod && bindsConflict(b, h, nodeIP));
      const hc = b.protocol === 'TCP' ? state.healthCheckPorts.get(b.port) : undefined;
      if (hc && !listener) {
        out.push({ kind: 'bind-conflict', message: bindFailure(b.port, b.address), consequence: 'CrashLoopBackOff', certainty: b.certainty, port: b.port, protocol: b.protocol, holder: { kind: 'host-listener', name: `kube-proxy (healthCheckNodePort of ${hc.namespace}/${hc.name})` } });
      } else if (listener) {
        out.push({ kind: 'bind-conflict', message: bindFailure(b.port, b.address), consequence: 'CrashLoopBackOff', certainty: 'observed', port: b.port, protocol: b.protocol, holder: { kind: 'host-listener', name: listenerName(listener) } });
      } else if (holder) {
        out.push({ kind: 'bind-conflict', message: bindFailure(b.port, b.address), consequence: 'CrashLoopBackOff', certainty: holder.certainty, port: b.port, protocol: b.protocol, holder: { kind: 'pod', name: podName(holder.pod) } });
      }
      if (b.certainty === 'assumed' && !listener && !holder) {
        // an undeclared port the NodePorts filter could not protect: a portmap hostPort on it steals the traffic
        let dnat: Pod | undefined;
        ns.usedPorts.forEachConflict('', b.protocol, b.port, (h) => {
          if (!dnat && !h.pod.hostNetwork) dnat = h.pod;
        });
        if (dnat && state.profile.cni.portmap) {
          out.push({
            kind: 'hostport-captures-listener',
            message: `hostPort ${b.port}/${b.protocol} of ${podName(dnat)} is DNATed by portmap before the packet reaches this pod's socket: external traffic to the node on ${b.port} goes to ${podName(dnat)}`,
            certainty: 'assumed',
            port: b.port,
            protocol: b.protocol,
            holder: { kind: 'hostPort', name: podName(dnat) },
          });
        }
      }
      const np = state.nodePorts.get(k);
      const cilium = ciliumKpr(state);
      if (np && cilium?.nodePortBindProtection && !listener && !holder) {
        // bpf_sock.c cil_sock4_post_bind refuses a host-namespace bind() to a NodePort (node-port-bind-protection)
        out.push({
          kind: 'bind-conflict',
          message: `bind() to ${formatBind({ address: b.address === '*' || b.address === '' ? '0.0.0.0' : b.address, port: b.port, protocol: b.protocol })} failed (1: Operation not permitted): Cilium's node-port-bind-protection refuses host-namespace binds to NodePort ${np.service.namespace}/${np.service.name}${np.port.name ? `:${np.port.name}` : ''} (98: Address in use on kernels >= 5.18 with a Cilium that sets the errno)`,
          consequence: 'CrashLoopBackOff',
          certainty: b.certainty,
          port: b.port,
          protocol: b.protocol,
          holder: { kind: 'nodePort', name: `${np.service.namespace}/${np.service.name}` },
        });
      } else if (np && !cilium) {
        out.push({
          kind: 'hostport-shadowed',
          message: `port ${b.port}/${b.protocol} is also NodePort ${np.service.namespace}/${np.service.name}${np.port.name ? `:${np.port.name}` : ''}: while the Service has endpoints, external traffic to the node on ${b.port} is DNATed by KUBE-NODEPORTS and never reaches this pod's socket`,
          certainty: b.certainty,
          port: b.port,
          protocol: b.protocol,
          holder: { kind: 'nodePort', name: `${np.service.namespace}/${np.service.name}` },
        });
      }
    }
    for (const image of unknownImages) {
      const base = imageBaseName(image);
      const other = ns.hostNetUnknown.find((o) => o !== pod && (sameWorkload(o, pod) || o.containers.some((c) => c.ports.length === 0 && imageBaseName(c.image) === base && base !== '')));
      if (other) {
        out.push({
          kind: 'bind-conflict',
          message: `${bindFailure(undefined)}: ${podName(other)} (same ${sameWorkload(other, pod) ? 'workload' : `image ${image}`}) already binds the undeclared port this container listens on`,
          consequence: 'CrashLoopBackOff',
          certainty: 'assumed',
          holder: { kind: 'pod', name: podName(other) },
        });
      }
    }
    return out;
  }
  if (!info.hostPorts.length) return out;
  // Cilium's kube-proxy replacement serves hostPorts in eBPF (enable-host-port) without a portmap plugin
  const portmap = state.profile.cni.portmap ?? (ciliumKpr(state)?.hostPort ? NATIVE_HOSTPORT : undefined);
  // the NodePort lookups do not depend on the node: done once per pod
  const npHits = (info.nodePortHits ??= info.hostPorts.map((p) => state.nodePorts.get(portKey(p.protocol, p.hostPort))));
  info.anyNodePortHit ??= npHits.some((h) => h !== undefined);
  if (portmap && !info.anyNodePortHit) {
    // fast path: only this node's listeners and hostNetwork sockets can matter
    let touched = false;
    const keys = info.hostPortKeys;
    for (let i = 0; i < keys.length && !touched; i++) touched = ns.listeners.has(keys[i]) || ns.hostNetBinds.has(keys[i]);
    if (!touched) return out;
  }
  for (let i = 0; i < info.hostPorts.length; i++) {
    const p = info.hostPorts[i];
    if (!portmap) {
      out.push({ kind: 'no-portmap', message: `hostPort ${p.hostPort}/${p.protocol} does nothing: the CNI conflist has no portmap plugin, so no DNAT rule is installed`, certainty: 'declared', port: p.hostPort, protocol: p.protocol });
      continue;
    }
    const k = portKey(p.protocol, p.hostPort);
    const np = npHits[i];
    if (np) {
      out.push({
        kind: 'hostport-shadowed',
        message: ciliumKpr(state)
          ? `hostPort ${p.hostPort}/${p.protocol} equals NodePort ${np.service.namespace}/${np.service.name}: Cilium's service lookup finds the NodePort frontend first`
          : `hostPort ${p.hostPort}/${p.protocol} equals NodePort ${np.service.namespace}/${np.service.name}: the NodePort wins because KUBE-SERVICES is jumped to before CNI-HOSTPORT-DNAT`,
        certainty: 'declared',
        port: p.hostPort,
        protocol: p.protocol,
        holder: { kind: 'nodePort', name: `${np.service.namespace}/${np.service.name}` },
      });
    }
    // portmap DNATs (hostIP or any local address):port, which is where a socket bound to an overlapping address listens
    const dnat: SocketBind = { address: p.hostIP, port: p.hostPort, protocol: p.protocol, v6only: false };
    const listener = ns.listeners.size ? ns.listeners.get(k)?.find((l) => bindsConflict(dnat, listenerBind(l), nodePrimaryIP(ns.node))) : undefined;
    if (listener) {
      out.push({
        kind: 'hostport-captures-listener',
        message: `hostPort ${p.hostPort}/${p.protocol}: portmap DNATs ${p.hostIP || 'every local address'}:${p.hostPort} to the pod, capturing the traffic of ${listenerName(listener)} (portmap reserves nothing)`,
        certainty: 'observed',
        port: p.hostPort,
        protocol: p.protocol,
        holder: { kind: 'host-listener', name: listenerName(listener) },
      });
      continue;
    }
    const hn = ns.hostNetBinds.size ? ns.hostNetBinds.get(k)?.find((h) => h.pod !== pod) : undefined;
    if (hn) {
      out.push({
        kind: 'hostport-captures-listener',
        message: `hostPort ${p.hostPort}/${p.protocol}: portmap DNATs the node's port ${p.hostPort} to the pod, capturing the traffic of hostNetwork pod ${podName(hn.pod)}`,
        certainty: hn.certainty,
        port: p.hostPort,
        protocol: p.protocol,
        holder: { kind: 'pod', name: podName(hn.pod) },
      });
    }
  }
  return out;
}

/** the prediction that makes the pod crash, if any */
export function crashPrediction(runtime: RuntimePrediction[]): RuntimePrediction | undefined {
  return runtime.find((r) => r.kind === 'bind-conflict');
}
