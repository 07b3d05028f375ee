/**
 * SchedulingState: the scheduler cache's per-node view (NodeInfo), built once per snapshot. Queries read it and
 * never mutate it; placement clones only the NodeState it changes (clone-on-write).
 */
import type { ClusterProfile, HostListener, Node, Pod, ResourceList, Service, ServicePort, Snapshot } from '../model/types';
import { HostPortInfo, getHostPorts } from './hostports';
import { hostNetworkBinds, type SocketBind } from './binds';
import { addResources, podRequests } from './resources';
import { buildStorageIndex, type StorageIndex } from './volumes';

export interface BindHolder extends SocketBind {
  pod: Pod;
  certainty: 'declared' | 'assumed';
}

export interface NodeState {
  readonly node: Node;
  /** non-terminal pods bound to the node (NodeInfo.Pods) */
  pods: Pod[];
  /** requested resources of those pods (NodeInfo.Requested) */
  requested: ResourceList;
  /** hot-path copies (NodeInfo.Allocatable.AllowedPodNumber/MilliCPU/Memory, Requested.MilliCPU/Memory) */
  allocPods: number;
  allocCpu: number;
  allocMem: number;
  reqCpu: number;
  reqMem: number;
  /** NodeInfo.UsedPorts */
  usedPorts: HostPortInfo;
  /** sockets hostNetwork pods bind in the node's netns, by "PROTO/port" (declared, or assumed from the image) */
  hostNetBinds: Map<string, BindHolder[]>;
  /** hostNetwork pods with a container that declares no port and whose image is not in the table */
  hostNetUnknown: Pod[];
  /** host listeners from NodeHostState, by "PROTO/port" */
  listeners: Map<string, HostListener[]>;
  /** pods per workload key ("Kind/ns/name") for spreading */
  workloads: Map<string, number>;
}

export interface NodePortClaim {
  service: Service;
  port: ServicePort;
}

export interface SchedulingState {
  profile: ClusterProfile;
  nodes: NodeState[];
  byName: Map<string, NodeState>;
  /** Service NodePorts by "PROTO/port" (cluster-wide: every node's KUBE-NODEPORTS has them) */
  nodePorts: Map<string, NodePortClaim>;
  /** healthCheckNodePorts: kube-proxy listens on them (TCP) on every node (pkg/proxy/healthcheck) */
  healthCheckPorts: Map<number, Service>;
  /** PVC/PV/StorageClass/CSINode listers; undefined when the snapshot has no storage objects */
  storage?: StorageIndex;
  /** Namespace labels, for pod (anti-)affinity namespaceSelector */
  namespaceLabels?: Map<string, Record<string, string>>;
}

export function isTerminal(p: Pod): boolean {
  return p.phase === 'Succeeded' || p.phase === 'Failed';
}

export function portKey(protocol: string, port: number): string {
  return `${protocol}/${port}`;
}

export function workloadKey(p: Pod): string | undefined {
  const w = p.workload ?? p.owner;
  return w ? `${w.kind}/${w.namespace ?? p.namespace}/${w.name}` : undefined;
}

function newNodeState(node: Node): NodeState {
  return {
    node,
    pods: [],
    requested: {},
    allocPods: node.allocatable['pods'] ?? 0,
    allocCpu: node.allocatable['cpu'] ?? 0,
    allocMem: node.allocatable['memory'] ?? 0,
    reqCpu: 0,
    reqMem: 0,
    usedPorts: new HostPortInfo(),
    hostNetBinds: new Map(),
    hostNetUnknown: [],
    listeners: new Map(),
    workloads: new Map(),
  };
}

