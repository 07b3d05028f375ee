export * from './model';
export * from './names';
export * from './print';
export * from './kubeproxy';
export * from './portmap';
export * from './render';
export * from './parse';
