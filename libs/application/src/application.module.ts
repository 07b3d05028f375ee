import { Global, Module } from '@nestjs/common';
import { AnalysesService } from './analyses.service';
import { ApiKeysService } from './api-keys.service';
import { ClustersService } from './clusters.service';
import { EngineService } from './engine.service';
import { JobSweepService } from './job-sweep.service';
import { BullImportScheduler, IMPORT_SCHEDULER, ImportSourcesService } from './imports';
import { ExposureService } from './exposure.service';
import { QueueModule } from './queue.module';
import { SnapshotsService } from './snapshots.service';

@Global()
@Module({
  imports: [QueueModule.forRoot()],
  providers: [JobSweepService, ApiKeysService, ClustersService, SnapshotsService, EngineService, ExposureService, AnalysesService, ImportSourcesService, BullImportScheduler, { provide: IMPORT_SCHEDULER, useExisting: BullImportScheduler }],
  exports: [JobSweepService, ApiKeysService, ClustersService, SnapshotsService, EngineService, ExposureService, AnalysesService, QueueModule, ImportSourcesService],
})
export class ApplicationModule {}
