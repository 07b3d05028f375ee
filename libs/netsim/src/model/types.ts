/**
 * Portolan's normalized cluster model. The engine reasons only over these types; Kubernetes objects
 * (kubectl JSON/YAML) are turned into them by the adapter (src/adapter), after API-server defaulting.
 *
 * Conventions:
 * - Protocols are upper case as in the Kubernetes API ('TCP' | 'UDP' | 'SCTP'); iptables renderers lower-case them.
 * - Quantities are plain numbers: cpu in millicores, memory/ephemeral-storage in bytes, 'pods' as a count,
 *   extended resources as integers.
 * - hostIP stays '' when the object left it unset: the API server never defaults it, and the scheduler's
 *   HostPortInfo.sanitize() (not the API) maps '' to 0.0.0.0. Keeping '' lets validation compare exact strings
 *   the way AccumulateUniqueHostPorts does.
 */
import type { PodVolume, StorageObjects } from './storage';

export type Protocol = 'TCP' | 'UDP' | 'SCTP';
export const PROTOCOLS: readonly Protocol[] = ['TCP', 'UDP', 'SCTP'];

export type ResourceList = Record<string, number>;

export interface ObjectRef {
  kind: string;
  namespace?: string;
  name: string;
}

/** Where an object came from in the user's input, so findings and errors can point back at it. */
export interface SourceRef {
  /** file name or upload label */
  file?: string;
  /** 0-based document index inside the file (multi-doc YAML or List item) */
  doc?: number;
  /** 1-based line of the object's start, when known */
  line?: number;
}

export interface ContainerPort {
  name?: string;
  containerPort: number;
  /** 0 when unset (and not defaulted) */
  hostPort: number;
  /** '' when unset */
  hostIP: string;
  protocol: Protocol;
}

export interface Container {
  name: string;
  image?: string;
  ports: ContainerPort[];
  /** requests after defaulting (limits copied to requests when requests are absent, as the API server does) */
  requests: ResourceList;
  /** only meaningful for init containers: 'Always' marks a native sidecar */
  restartPolicy?: 'Always';
  /** command followed by args, as given (no $(VAR) expansion) */
  args?: string[];
  /** env vars set from a fieldRef (name -> fieldPath, e.g. status.podIP), for $(VAR) in listen addresses */
  fieldEnv?: Record<string, string>;
}

export type TaintEffect = 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';

export interface Taint {
  key: string;
  value: string;
  effect: TaintEffect;
}

export interface Toleration {
  key: string;
  operator: 'Exists' | 'Equal';
  value: string;
  /** '' matches every effect */
  effect: TaintEffect | '';
}

export type SelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';

export interface NodeSelectorRequirement {
  key: string;
  operator: SelectorOperator;
  values: string[];
}

export interface NodeSelectorTerm {
  matchExpressions: NodeSelectorRequirement[];
  matchFields: NodeSelectorRequirement[];
}

export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values: string[];
}

/** metav1.LabelSelector; an empty selector matches everything. */
export interface LabelSelector {
  matchLabels: Record<string, string>;
  matchExpressions: LabelSelectorRequirement[];
}

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';

/**
 * A required pod (anti-)affinity term. `selector` null matches nothing (upstream: a nil labelSelector); the
 * namespaces it looks in are `namespaces` plus those `namespaceSelector` matches, or the pod's own when both are
 * empty/absent (`namespaceSelector` {} is every namespace). matchLabelKeys/mismatchLabelKeys are already merged
 * into the selector, as the API server does at admission.
 */
export interface PodAffinityTerm {
  selector: LabelSelector | null;
  namespaces: string[];
  namespaceSelector: LabelSelector | null;
  topologyKey: string;
}

/** spec.topologySpreadConstraints[]; matchLabelKeys merged into `selector` (null: matches no pod). */
export interface TopologySpreadConstraint {
  maxSkew: number;
  topologyKey: string;
  whenUnsatisfiable: 'DoNotSchedule' | 'ScheduleAnyway';
  selector: LabelSelector | null;
  minDomains?: number;
  nodeAffinityPolicy: 'Honor' | 'Ignore';
  nodeTaintsPolicy: 'Honor' | 'Ignore';
}

