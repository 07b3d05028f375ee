import { Global, Module } from '@nestjs/common';
import { ClustersService } from './clusters.service';
import { EngineService } from './engine.service';
import { QueueModule } from './queue.module';
import { SnapshotsService } from './snapshots.service';

@Global()
@Module({
  imports: [QueueModule.forRoot()],
  providers: [ClustersService, SnapshotsService, EngineService],
  exports: [ClustersService, SnapshotsService, EngineService, QueueModule],
})
export class ApplicationModule {}
