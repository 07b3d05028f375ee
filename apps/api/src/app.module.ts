import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import { ApplicationModule, ClustersService } from '@portolan/application';
import { APP_CONFIG, PortolanConfigModule, type AppConfig } from '@portolan/config';
import { PersistenceModule } from '@portolan/persistence';
import { randomUUID } from 'node:crypto';
import { LoggerModule } from 'nestjs-pino';
import { AuthCache } from './auth/auth-cache';
import type { AuthedRequest } from './auth/current-tenant.decorator';
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
        pinoHttp: {
          level: c.log.level,
          genReqId: (req, res) => {
            const id = (typeof req.headers['x-request-id'] === 'string' && req.headers['x-request-id'].slice(0, 64)) || randomUUID();
            res.setHeader('x-request-id', id);
            return id;
          },
          redact: ['req.headers.authorization', 'req.headers["x-portolan-signature"]', 'req.headers.cookie'],
          customProps: (req) => ({ tenantId: (req as AuthedRequest).tenant?.tenantId }),
          autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' || req.url === '/metrics' },
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
