import { AnalysesController } from './analyses/analyses.controller';
import { ApiKeysController } from './api-keys/api-keys';
import { ClustersController } from './clusters/clusters.controller';
import { DocsController } from './docs/docs.controller';
import { ExemptionsController } from './exemptions/exemptions';
import { ExposureController } from './exposure/exposure.controller';
import { HealthController } from './health/health.controller';
import { ImportSourcesController } from './imports/import-sources.controller';
import { MetricsController } from './metrics/metrics';
import { RulesController } from './rules/rules';
import { WebhooksController } from './webhooks/webhooks.controller';

/** Every REST controller: the app module mounts them and the OpenAPI drift test reads their routes. */
export const CONTROLLERS = [
  HealthController,
  MetricsController,
  DocsController,
  ClustersController,
  ExposureController,
  AnalysesController,
  WebhooksController,
  ImportSourcesController,
  ApiKeysController,
  RulesController,
  ExemptionsController,
] as const;
