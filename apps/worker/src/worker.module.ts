import { Module } from '@nestjs/common';
import { ApplicationModule } from '@portolan/application';
import { APP_CONFIG, loggerOptions, PortolanConfigModule, type AppConfig } from '@portolan/config';
import { PersistenceModule } from '@portolan/persistence';
import { LoggerModule } from 'nestjs-pino';
import { JobSweeper } from './job-sweeper';
import { AnalysisProcessor } from './processors/analysis.processor';
import { ScheduledImportProcessor } from './processors/scheduled-import.processor';
import { SnapshotImportProcessor } from './processors/snapshot-import.processor';
import { ThreadDocumentBuilder } from './thread-document-builder';

@Module({
  imports: [
    PortolanConfigModule,
    LoggerModule.forRootAsync({ inject: [APP_CONFIG], useFactory: (c: AppConfig) => ({ pinoHttp: loggerOptions(c.log.level, { base: { process: 'worker' } }) }) }),
    PersistenceModule,
    ApplicationModule.forRoot('worker', { documentBuilder: ThreadDocumentBuilder }),
  ],
  providers: [JobSweeper, SnapshotImportProcessor, AnalysisProcessor, ScheduledImportProcessor],
})
export class WorkerModule {}
