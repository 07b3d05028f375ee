module.exports = require('../../tools/webpack/node-app')('worker', __dirname);
