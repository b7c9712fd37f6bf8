import { Worker } from 'node:worker_threads';

/** How often the checkpoint thread looks for new commits. */
const CHECK_EVERY_MS = 250;

/**
 * The WAL size (pages) at which the bot's own connection checkpoints on the event loop after all:
 * only if the checkpoint thread is gone or cannot keep up (SQLite's default is 1,000).
 */
export const BACKSTOP_CHECKPOINT_PAGES = 10_000;

/** Says when there is something to checkpoint; stops the thread. */
export interface Checkpointer {
  /** A commit was written to the WAL. */
  committed(): void;
  close(): void;
}

/**
 * The thread's code, run from a string: the same whether the bot runs compiled or under ts-jest.
 * A second connection on the database runs a PASSIVE checkpoint whenever commits came in since the
 * last one. PASSIVE never takes the write lock, so the bot's commits go on meanwhile; with
 * synchronous=NORMAL the checkpoint syncs the WAL before copying it into the database and the
 * database after, the two disk flushes that would otherwise stall the event loop every 1,000 pages.
 */
const THREAD = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.driver);
const commits = new Int32Array(workerData.commits);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('synchronous = NORMAL');
db.pragma('busy_timeout = 0');
db.pragma('cache_size = -256');
let seen = 0;
const checkpoint = () => {
  const now = Atomics.load(commits, 0);
  if (now === seen) return;
  seen = now;
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch { seen = -1; }
};
const timer = setInterval(checkpoint, workerData.everyMs);
parentPort.on('message', () => { clearInterval(timer); checkpoint(); db.close(); parentPort.close(); });
`;

/**
 * Checkpoints the WAL of database `file` on a thread of its own. When the thread cannot start or
 * fails, the connection's own automatic checkpoint (at BACKSTOP_CHECKPOINT_PAGES) still bounds the WAL.
 */
export function startCheckpointer(file: string, onError: (error: unknown) => void = () => undefined): Checkpointer {
  const commits = new Int32Array(new SharedArrayBuffer(4));
  let worker: Worker | undefined;
  try {
    worker = new Worker(THREAD, {
      eval: true,
      workerData: { file, driver: require.resolve('better-sqlite3'), commits: commits.buffer, everyMs: CHECK_EVERY_MS },
      // It runs one statement now and then: a small heap and page cache keep the bot's memory down.
      resourceLimits: { maxOldGenerationSizeMb: 8, maxYoungGenerationSizeMb: 1, stackSizeMb: 1 },
    });
    worker.unref();
    worker.on('error', (error) => {
      worker = undefined;
      onError(error);
    });
  } catch (error) {
    onError(error);
  }
  return {
    committed: () => void Atomics.add(commits, 0, 1),
    close: () => {
      worker?.postMessage('close');
      worker = undefined;
    },
  };
}
