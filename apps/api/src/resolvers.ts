import { AnalysesResolver } from './analyses/analyses.resolver';
import { ClustersResolver } from './clusters/clusters.resolver';
import { ImportSourcesResolver } from './imports/import-sources.resolver';
import { SnapshotsResolver } from './snapshots/snapshots.resolver';

/** Every GraphQL resolver: the app module provides them and the schema printer reads them. */
export const RESOLVERS = [ClustersResolver, SnapshotsResolver, AnalysesResolver, ImportSourcesResolver] as const;
