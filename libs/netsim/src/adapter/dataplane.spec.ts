import { InputError } from './diagnostics';
import { ClusterEngine } from '../engine';
import { loadSnapshot } from './build';

const node = `apiVersion: v1
kind: Node
metadata: {name: node-a}
status: {addresses: [{type: InternalIP, address: 192.168.1.10}]}
`;
// as kubeadm writes it (kubectl -n kube-system get cm kube-proxy -o yaml)
const kubeadmConfigMap = (mode: string) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: kube-proxy
  namespace: kube-system
  labels: {app: kube-proxy}
data:
  config.conf: |-
    apiVersion: kubeproxy.config.k8s.io/v1alpha1
    bindAddress: 0.0.0.0
    clusterCIDR: 10.244.0.0/16
    kind: KubeProxyConfiguration
    mode: "${mode}"
    nodePortAddresses: null
    iptables:
      masqueradeAll: false
      masqueradeBit: null
  kubeconfig.conf: |-
    apiVersion: v1
    kind: Config
`;
const ciliumConfig = (kpr: string) => `apiVersion: v1
kind: ConfigMap
metadata: {name: cilium-config, namespace: kube-system}
data:
  kube-proxy-replacement: "${kpr}"
  node-port-bind-protection: "true"
  enable-auto-protect-node-port-range: "true"
  bpf-lb-sock: "false"
`;
const load = (...docs: string[]) => loadSnapshot([{ name: 'cluster.yaml', text: docs.join('---\n') }]).snapshot;

describe('dataplane detection', () => {
  it("reads kubeadm's kube-proxy ConfigMap: mode nftables selects the nftables proxier, with the config's other fields", () => {
    const s = load(node, kubeadmConfigMap('nftables'));
    expect(s.profile.kubeProxy).toMatchObject({ mode: 'nftables', clusterCIDR: '10.244.0.0/16' });
    expect(s.profile.dataplane).toEqual({ kind: 'kube-proxy-nftables', source: 'kube-proxy-configmap', modelled: true, detail: 'ConfigMap kube-system/kube-proxy config.conf: mode nftables' });
    expect(s.unknown).toEqual([]);
  });

  it('an empty mode is iptables, as kube-proxy defaults it on Linux', () => {
    expect(load(node, kubeadmConfigMap('')).profile.dataplane).toMatchObject({ kind: 'kube-proxy-iptables', source: 'kube-proxy-configmap', modelled: true });
    expect(load(node, kubeadmConfigMap('ipvs')).profile.dataplane).toMatchObject({ kind: 'kube-proxy-ipvs', modelled: false });
  });

  it("cilium-config's kube-proxy-replacement true means no kube-proxy; partial or false leaves kube-proxy in charge", () => {
    expect(load(node, ciliumConfig('true'), kubeadmConfigMap('iptables')).profile.dataplane).toMatchObject({ kind: 'cilium-kube-proxy-replacement', source: 'cilium-config', modelled: false });
    expect(load(node, ciliumConfig('false'), kubeadmConfigMap('nftables')).profile.dataplane).toMatchObject({ kind: 'kube-proxy-nftables', source: 'kube-proxy-configmap' });
  });

  it('a KubeProxyConfiguration document wins over the ConfigMap, and ClusterProfile spec.dataplane over everything', () => {
    const kpc = 'apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nmode: iptables\nclusterCIDR: 10.0.0.0/8\n';
    expect(load(node, kubeadmConfigMap('nftables'), kpc).profile).toMatchObject({ kubeProxy: { mode: 'iptables', clusterCIDR: '10.0.0.0/8' }, dataplane: { kind: 'kube-proxy-iptables', source: 'kube-proxy-configuration' } });
    const declared = 'apiVersion: portolan.dev/v1alpha1\nkind: ClusterProfile\nmetadata: {name: x}\nspec: {dataplane: cilium-kube-proxy-replacement}\n';
    expect(load(node, kubeadmConfigMap('nftables'), declared).profile.dataplane).toMatchObject({ kind: 'cilium-kube-proxy-replacement', source: 'cluster-profile' });
  });

  it('says what it assumed when the snapshot holds no configuration', () => {
    expect(load(node).profile.dataplane).toEqual({
      kind: 'kube-proxy-iptables',
      source: 'default',
      modelled: true,
      detail: 'no kube-proxy or Cilium configuration in the snapshot: kube-proxy in iptables mode assumed (no kube-proxy DaemonSet in the snapshot)',
    });
  });

  it('refuses a config.conf that is not YAML, naming the field', () => {
    const bad = kubeadmConfigMap('nftables').replace('    clusterCIDR: 10.244.0.0/16', '    clusterCIDR: [10.244');
    try {
      load(node, bad);
      throw new Error('expected an input error');
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      expect((e as InputError).diagnostics.find((d) => d.severity === 'error')).toMatchObject({ field: 'data.config.conf', message: expect.stringMatching(/^not YAML: /) });
    }
  });
});

describe('answers name the dataplane', () => {
  it('a trace says which dataplane it assumed, and that an unmodelled one leaves its Service hops out', () => {
    const ipvs = new ClusterEngine(load(node, kubeadmConfigMap('ipvs'))).traceText('node-a:30080/TCP');
    expect(ipvs.dataplane).toMatchObject({ kind: 'kube-proxy-ipvs', modelled: false });
    expect(ipvs.complete).toBe(false);
    expect(ipvs.incomplete?.[0]).toMatchObject({ code: 'dataplane-not-modelled' });
    expect(ipvs.notes[0]).toMatch(/^dataplane kube-proxy-ipvs .* is not modelled: .*Service, NodePort and ClusterIP handling of kube-proxy-ipvs is missing/);
    // nftables mode is walked: its answer is complete and its hops are the ip kube-proxy table's
    const nft = new ClusterEngine(load(node, kubeadmConfigMap('nftables'))).traceText('node-a:30080/TCP');
    expect(nft.dataplane).toMatchObject({ kind: 'kube-proxy-nftables', modelled: true });
    expect(nft.complete).toBe(true);
    expect(nft.notes.some((n) => n.includes('is not modelled'))).toBe(false);
    expect(nft.hops.some((h) => h.table === 'ip kube-proxy' && h.chain === 'services')).toBe(true);
    const ipt = new ClusterEngine(load(node)).traceText('node-a:30080/TCP');
    expect(ipt.dataplane).toMatchObject({ kind: 'kube-proxy-iptables', modelled: true, source: 'default' });
    expect(ipt.notes.some((n) => n.includes('is not modelled'))).toBe(false);
    expect(ipt.complete).toBe(true);
  });
});
