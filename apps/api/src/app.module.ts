import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import { ApplicationModule, ClustersService } from '@portolan/application';
import { APP_CONFIG, loggerOptions, PortolanConfigModule, type AppConfig } from '@portolan/config';
import { PersistenceModule } from '@portolan/persistence';
import { LoggerModule } from 'nestjs-pino';
import { AuthCache } from './auth/auth-cache';
import { KeyUsage } from './auth/key-usage';
import type { AuthedRequest } from './auth/current-tenant.decorator';
import { safeGraphQLError } from './errors/safe-graphql-error';
import { QueryLimitsPlugin } from './graphql/limits.plugin';
import { Loaders } from './graphql/loaders';
import { MetricsMiddleware } from './metrics/metrics';
import { CONTROLLERS } from './controllers';
import { RESOLVERS } from './resolvers';

@Module({
  imports: [
    PortolanConfigModule,
    LoggerModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (c: AppConfig) => ({
        pinoHttp: { ...loggerOptions(c.log.level), wrapSerializers: false },
        // Nest's logs go through pino; requests are logged by logging/access-log.ts, not pino-http's middleware.
        forRoutes: [],
      }),
    }),
    PersistenceModule,
    ApplicationModule.forRoot('producer'),
    GraphQLModule.forRootAsync<ApolloDriverConfig>({
      driver: ApolloDriver,
      inject: [ClustersService, APP_CONFIG],
      useFactory: (clusters: ClustersService, config: AppConfig) => ({
        autoSchemaFile: true,
        sortSchema: true,
        path: '/graphql',
        playground: false,
        introspection: true,
        includeStacktraceInErrorResponses: false,
        // Bounded while parsing (graphql-js stops at the limit); the document's bytes are bounded before, in configure-app.
        parseOptions: { maxTokens: config.graphql.maxTokens },
        // Field resolvers' errors go through AppErrorFilter too (logged with the request id, never shown raw).
        fieldResolverEnhancers: ['filters'],
        formatError: safeGraphQLError,
        // No HTTP caching hints are served (answers depend on the caller's key), and Apollo's cache-control plugin
        // would otherwise wrap every field resolver to compute them.
        // (the cast bridges @apollo/server's ESM and CJS type declarations of the same plugin)
        plugins: [ApolloServerPluginCacheControlDisabled() as unknown as NonNullable<ApolloDriverConfig['plugins']>[number]],
        context: ({ req }: { req: AuthedRequest }) => ({ req, loaders: new Loaders(req.tenant, clusters) }),
      }),
    }),
  ],
  controllers: [...CONTROLLERS],
  providers: [...RESOLVERS, QueryLimitsPlugin, AuthCache, KeyUsage],
})
export class AppModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(MetricsMiddleware).forRoutes('*path');
  }
}
