// kernel: real network namespaces loaded with the rules @portolan/netsim renders; real packets checked against trace().
// Needs root (CAP_SYS_ADMIN + CAP_NET_ADMIN) and iptables-restore; without them it warns loudly and runs no packet test.
module.exports = {
  displayName: 'kernel',
  preset: '../../jest.preset.js',
  rootDir: '.',
  testMatch: ['<rootDir>/**/*.kernel-spec.ts'],
  testTimeout: 120000,
};
