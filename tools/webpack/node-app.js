const { NxAppWebpackPlugin } = require('@nx/webpack/app-plugin');
const { join } = require('path');

/**
 * The webpack config every Node app here shares: workspace libraries are bundled, node_modules stay external
 * (required at run time from the repository or the image).
 */
module.exports = function nodeApp(name, dir) {
  return {
    output: { path: join(dir, `../../dist/apps/${name}`), clean: true },
    plugins: [
      new NxAppWebpackPlugin({
        target: 'node',
        compiler: 'tsc',
        main: './src/main.ts',
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
