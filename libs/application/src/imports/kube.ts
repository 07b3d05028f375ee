/**
 * The Kubernetes API client side of imports without Nest or the database: what the CLI bundles to read a live
 * cluster with the same fetcher, paging, limits and retries as scheduled imports.
 */
export * from './kube-fetcher';
export * from './outbound-guard';
