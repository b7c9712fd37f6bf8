// Compiles the project only when a source changed since the last build, so that `npm start`
// starts at once after its first run instead of compiling TypeScript every time. With --always
// (npm run build) it compiles anyway, and either way records what it built.
import { spawnSync } from 'node:child_process';
import process from 'node:process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const stamp = join(root, 'dist', '.build-stamp');
const inputs = ['src', 'test', 'tsconfig.json', 'package.json', 'package-lock.json'].map((name) => join(root, name)).filter((path) => existsSync(path));

/** The newest modification time under `path` (a file or a folder). */
function newest(path) {
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.mtimeMs;
  return readdirSync(path).reduce((latest, name) => Math.max(latest, newest(join(path, name))), stats.mtimeMs);
}

const latest = Math.max(...inputs.map(newest));
const built = existsSync(stamp) ? Number(readFileSync(stamp, 'utf8')) : Number.NaN;
if (process.argv.includes('--always') || !(built >= latest) || !existsSync(join(root, 'dist', 'src', 'index.js'))) {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.json')], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
  writeFileSync(stamp, String(latest));
}
