import { Global, Module, type DynamicModule, type Type } from '@nestjs/common';
import { AnalysesService } from './analyses.service';
import { ApiKeysService } from './api-keys.service';
import { ClustersService } from './clusters.service';
import { EngineService } from './engine.service';
import { JobSweepService } from './job-sweep.service';
import { BullImportScheduler, IMPORT_SCHEDULER, ImportSourcesService } from './imports';
import { ExposureService } from './exposure.service';
import { QueueModule, type QueueRole } from './queue.module';
import { SnapshotsService } from './snapshots.service';
import { ExemptionsService } from './exemptions.service';
import { DOCUMENT_BUILDER, InProcessDocumentBuilder, type DocumentBuilder } from './upload-build';

const providers = [ExemptionsService, JobSweepService, ApiKeysService, ClustersService, SnapshotsService, EngineService, ExposureService, AnalysesService, ImportSourcesService, BullImportScheduler, { provide: IMPORT_SCHEDULER, useExisting: BullImportScheduler }];

/**
 * The use cases; `queueRole` says whether this process only enqueues (the API: fail fast) or also runs workers;
 * `documentBuilder` where uploads are parsed and built (the worker bounds each job's memory in a thread).
 */
@Global()
@Module({})
export class ApplicationModule {
  static forRoot(queueRole: QueueRole, opts: { documentBuilder?: Type<DocumentBuilder> } = {}): DynamicModule {
    return {
      module: ApplicationModule,
      imports: [QueueModule.forRoot(queueRole)],
      providers: [...providers, { provide: DOCUMENT_BUILDER, useClass: opts.documentBuilder ?? InProcessDocumentBuilder }],
      exports: [ExemptionsService, JobSweepService, ApiKeysService, ClustersService, SnapshotsService, EngineService, ExposureService, AnalysesService, QueueModule, ImportSourcesService],
    };
  }
}