export interface Pod {
  namespace: string;
  name: string;
  uid?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** the controller owner (ownerReferences[controller=true]), e.g. ReplicaSet web-5d4f */
  owner?: ObjectRef;
  /** top-level workload when derivable (ReplicaSet -> Deployment by name convention or object), for reporting */
  workload?: ObjectRef;
  /** spec.nodeName: set for bound pods, and for pods created pre-bound (kubelet admission instead of scheduler) */
  nodeName: string;
  hostNetwork: boolean;
  dnsPolicy: string;
  containers: Container[];
  initContainers: Container[];
  nodeSelector: Record<string, string>;
  /** requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms (ORed); undefined when absent */
  requiredNodeAffinity?: NodeSelectorTerm[];
  /** spec.affinity.podAffinity / podAntiAffinity requiredDuringSchedulingIgnoredDuringExecution */
  requiredPodAffinity?: PodAffinityTerm[];
  requiredPodAntiAffinity?: PodAffinityTerm[];
  topologySpreadConstraints?: TopologySpreadConstraint[];
  tolerations: Toleration[];
  priority: number;
  /** spec.priorityClassName; with priorityFromSpec false, the snapshot's PriorityClass decides priority */
  priorityClassName?: string;
  /** spec.priority was given (the API server's Priority admission sets it on stored pods) */
  priorityFromSpec?: boolean;
  /** spec.preemptionPolicy (or its PriorityClass's); undefined = PreemptLowerPriority */
  preemptionPolicy?: 'Never' | 'PreemptLowerPriority';
  /** scheduling-relevant fields present on the pod that Portolan does not model */
  unmodelled?: UnmodelledField[];
  /** spec.schedulingGates names; a gated pod is not attempted (SchedulingGates PreEnqueue) */
  schedulingGates?: string[];
  /** spec.volumes the volume filters read; undefined when the pod has none */
  volumes?: PodVolume[];
  schedulerName: string;
  phase: PodPhase;
  podIPs: string[];
  /** all containers ready (status.conditions Ready=True); undefined when the snapshot does not say */
  ready?: boolean;
  terminating: boolean;
  /** CRI sandbox id that CNI sees as the container id (annotation portolan.dev/sandbox-id) */
  sandboxId?: string;
  source?: SourceRef;
}

export type { AccessMode, CSINode, DiskSource, PersistentVolume, PersistentVolumeClaim, PodDisruptionBudget, PodVolume, PriorityClass, StorageClass, StorageObjects } from './storage';

/** A scheduling-relevant field the engine does not evaluate (code as data, prose as description). */
export interface UnmodelledField {
  code: 'DynamicResourcesNotEvaluated' | 'PodOverheadNotModelled' | 'RuntimeClassNotModelled' | 'PodLevelResourcesNotModelled' | 'OtherScheduler' | 'VolumeClaimTemplatesNotModelled' | 'VolumesNotInSnapshot' | 'PreferencesNotScored';
  /** the field path, e.g. spec.resourceClaims */
  field: string;
  description: string;
}

export interface NodeAddress {
  type: string;
  address: string;
}

export interface Node {
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  addresses: NodeAddress[];
  /** first InternalIP (falls back to ExternalIP) */
  internalIP?: string;
  /** every InternalIP in status order (a dual-stack node has one per family); RFC 5952 for IPv6 */
  internalIPs?: string[];
  podCIDRs: string[];
  unschedulable: boolean;
  taints: Taint[];
  /** status.allocatable; a node without 'pods' has AllowedPodNumber 0 (every pod: Too many pods) */
  allocatable: ResourceList;
  capacity: ResourceList;
  ready?: boolean;
  source?: SourceRef;
}

export type ServiceType = 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName';
export type TrafficPolicy = 'Cluster' | 'Local';

export interface ServicePort {
  name: string;
  protocol: Protocol;
  port: number;
  targetPort: number | string;
  /** 0 when none */
  nodePort: number;
}

