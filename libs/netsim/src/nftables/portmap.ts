/**
 * CNI portmap's nftables backend (containernetworking/plugins plugins/meta/portmap/portmap_nftables.go
 * forwardPorts): table `ip cni_hostport` (and `ip6 cni_hostport` for IPv6 container addresses), a rule per mapping commented with the container ID, base chains
 * prerouting/output at dstnat and masquerading at srcnat (the latter only with snat, the default).
 */
import type { Snapshot } from '../model/types';
import { cniPortMappings, containerNet, hostPortPods, sandboxIdOf } from '../iptables/portmap';
import { isUnspecified, joinHostPort, parseIP } from '../util/ip';
import type { NftFamily } from './model';
import { addNftRule, emptyTable, ensureNftChain, type NftTable } from './model';

export const CNI_HOSTPORT_TABLE = 'cni_hostport';

export function renderPortmapNft(snapshot: Snapshot, nodeName: string, notes: string[] = [], family: NftFamily = 'ip'): NftTable | undefined {
  const pm = snapshot.profile.cni.portmap;
  if (!pm || pm.backend !== 'nftables') return undefined;
  const fam = family === 'ip' ? 4 : 6;
  const pods = hostPortPods(snapshot, nodeName, fam);
  if (pods.length === 0) return undefined;
  const t = emptyTable(family, CNI_HOSTPORT_TABLE, 'CNI portmap plugin');
  const conditions = fam === 4 ? pm.conditionsV4 : pm.conditionsV6;
  const cond = conditions.length ? `${conditions.join(' ')} ` : '';
  for (const pod of pods) {
    const net = containerNet(snapshot, pod, fam);
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
      if (m.hostIP !== '' && parseIP(m.hostIP)?.family !== fam) continue; // wrong-family hostIP: skipped for this container address
      const dnat = `${m.protocol} dport ${m.hostPort} dnat to ${joinHostPort(net.ip, m.containerPort)}`;
      if (m.hostIP !== '' && !isUnspecified(m.hostIP)) addNftRule(t, 'hostip_hostports', `${family} daddr ${m.hostIP} ${dnat}`, id);
      else addNftRule(t, 'hostports', dnat, id);
    }
    if (pm.snat) {
      addNftRule(t, 'masquerading', `${family} saddr ${net.ip} ${family} daddr ${net.ip} masquerade`, id);
      if (fam === 4) addNftRule(t, 'masquerading', `ip saddr 127.0.0.1 ip daddr ${net.ip} masquerade`, id);
    }
  }
  return t;
}
