export { buildSchedulingState, type SchedulingState, type NodeState, type BindHolder, type NodePortClaim } from './state';
export { schedulePod, kubeletAdmission, evaluateNode, fitErrorMessage, histogram, NO_PREEMPTION_VICTIMS, PREEMPTION_NOT_HELPFUL } from './schedule';
export { placeWorkload, placeSubmission, daemonSetTolerations, pinToNode, isOwnPod, withoutOwnPods } from './placement';
export { HostPortInfo, getHostPorts, DEFAULT_BIND_ALL_HOST_IP } from './hostports';
export { preparePod, type PodInfo, type FilterStatus } from './framework';
export { predictRuntime, bindFailure, hostNetworkBinds } from './runtime';
export { assumedPorts, imageBaseName } from './images';
export { podRequests } from './resources';
export {
  FILTERS,
  ERR_REASON_UNSCHEDULABLE,
  ERR_REASON_NODE_NAME,
  ERR_REASON_POD,
  ERR_REASON_ABSENT_NODE_AFFINITY,
  ERR_REASON_NODE_PORTS,
  ERR_REASON_TOO_MANY_PODS,
  errReasonUntoleratedTaint,
  toleratesTaint,
} from './plugins';
