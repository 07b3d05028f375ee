export * from './tenant';
export * from './jobs';
