import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { APP_CONFIG, getConfig, type AppConfig } from '@portolan/config';
import { Database } from '@portolan/persistence';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { joinPrimary, runPrimary, underPrimary } from './cluster';
import { registry } from './metrics/metrics';
import { configureApp } from './configure-app';

async function bootstrap(): Promise<void> {
  if (underPrimary()) joinPrimary(registry);
  const app = await NestFactory.create(AppModule, { bufferLogs: true, bodyParser: false });
  configureApp(app);
  const config = app.get<AppConfig>(APP_CONFIG);
  const log = app.get(Logger);
  if (await app.get(Database).bypassesRowLevelSecurity()) {
    // Tenancy would then rest on the repositories alone. Refuse in production; shout elsewhere.
    const msg = 'DATABASE_URL connects as a role that bypasses row-level security (superuser, BYPASSRLS or table owner)';
    if (config.env === 'production') throw new Error(msg);
    log.warn(msg);
  }
  if (config.secrets.isDevelopmentKey) log.warn('SECRETS_KEY is unset: secrets at rest use the built-in development key');
  await app.listen(config.http.port, config.http.host);
  log.log(`portolan api listening on http://${config.http.host}:${config.http.port} (queue: BullMQ on ${config.queue.backend})`);
}

function main(): Promise<void> | void {
  const { http, log } = getConfig();
  if (http.processes > 1 && !underPrimary()) return runPrimary(http.processes, log.level);
  return bootstrap();
}

Promise.resolve()
  .then(main)
  .catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
