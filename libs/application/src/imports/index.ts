export * from './cron';
export * from './kube-fetcher';
export * from './import-source';
export * from './import-scheduler';
export * from './import-sources.service';
