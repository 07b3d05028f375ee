/**
 * A node's full nat + filter view: kube-proxy first (its jumps are prepended on every sync), then portmap
 * (entry jumps appended, its POSTROUTING jump prepended), which is the order on a node where kube-proxy
 * started before the first hostPort pod (reference §6).
 */
import type { Snapshot } from '../model/types';
import { renderKubeProxy, type KubeProxyRenderOptions } from './kubeproxy';
import { emptyRuleset, type Ruleset } from './model';
import { renderPortmap } from './portmap';

export function renderNode(snapshot: Snapshot, nodeName: string, opts: KubeProxyRenderOptions = {}): Ruleset {
  const rs = emptyRuleset();
  if (snapshot.profile.kubeProxy.mode === 'iptables') {
    renderKubeProxy(snapshot, nodeName, opts, rs);
  } else {
    rs.notes.push(`kube-proxy mode ${snapshot.profile.kubeProxy.mode}: its rules are not rendered as iptables`);
  }
  renderPortmap(snapshot, nodeName, rs);
  return rs;
}
