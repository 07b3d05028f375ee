const { NxAppWebpackPlugin } = require('@nx/webpack/app-plugin');
const { join } = require('path');

/**
 * The webpack config every Node app here shares: workspace libraries are bundled, node_modules stay external
 * (required at run time from the repository or the image). `additionalEntryPoints` are further bundles beside
 * main.js (the worker's build thread).
 */
module.exports = function nodeApp(name, dir, additionalEntryPoints = []) {
  return {
    output: { path: join(dir, `../../dist/apps/${name}`), clean: true },
    plugins: [
      new NxAppWebpackPlugin({
        target: 'node',
        compiler: 'tsc',
        main: './src/main.ts',
        additionalEntryPoints,
        tsConfig: './tsconfig.app.json',
        assets: [],
        optimization: false,
        outputHashing: 'none',
        generatePackageJson: false,
        sourceMap: true,
      }),
    ],
  };
};
