import { AnalysesResolver } from './analyses/analyses.resolver';
import { ClusterAnalysesResolver } from './analyses/cluster-analyses.resolver';
import { ApiKeysResolver } from './api-keys/api-keys';
import { ClustersResolver } from './clusters/clusters.resolver';
import { ExemptionsResolver } from './exemptions/exemptions';
import { ExposureResolver, PodScheduleResolver } from './exposure/exposure.resolver';
import { ImportSourcesResolver } from './imports/import-sources.resolver';
import { RulesResolver } from './rules/rules';
import { SnapshotInspectionResolver } from './snapshots/snapshot-inspection.resolver';
import { SnapshotPodManifestResolver, SnapshotWorkloadManifestResolver } from './snapshots/snapshot-manifest.resolver';
import { SnapshotObjectsResolver } from './snapshots/snapshot-objects.resolver';
import { SnapshotsResolver } from './snapshots/snapshots.resolver';

/** Every GraphQL resolver: the app module provides them and the schema printer reads them. */
export const RESOLVERS = [ClustersResolver, SnapshotsResolver, ExposureResolver, PodScheduleResolver, AnalysesResolver, ImportSourcesResolver, ApiKeysResolver, SnapshotObjectsResolver, SnapshotInspectionResolver, SnapshotPodManifestResolver, SnapshotWorkloadManifestResolver, ClusterAnalysesResolver, RulesResolver, ExemptionsResolver] as const;
