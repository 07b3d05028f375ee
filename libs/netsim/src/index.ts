export * from './model/types';
export * from './model/results';
export * from './adapter';
export * from './scheduling';
export * from './checks';
