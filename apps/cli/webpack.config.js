module.exports = require('../../tools/webpack/node-app')('cli', __dirname);
