export * from './model/types';
export * from './model/results';
export * from './adapter';
export * from './scheduling';
export * from './checks';
export * from './iptables';
export * from './trace';
export * from './claims';
