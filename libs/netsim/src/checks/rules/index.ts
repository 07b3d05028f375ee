/** Every rule, in catalogue order (SARIF rule order). One rule per file; ids are typed by this list. */
import { inputError } from './input-error';
import { ignoreAnnotationInvalid } from './ignore-annotation-invalid';
import { namespaceNotFound } from './namespace-not-found';
import { hostnetworkHostportMismatch } from './hostnetwork-hostport-mismatch';
import { hostportDuplicate } from './hostport-duplicate';
import { portOutOfRange } from './port-out-of-range';
import { nodeportOutOfRange } from './nodeport-out-of-range';
import { nodeportAllocated } from './nodeport-allocated';
import { nodeportDuplicate } from './nodeport-duplicate';
import { nodeportOnClusterip } from './nodeport-on-clusterip';
import { apiRejected } from './api-rejected';
import { serviceSelectorMatchesNothing } from './service-selector-matches-nothing';
import { hostnetworkNetworkpolicy } from './hostnetwork-networkpolicy';
import { hostnetworkHostportNoop } from './hostnetwork-hostport-noop';
import { hostnetworkDnspolicy } from './hostnetwork-dnspolicy';
import { hostportReplicasExceedNodes } from './hostport-replicas-exceed-nodes';
import { unschedulable } from './unschedulable';
import { kubeletRejects } from './kubelet-rejects';
import { runtimeBindConflict } from './runtime-bind-conflict';
import { hostportShadowedByNodeport } from './hostport-shadowed-by-nodeport';
import { hostportCapturesListener } from './hostport-captures-listener';
import { hostportWithoutPortmap } from './hostport-without-portmap';

export const ALL_RULES = [
  inputError,
  hostnetworkHostportMismatch,
  hostportDuplicate,
  portOutOfRange,
  nodeportOutOfRange,
  nodeportAllocated,
  nodeportDuplicate,
  nodeportOnClusterip,
  apiRejected,
  serviceSelectorMatchesNothing,
  hostnetworkNetworkpolicy,
  hostnetworkHostportNoop,
  hostnetworkDnspolicy,
  hostportReplicasExceedNodes,
  unschedulable,
  kubeletRejects,
  runtimeBindConflict,
  hostportShadowedByNodeport,
  hostportCapturesListener,
  hostportWithoutPortmap,
  namespaceNotFound,
  ignoreAnnotationInvalid,
] as const;
