export * from './errors';
export * from './secret-box';
export * from './cluster-profile';
export * from './queue.module';
export * from './clusters.service';
export * from './snapshots.service';
export * from './application.module';
export * from './engine.service';
