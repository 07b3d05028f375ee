import { defineConfig } from 'prisma/config';

// Offline: Prisma 7's CLI insists on downloading the native schema-engine for `generate` although it never runs
// it. Any existing file satisfies the check; migrations go through tools/prisma-wasm-migrate.mjs instead.
process.env['PRISMA_SCHEMA_ENGINE_BINARY'] ??= process.execPath;
process.env['CHECKPOINT_DISABLE'] ??= '1';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env['MIGRATION_DATABASE_URL'] ?? process.env['DATABASE_URL'] ?? 'postgresql://postgres@127.0.0.1:54329/portolan' },
});
