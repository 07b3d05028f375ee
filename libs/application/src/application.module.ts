import { Global, Module } from '@nestjs/common';
import { ClustersService } from './clusters.service';
import { QueueModule } from './queue.module';
import { SnapshotsService } from './snapshots.service';

@Global()
@Module({
  imports: [QueueModule.forRoot()],
  providers: [ClustersService, SnapshotsService],
  exports: [ClustersService, SnapshotsService, QueueModule],
})
export class ApplicationModule {}
