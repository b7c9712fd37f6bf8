// `npm start`: builds when a source changed since the last build (see build-if-stale.cjs), then
// runs the bot in this same process. One process instead of a `prestart` step and a second Node
// start-up cuts about a tenth off the time to the first answer.
'use strict';
const { join } = require('node:path');
const { buildIfStale, root } = require('./build-if-stale.cjs');

const status = buildIfStale();
if (status !== 0) process.exit(status);
require(join(root, 'dist', 'src', 'index.js'));
