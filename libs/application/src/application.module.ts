import { Global, Module } from '@nestjs/common';
import { AnalysesService } from './analyses.service';
import { ClustersService } from './clusters.service';
import { EngineService } from './engine.service';
import { BullImportScheduler, IMPORT_SCHEDULER, ImportSourcesService } from './imports';
import { QueueModule } from './queue.module';
import { SnapshotsService } from './snapshots.service';

@Global()
@Module({
  imports: [QueueModule.forRoot()],
  providers: [ClustersService, SnapshotsService, EngineService, ImportSourcesService, BullImportScheduler, { provide: IMPORT_SCHEDULER, useExisting: BullImportScheduler }, AnalysesService],
  exports: [ClustersService, SnapshotsService, EngineService, QueueModule, ImportSourcesService],
})
export class ApplicationModule {}
