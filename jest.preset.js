const nxPreset = require('@nx/jest/preset').default;

// Nest 12 / @nestjs/graphql 14 / @nestjs/apollo 14 / @nestjs/bullmq 12 (and @kubernetes/client-node 2 with its ESM
// dependencies jsonpath-plus, openid-client, oauth4webapi, jose, rfc4648, socks-proxy-agent, agent-base) are ESM-only ("type": "module").
// Jest on Node 20 cannot require(esm), so those node_modules files are compiled to CommonJS with SWC.
// ts-jest cannot do it: @nestjs/common uses import.meta.url.
module.exports = {
  ...nxPreset,
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }],
    '^.+\\.m?js$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'ecmascript' } }, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!(@nestjs|@apollo/server|@as-integrations|file-type|load-esm|uid|@noble|@kubernetes/client-node|jsonpath-plus|openid-client|oauth4webapi|jose|rfc4648|socks-proxy-agent|agent-base)/)'],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
};
