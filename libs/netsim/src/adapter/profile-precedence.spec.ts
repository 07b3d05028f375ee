import { defaultProfile, interpretConflist, loadSnapshot } from './index';

// The service passes the cluster record's profile as `defaults`; the CLI passes nothing. A snapshot's own documents
// must win over the record, or the same file answers differently in the two places.
const doc = `apiVersion: portolan.dev/v1alpha1
kind: ClusterProfile
metadata: {name: from-file}
spec:
  kubernetesVersion: "1.31"
  cniConflist: {cniVersion: 1.0.0, name: k8s-pod-network, plugins: [{type: calico}, {type: portmap, snat: true, markMasqBit: 20}]}
---
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
clusterCIDR: 10.96.0.0/12
`;

const record = {
  ...defaultProfile(),
  name: 'record',
  kubernetesVersion: '1.33',
  nodePortRange: { base: 31000, size: 100 },
  kubeProxy: { ...defaultProfile().kubeProxy, clusterCIDR: '10.244.0.0/16', masqueradeBit: 15 },
  cni: interpretConflist({ name: 'cbr0', plugins: [{ type: 'bridge', bridge: 'cni0' }, { type: 'portmap', snat: true }] }),
};

describe('profile precedence', () => {
  it('the snapshot ClusterProfile and KubeProxyConfiguration win over the defaults, field by field', () => {
    const { snapshot } = loadSnapshot([{ name: 'p.yaml', text: doc }], { defaults: record });
    expect(snapshot.profile).toMatchObject({ name: 'from-file', kubernetesVersion: '1.31', nodePortRange: { base: 31000, size: 100 } });
    expect(snapshot.profile.cni).toMatchObject({ networkName: 'k8s-pod-network', portmap: { markMasqBit: 20 } });
    // a KubeProxyConfiguration is kube-proxy's whole config: its unset fields take kube-proxy's defaults (bit 14),
    // not the record's, as on the node that runs with that file
    expect(snapshot.profile.kubeProxy).toMatchObject({ clusterCIDR: '10.96.0.0/12', masqueradeBit: 14 });
  });
  it('gives the CLI and the service the same profile when the record holds only defaults', () => {
    const cli = loadSnapshot([{ name: 'p.yaml', text: doc }]).snapshot.profile;
    const svc = loadSnapshot([{ name: 'p.yaml', text: doc }], { defaults: { ...defaultProfile(), name: 'record' } }).snapshot.profile;
    expect(svc).toEqual(cli);
  });
  it('uses the defaults when the snapshot has no profile documents', () => {
    const { snapshot } = loadSnapshot([{ name: 'n.yaml', text: 'apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n' }], { defaults: record });
    expect(snapshot.profile).toMatchObject({ name: 'record', nodePortRange: { base: 31000, size: 100 }, kubeProxy: { clusterCIDR: '10.244.0.0/16' } });
    expect(snapshot.profile.cni.networkName).toBe('cbr0');
  });
  it('an explicit profile still applies last', () => {
    const { snapshot } = loadSnapshot([{ name: 'p.yaml', text: doc }], { defaults: record, profile: { kubernetesVersion: '1.30' } });
    expect(snapshot.profile.kubernetesVersion).toBe('1.30');
  });
});
