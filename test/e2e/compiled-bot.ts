import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort } from '../fixtures/free-port';

/** The project folder. */
export const ROOT = path.join(__dirname, '../..');

/** The bot compiled to `build` and started as its own process, which a test may kill at any moment. */
export interface CompiledBot {
  readonly port: number;
  readonly child: ChildProcess;
  /** Settles once the process has exited and its pipes are closed. */
  readonly closed: Promise<void>;
  /** What it printed so far (the first 200 KB). */
  output(): string;
}

/** Compiles the project into `build` (outside dist/, so the suite never races `npm start`). */
export function compileBot(build: string): void {
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.json', '--outDir', build], { cwd: ROOT, stdio: 'pipe' });
}

/** Starts the compiled bot with `env` (plus PATH, HOME, a free PORT and info logs); resolved once it says it is listening. */
export async function startCompiledBot(build: string, env: Readonly<Record<string, string>>): Promise<CompiledBot> {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(build, 'src/index.js')], {
    cwd: ROOT,
    env: { ...env, PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: String(port), LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      if (output.length < 200_000) output += chunk.toString();
      if (/Listening on http:\/\/127\.0\.0\.1:\d+\/api\/messages/.test(output)) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void closed.then(() => reject(new Error(`the bot exited before listening:\n${output}`)));
  });
  return { port, child, closed, output: () => output };
}
