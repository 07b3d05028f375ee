const { NxAppWebpackPlugin } = require('@nx/webpack/app-plugin');
const { join } = require('path');
const { BannerPlugin } = require('webpack');

/**
 * The installable package (`npm pack`, `npx`, `npm i -g`, kubectl plugin): unlike the repository build, every
 * dependency is bundled, so the package installs with no dependencies and runs from any folder.
 */
module.exports = {
  // ws's optional native speed-ups (client-node's websocket calls, which Portolan never makes): ws falls back to
  // JavaScript when they are absent
  ignoreWarnings: [{ module: /node_modules\/ws\/lib\//, message: /Can't resolve '(bufferutil|utf-8-validate)'/ }],
  output: { path: join(__dirname, '../../dist/packages/portolan'), clean: true },
  plugins: [
    new NxAppWebpackPlugin({
      target: 'node',
      compiler: 'tsc',
      main: './src/bin.ts',
      tsConfig: './tsconfig.app.json',
      assets: [],
      optimization: false,
      outputHashing: 'none',
      externalDependencies: 'none',
      generatePackageJson: false,
      sourceMap: false,
    }),
    // npm links bin entries as they are: the file itself must say which interpreter runs it
    new BannerPlugin({ banner: '#!/usr/bin/env node', raw: true, entryOnly: true }),
  ],
};
