// Compiles the project only when a source changed since the last build, so that `npm start`
// starts at once after its first run instead of compiling TypeScript every time. With --always
// (npm run build) it compiles anyway, and either way records what it built.
// CommonJS on purpose: `npm start` runs it in the bot's own process (src/tools/start.cjs), and a
// CommonJS entry starts without Node's ES module loader.
'use strict';
const { spawnSync } = require('node:child_process');
const { existsSync, readdirSync, readFileSync, statSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..', '..');
const stamp = join(root, 'dist', '.build-stamp');

/** The newest modification time under `path` (a file or a folder). */
function newest(path) {
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.mtimeMs;
  return readdirSync(path).reduce((latest, name) => Math.max(latest, newest(join(path, name))), stats.mtimeMs);
}

/** Compiles when asked to (`always`) or when the build is older than its sources; returns tsc's exit code (0 when nothing was to do). */
function buildIfStale({ always = false } = {}) {
  const inputs = ['src', 'test', 'tsconfig.json', 'package.json', 'package-lock.json'].map((name) => join(root, name)).filter((path) => existsSync(path));
  const latest = Math.max(...inputs.map(newest));
  const built = existsSync(stamp) ? Number(readFileSync(stamp, 'utf8')) : Number.NaN;
  if (!always && built >= latest && existsSync(join(root, 'dist', 'src', 'index.js'))) return 0;
  const tsc = require.resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.json')], { cwd: root, stdio: 'inherit' });
  if (result.error) process.stderr.write(`Could not run the TypeScript compiler: ${result.error.message}\n`);
  else if (result.signal) process.stderr.write(`The TypeScript compiler was stopped by ${result.signal}.\n`);
  if (result.status !== 0) return result.status ?? 1;
  writeFileSync(stamp, String(latest));
  return 0;
}

module.exports = { buildIfStale, root };

if (require.main === module) process.exitCode = buildIfStale({ always: process.argv.includes('--always') });
