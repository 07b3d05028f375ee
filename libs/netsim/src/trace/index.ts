export { trace, traceWith, DEFAULT_EXTERNAL_CLIENT } from './trace';
export { createNetworkState, networkStateOf, buildChainIndex, candidates, INDEX_THRESHOLD, type NetworkState, type NodeView, type ChainIndex } from './state';
export { walkChain, matchRule, type Packet, type Branch, type ChainOutcome } from './walk';
