import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import { ApplicationModule, ClustersService } from '@portolan/application';
import { APP_CONFIG, PortolanConfigModule, type AppConfig } from '@portolan/config';
import { PersistenceModule } from '@portolan/persistence';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { stdSerializers } from 'pino';
import { LoggerModule } from 'nestjs-pino';
import { AuthCache } from './auth/auth-cache';
import type { AuthedRequest } from './auth/current-tenant.decorator';
import { QueryLimitsPlugin } from './graphql/limits.plugin';
import { Loaders } from './graphql/loaders';
import { MetricsMiddleware } from './metrics/metrics';
import { CONTROLLERS } from './controllers';
import { RESOLVERS } from './resolvers';

const LEVELS: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity };

@Module({
  imports: [
    PortolanConfigModule,
    LoggerModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (c: AppConfig) => ({
        pinoHttp: {
          level: c.log.level,
          genReqId: (req, res) => {
            const id = (typeof req.headers['x-request-id'] === 'string' && req.headers['x-request-id'].slice(0, 64)) || randomUUID();
            res.setHeader('x-request-id', id);
            return id;
          },
          // A request is logged by id, method, URL, peer and user agent; its headers never (keys, signatures,
          // cookies stay out without a redaction pass, which cost more than the rest of the line).
          wrapSerializers: false,
          serializers: {
            req: (req: IncomingMessage & { id?: unknown; originalUrl?: string }) => ({
              id: req.id,
              method: req.method,
              url: req.originalUrl ?? req.url,
              remoteAddress: req.socket?.remoteAddress,
              userAgent: req.headers['user-agent'],
            }),
            res: stdSerializers.res,
            err: stdSerializers.err,
          },
          customProps: (req) => ({ tenantId: (req as AuthedRequest).tenant?.tenantId }),
          autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' || req.url === '/metrics' },
          // 'silent' when the configured level would drop the line anyway: pino-http then skips building it
          // (a child logger and the custom props per response, ~0.1 ms of a warm question's CPU).
          customLogLevel: (_req, res, err) => {
            const level = err || res.statusCode >= 500 ? 'error' : 'info';
            return (LEVELS[level] ?? 30) >= (LEVELS[c.log.level] ?? 30) ? level : 'silent';
          },
        },
      }),
    }),
    PersistenceModule,
    ApplicationModule,
    GraphQLModule.forRootAsync<ApolloDriverConfig>({
      driver: ApolloDriver,
      inject: [ClustersService],
      useFactory: (clusters: ClustersService) => ({
        autoSchemaFile: true,
        sortSchema: true,
        path: '/graphql',
        playground: false,
        introspection: true,
        includeStacktraceInErrorResponses: false,
        // No HTTP caching hints are served (answers depend on the caller's key), and Apollo's cache-control plugin
        // would otherwise wrap every field resolver to compute them.
        // (the cast bridges @apollo/server's ESM and CJS type declarations of the same plugin)
        plugins: [ApolloServerPluginCacheControlDisabled() as unknown as NonNullable<ApolloDriverConfig['plugins']>[number]],
        context: ({ req }: { req: AuthedRequest }) => ({ req, loaders: new Loaders(req.tenant, clusters) }),
      }),
    }),
  ],
  controllers: [...CONTROLLERS],
  providers: [...RESOLVERS, QueryLimitsPlugin, AuthCache],
})
export class AppModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(MetricsMiddleware).forRoutes('*path');
  }
}