/** NodeInfo.AddPod + Portolan's runtime indexes. Mutates `ns`: call on a fresh or cloned NodeState only. */
export function addPodToNode(ns: NodeState, pod: Pod): void {
  ns.pods.push(pod);
  const req = podRequests(pod);
  addResources(ns.requested, req);
  ns.reqCpu += req['cpu'] ?? 0;
  ns.reqMem += req['memory'] ?? 0;
  for (const port of getHostPorts(pod)) ns.usedPorts.add(port.hostIP, port.protocol, port.hostPort, { pod, port });
  if (pod.hostNetwork) {
    const { binds, unknownImages } = hostNetworkBinds(pod);
    for (const b of binds) addBind(ns, { pod, ...b, certainty: b.certainty === 'observed' ? 'declared' : b.certainty });
    if (unknownImages.length) ns.hostNetUnknown.push(pod);
  }
  const wk = workloadKey(pod);
  if (wk) ns.workloads.set(wk, (ns.workloads.get(wk) ?? 0) + 1);
}

function addBind(ns: NodeState, b: BindHolder): void {
  if (b.port <= 0) return;
  const k = portKey(b.protocol, b.port);
  const list = ns.hostNetBinds.get(k);
  if (list) list.push(b);
  else ns.hostNetBinds.set(k, [b]);
}

export function cloneNodeState(ns: NodeState): NodeState {
  const hostNetBinds = new Map<string, BindHolder[]>();
  for (const [k, v] of ns.hostNetBinds) hostNetBinds.set(k, v.slice());
  return {
    node: ns.node,
    pods: ns.pods.slice(),
    requested: { ...ns.requested },
    allocPods: ns.allocPods,
    allocCpu: ns.allocCpu,
    allocMem: ns.allocMem,
    reqCpu: ns.reqCpu,
    reqMem: ns.reqMem,
    usedPorts: ns.usedPorts.clone(),
    hostNetBinds,
    hostNetUnknown: ns.hostNetUnknown.slice(),
    listeners: ns.listeners,
    workloads: new Map(ns.workloads),
  };
}

/** The NodeState with some pods removed (preemption victims, or the pod itself for kubelet re-admission). */
export function nodeStateWithout(ns: NodeState, remove: Set<Pod>): NodeState {
  const fresh = newNodeState(ns.node);
  fresh.listeners = ns.listeners;
  for (const p of ns.pods) if (!remove.has(p)) addPodToNode(fresh, p);
  return fresh;
}

export function buildSchedulingState(snapshot: Snapshot): SchedulingState {
  const nodes: NodeState[] = [];
  const byName = new Map<string, NodeState>();
  for (const n of snapshot.nodes) {
    if (byName.has(n.name)) continue;
    const ns = newNodeState(n);
    nodes.push(ns);
    byName.set(n.name, ns);
  }
  // the scheduler's informer only sees non-terminal pods (field selector status.phase!=Succeeded,Failed)
  for (const p of snapshot.pods) {
    if (!p.nodeName || isTerminal(p)) continue;
    const ns = byName.get(p.nodeName);
    if (ns) addPodToNode(ns, p);
  }
  for (const hs of snapshot.hostStates) {
    const ns = byName.get(hs.node);
    if (!ns) continue;
    for (const l of hs.listeners) {
      const k = portKey(l.protocol, l.port);
      const list = ns.listeners.get(k);
      if (list) list.push(l);
      else ns.listeners.set(k, [l]);
    }
  }
  const nodePorts = new Map<string, NodePortClaim>();
  const healthCheckPorts = new Map<number, Service>();
  for (const svc of snapshot.services) {
    if (svc.healthCheckNodePort > 0) healthCheckPorts.set(svc.healthCheckNodePort, svc);
    if (svc.type !== 'NodePort' && svc.type !== 'LoadBalancer') continue;
    for (const port of svc.ports) if (port.nodePort > 0) nodePorts.set(portKey(port.protocol, port.nodePort), { service: svc, port });
  }
  const state: SchedulingState = { profile: snapshot.profile, nodes, byName, nodePorts, healthCheckPorts };
  const storage = buildStorageIndex(snapshot, nodes.flatMap((n) => n.pods));
  if (storage) state.storage = storage;
  if (snapshot.namespaces.length) state.namespaceLabels = new Map(snapshot.namespaces.map((n) => [n.name, n.labels]));
  return state;
}
