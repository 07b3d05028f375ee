/**
 * CNI portmap's nftables backend (containernetworking/plugins plugins/meta/portmap/portmap_nftables.go
 * forwardPorts): table `ip cni_hostport`, a rule per mapping commented with the container ID, base chains
 * prerouting/output at dstnat and masquerading at srcnat (the latter only with snat, the default).
 */
import type { Snapshot } from '../model/types';
import { cniPortMappings, containerNet, hostPortPods, sandboxIdOf } from '../iptables/portmap';
import { isIPv4, isUnspecified, joinHostPort } from '../util/ip';
import { addNftRule, emptyTable, ensureNftChain, type NftTable } from './model';

export const CNI_HOSTPORT_TABLE = 'cni_hostport';

export function renderPortmapNft(snapshot: Snapshot, nodeName: string, notes: string[] = []): NftTable | undefined {
  const pm = snapshot.profile.cni.portmap;
  if (!pm || pm.backend !== 'nftables') return undefined;
  const pods = hostPortPods(snapshot, nodeName);
  if (pods.length === 0) return undefined;
  const t = emptyTable('ip', CNI_HOSTPORT_TABLE, 'CNI portmap plugin');
  const cond = pm.conditionsV4.length ? `${pm.conditionsV4.join(' ')} ` : '';
  for (const pod of pods) {
    const net = containerNet(snapshot, pod);
    if (!net) continue;
    const { id, synthetic } = sandboxIdOf(pod);
    if (synthetic) notes.push(`pod ${pod.namespace}/${pod.name}: no sandbox id in the snapshot; its cni_hostport rules carry a synthetic container id ${id.slice(0, 12)}…`);
    // every ADD re-runs the same transaction: the base chains are flushed and get their two jumps again
    ensureNftChain(t, 'hostports');
    ensureNftChain(t, 'hostip_hostports');
    const pre = ensureNftChain(t, 'prerouting', { base: { type: 'nat', hook: 'prerouting', priority: -100, policy: 'accept' } });
    pre.rules = [{ text: `${cond}jump hostip_hostports` }, { text: `${cond}jump hostports` }];
    const out = ensureNftChain(t, 'output', { base: { type: 'nat', hook: 'output', priority: -100, policy: 'accept' } });
    out.rules = [{ text: `${cond}jump hostip_hostports` }, { text: `${cond}fib daddr type local jump hostports` }];
    if (pm.snat) ensureNftChain(t, 'masquerading', { base: { type: 'nat', hook: 'postrouting', priority: 100, policy: 'accept' } });
    for (const m of cniPortMappings(pod)) {
      if (m.hostIP !== '' && !isIPv4(m.hostIP)) continue; // wrong-family hostIP: skipped for the IPv4 container address
      const dnat = `${m.protocol} dport ${m.hostPort} dnat to ${joinHostPort(net.ip, m.containerPort)}`;
      if (m.hostIP !== '' && !isUnspecified(m.hostIP)) addNftRule(t, 'hostip_hostports', `ip daddr ${m.hostIP} ${dnat}`, id);
      else addNftRule(t, 'hostports', dnat, id);
    }
    if (pm.snat) {
      addNftRule(t, 'masquerading', `ip saddr ${net.ip} ip daddr ${net.ip} masquerade`, id);
      addNftRule(t, 'masquerading', `ip saddr 127.0.0.1 ip daddr ${net.ip} masquerade`, id);
    }
  }
  return t;
}