export interface Service {
  namespace: string;
  name: string;
  type: ServiceType;
  /** '' when unset, 'None' for headless */
  clusterIP: string;
  clusterIPs: string[];
  /** spec.ipFamilies, defaulted from clusterIPs when absent (what the API server stores) */
  ipFamilies?: Array<'IPv4' | 'IPv6'>;
  /** spec.ipFamilyPolicy, SingleStack when absent and the Service has at most one family */
  ipFamilyPolicy?: 'SingleStack' | 'PreferDualStack' | 'RequireDualStack';
  /** undefined = no selector (endpoints managed by hand); {} = selects every pod in the namespace */
  selector?: Record<string, string>;
  ports: ServicePort[];
  externalTrafficPolicy: TrafficPolicy;
  internalTrafficPolicy: TrafficPolicy;
  externalIPs: string[];
  /** status.loadBalancer.ingress[].ip */
  loadBalancerIPs: string[];
  loadBalancerSourceRanges: string[];
  /** 0 when none */
  healthCheckNodePort: number;
  sessionAffinity: 'None' | 'ClientIP';
  sessionAffinityTimeoutSeconds: number;
  source?: SourceRef;
}

export interface EndpointPort {
  name: string;
  port: number;
  protocol: Protocol;
}

export interface Endpoint {
  addresses: string[];
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  nodeName?: string;
  targetRef?: ObjectRef;
}

export interface EndpointSlice {
  namespace: string;
  name: string;
  /** label kubernetes.io/service-name */
  serviceName: string;
  addressType: 'IPv4' | 'IPv6' | 'FQDN';
  ports: EndpointPort[];
  endpoints: Endpoint[];
  /** true when Portolan derived it from the Service selector because the snapshot had no slice */
  derived: boolean;
}

export type WorkloadKind = 'Deployment' | 'ReplicaSet' | 'StatefulSet' | 'DaemonSet' | 'Job';

export interface Workload {
  kind: WorkloadKind;
  namespace: string;
  name: string;
  uid?: string;
  labels: Record<string, string>;
  /** spec.replicas after defaulting (1); DaemonSet: undefined (one per eligible node) */
  replicas?: number;
  selector: LabelSelector;
  /**
   * the pod template as a Pod (name empty, nodeName empty, phase Pending), after Pod defaulting except the
   * hostNetwork hostPort = containerPort defaulting, which since 1.28 applies to created Pods only
   * (adapter podFromTemplate gives the Pod a controller would create)
   */
  template: Pod;
  /** Kubernetes object as given, for manifest checks that need template-level fields */
  raw: unknown;
  /** controller owner of the workload itself (a ReplicaSet's Deployment), when the object names one */
  owner?: ObjectRef;
  source?: SourceRef;
}

export interface NetworkPolicy {
  namespace: string;
  name: string;
  podSelector: LabelSelector;
  policyTypes: string[];
  source?: SourceRef;
}

export interface HostListener {
  /** '0.0.0.0', '::', '*' (ss prints '*' for wildcard) or a specific address */
  address: string;
  port: number;
  protocol: Protocol;
  /** SO_BINDTODEVICE, as ss prints it after the address (`127.0.0.53%lo:53`): only traffic arriving on it */
  device?: string;
  process?: string;
  pid?: number;
  /** IPV6_V6ONLY of an IPv6 wildcard socket; unset: '*' is dual-stack, '::'/'[::]' is v6only (as ss prints them) */
  v6only?: boolean;
}

/** Portolan's NodeHostState kind: what runs on the node outside Kubernetes' knowledge. */
export interface NodeHostState {
  node: string;
  listeners: HostListener[];
  /** extra local addresses (secondary IPs, VIPs) beyond the Node's status.addresses */
  extraAddresses: string[];
  /** an iptables-save dump taken on the node; when present, traces may walk it instead of rendered rules */
  iptablesSave?: string;
  /** `nft list ruleset` output taken on the node; when present, traces walk its tables instead of rendered ones */
  nftRuleset?: string;
  source?: SourceRef;
}

