// build-thread.js: the entry of the worker threads that parse uploads under a heap limit (thread-document-builder.ts)
module.exports = require('../../tools/webpack/node-app')('worker', __dirname, [{ entryName: 'build-thread', entryPath: './src/build-thread.ts' }]);
