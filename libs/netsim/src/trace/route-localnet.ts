import { containsIPv4Loopback } from '../iptables/kubeproxy';
import type { Snapshot } from '../model/types';

/**
 * Whether a packet with a 127.0.0.0/8 source may be routed out of `dev` on `node`: the kernel's output route
 * lookup refuses a loopback source on any device but lo unless net.ipv4.conf.{all,<dev>}.route_localnet is 1
 * (fib: __mkroute_output). Nothing in Kubernetes reports the sysctl, so it is what the node's components set:
 * kube-proxy in iptables mode sets `all` when localhost NodePorts are on and nodePortAddresses covers 127.0.0.1
 * (pkg/proxy/iptables NewProxier); portmap sets it on the pod bridge when it masquerades (`snat`, the default),
 * as it sets up a pod with hostPorts (plugins/meta/portmap: enableLocalnetRouting).
 */
/** nodes running a (non-hostNetwork) pod with a hostPort, per snapshot: portmap has set up such a pod there */
const HOSTPORT_NODES = new WeakMap<Snapshot, Set<string>>();

function hostPortNodes(snapshot: Snapshot): Set<string> {
  let s = HOSTPORT_NODES.get(snapshot);
  if (!s) {
    s = new Set(snapshot.pods.filter((p) => !p.hostNetwork && p.containers.some((c) => c.ports.some((x) => x.hostPort))).map((p) => p.nodeName));
    HOSTPORT_NODES.set(snapshot, s);
  }
  return s;
}

export function routeLocalnet(snapshot: Snapshot, node: string, dev: string): { on: boolean; by?: string } {
  const kp = snapshot.profile.kubeProxy;
  if (kp.mode === 'iptables' && kp.localhostNodePorts && containsIPv4Loopback(kp)) return { on: true, by: 'kube-proxy (net.ipv4.conf.all.route_localnet=1)' };
  const bridge = snapshot.profile.cni.bridge ?? 'cni0';
  const pm = snapshot.profile.cni.portmap;
  if (dev === bridge && pm?.snat && hostPortNodes(snapshot).has(node)) {
    return { on: true, by: `portmap (net.ipv4.conf.${bridge}.route_localnet=1)` };
  }
  return { on: false };
}
