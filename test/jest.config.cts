// e2e: the real API and worker processes (built by Nx) against real Postgres and Redis, over HTTP.
module.exports = {
  displayName: 'e2e',
  preset: '../jest.preset.js',
  rootDir: '.',
  testMatch: ['<rootDir>/e2e/**/*.e2e-spec.ts'],
  globalSetup: '<rootDir>/e2e/support/global-setup.ts',
  globalTeardown: '<rootDir>/e2e/support/global-teardown.ts',
  testTimeout: 60000,
};
