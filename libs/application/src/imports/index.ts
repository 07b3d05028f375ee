export * from './cron';
export * from './kube-fetcher';
export * from './outbound-guard';
export * from './import-source';
export * from './import-scheduler';
export * from './import-sources.service';
