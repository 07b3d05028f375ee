import { Global, Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@portolan/config';
import { AnalysesRepository } from './analyses.repository';
import { ApiKeysRepository } from './api-keys.repository';
import { AuthRepository } from './auth.repository';
import { ClustersRepository } from './clusters.repository';
import { Database } from './database';
import { DatabaseEvents } from './events';
import { ExemptionsRepository } from './exemptions.repository';
import { OpenJobsRepository } from './open-jobs.repository';
import { SnapshotsRepository } from './snapshots.repository';

class DatabaseLifecycle implements OnApplicationShutdown {
  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(DatabaseEvents) private readonly events: DatabaseEvents,
  ) {}
  async onApplicationShutdown(): Promise<void> {
    await this.events.close();
    await this.db.close();
  }
}

const repo = <T>(cls: new (db: Database) => T) => ({ provide: cls, useFactory: (db: Database) => new cls(db), inject: [Database] });

@Global()
@Module({
  providers: [
    { provide: Database, useFactory: (c: AppConfig) => new Database(c.database.url, 10, { connectTimeoutMs: c.database.connectTimeoutMs, statementTimeoutMs: c.database.statementTimeoutMs }), inject: [APP_CONFIG] },
    { provide: DatabaseEvents, useFactory: (c: AppConfig) => new DatabaseEvents(c.database.url, new Logger('DatabaseEvents')), inject: [APP_CONFIG] },
    DatabaseLifecycle,
    repo(AuthRepository),
    repo(ClustersRepository),
    repo(SnapshotsRepository),
    repo(AnalysesRepository),
    repo(ApiKeysRepository),
    repo(OpenJobsRepository),
    repo(ExemptionsRepository),
  ],
  exports: [Database, DatabaseEvents, AuthRepository, ClustersRepository, SnapshotsRepository, AnalysesRepository, ApiKeysRepository, OpenJobsRepository, ExemptionsRepository],
})
export class PersistenceModule {}