export interface KubeProxyConfig {
  mode: 'iptables' | 'ipvs' | 'nftables';
  clusterCIDR: string;
  detectLocalMode: 'ClusterCIDR' | 'NodeCIDR' | 'BridgeInterface' | 'InterfaceNamePrefix' | '';
  masqueradeBit: number;
  masqueradeAll: boolean;
  localhostNodePorts: boolean;
  /** [] = all local addresses; CIDRs otherwise ('primary' is kept as the literal word) */
  nodePortAddresses: string[];
}

export interface PortmapConfig {
  snat: boolean;
  markMasqBit: number;
  masqAll: boolean;
  conditionsV4: string[];
  conditionsV6: string[];
  backend: 'iptables' | 'nftables';
}

export interface CniConfig {
  /** network name from the conflist (hashed into CNI-DN- chains) */
  networkName: string;
  /** the conflist as given */
  conflist: unknown;
  /** undefined when the conflist has no portmap plugin: hostPorts then do nothing */
  portmap?: PortmapConfig;
  /** bridge device name when a bridge plugin is present (cni0 by default) */
  bridge?: string;
  /** bridge plugin's ipMasq */
  ipMasq: boolean;
}

export interface ClusterProfile {
  name?: string;
  kubernetesVersion: string;
  /** apiserver --service-node-port-range */
  nodePortRange: { base: number; size: number };
  kubeProxy: KubeProxyConfig;
  cni: CniConfig;
  containerRuntime: 'containerd' | 'cri-o' | 'docker' | string;
  /** whether iptables supports --random-fully (adds it to kube-proxy's MASQUERADE) */
  iptablesHasRandomFully: boolean;
  /**
   * whether kube-proxy found the nfacct counter localhost_nps_accepted_pkts (kernel nfnetlink_acct): it then writes
   * a `-d 127.0.0.0/8 ... -m nfacct` copy of each NodePort rule first. Unset = false.
   */
  iptablesHasNfacct?: boolean;
  /** apiserver --service-cluster-ip-range (IPv4 part); unset: inferred (adapter/cluster-ip.ts) */
  serviceCIDR?: string;
  /** what serves Services, NodePorts and hostPorts, and how Portolan knows (adapter/dataplane.ts) */
  dataplane?: Dataplane;
}

export type DataplaneKind = 'kube-proxy-iptables' | 'kube-proxy-nftables' | 'kube-proxy-ipvs' | 'cilium-kube-proxy-replacement';
/** where the dataplane was read: ClusterProfile spec.dataplane, cilium-config, a KubeProxyConfiguration, kube-proxy's ConfigMap, or nothing */
export type DataplaneSource = 'cluster-profile' | 'cilium-config' | 'kube-proxy-configuration' | 'kube-proxy-configmap' | 'default';

export interface Dataplane {
  kind: DataplaneKind;
  source: DataplaneSource;
  /** whether traces and claims simulate it hop by hop; otherwise answers say their Service hops are not modelled */
  modelled: boolean;
  detail: string;
}

export interface Namespace {
  name: string;
  labels: Record<string, string>;
}

/** An object the adapter kept but does not model (reported, never fatal). */
export interface UnknownObject {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name?: string;
  source?: SourceRef;
}

export interface Snapshot {
  profile: ClusterProfile;
  nodes: Node[];
  pods: Pod[];
  workloads: Workload[];
  services: Service[];
  endpointSlices: EndpointSlice[];
  networkPolicies: NetworkPolicy[];
  namespaces: Namespace[];
  hostStates: NodeHostState[];
  unknown: UnknownObject[];
  /** PV, PVC, StorageClass, CSINode, PriorityClass, PodDisruptionBudget; undefined when the snapshot has none */
  storage?: StorageObjects;
  /**
   * Where each profile field came from: the snapshot's own documents, the caller's defaults (the service's cluster
   * record), an override, or Portolan's built-in default (a guess `inspect` reports). Set by buildSnapshot.
   */
  profileSources?: Partial<Record<keyof ClusterProfile, ProfileSource>>;
  /** spec.cidrs of the snapshot's ServiceCIDR objects; undefined when it has none */
  serviceCIDRs?: string[];
}

export type ProfileSource = 'snapshot' | 'defaults' | 'override' | 'built-in';
