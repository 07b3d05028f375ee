export * from './model';
export * from './hash';
export * from './save';
export * from './kubeproxy';
export * from './portmap';
export * from './render';
export { nodeLocalAddresses, bridgeAddress, nodePodCIDR, ownerOfAddress } from './context';
export { canonicalRule, saveString } from './canonical';
export * from './drift';
