import { Worker } from 'node:worker_threads';

/** How often the checkpoint thread looks for new commits. */
const CHECK_EVERY_MS = 250;
/**
 * From this many frames in the WAL, the thread restarts it. A PASSIVE checkpoint copies frames
 * but cannot make the bot's connection write the WAL from its start again while that connection
 * keeps committing (it must begin a transaction when every frame has been copied); a RESTART
 * checkpoint holds writers back until that is so: for a few ms, since PASSIVE ones copied the rest.
 */
const RESTART_AT_FRAMES = 4000;
/** How long a RESTART checkpoint waits for the bot's transaction of the moment to end. */
const RESTART_WAIT_MS = 50;
/** The longest close() waits for the thread to let go of the database. */
const CLOSE_WAIT_MS = 5000;
/** Slots of the shared counters: commits so far; 1 once the thread closed its connection. */
const COMMITS = 0;
const CLOSED = 1;

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
 * last one: it takes no write lock, so the bot's commits go on meanwhile. Once the WAL holds
 * RESTART_AT_FRAMES, a RESTART checkpoint takes the write lock (the bot's next transaction waits,
 * off the event loop, retrying) until the WAL can start over. With synchronous=NORMAL a checkpoint
 * syncs the WAL before copying it into the database and the database after: the two disk flushes
 * that would otherwise stall the event loop every 1,000 pages.
 */
const THREAD = `
const { workerData, parentPort } = require('node:worker_threads');
const shared = new Int32Array(workerData.shared);
const closed = () => { Atomics.store(shared, ${CLOSED}, 1); Atomics.notify(shared, ${CLOSED}); };
let db;
try {
  const Database = require(workerData.driver);
  db = new Database(workerData.file, { fileMustExist: true });
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 0');
  db.pragma('cache_size = -256');
} catch (error) {
  closed();
  throw error;
}
let seen = 0;
let failing = false;
const checkpoint = () => {
  const now = Atomics.load(shared, ${COMMITS});
  if (now === seen) return;
  seen = now;
  try {
    const [passive] = db.pragma('wal_checkpoint(PASSIVE)');
    if (passive.log >= workerData.restartAt) {
      // Busy (the bot kept its write lock all along) is no failure: the next look tries again.
      db.pragma('busy_timeout = ' + workerData.restartWaitMs);
      try { db.pragma('wal_checkpoint(RESTART)'); } finally { db.pragma('busy_timeout = 0'); }
    }
    failing = false;
  } catch (error) {
    // Tried again at the next look; said once until a checkpoint works again.
    seen = -1;
    if (!failing) parentPort.postMessage({ problem: String(error && error.message || error) });
    failing = true;
  }
};
const timer = setInterval(checkpoint, workerData.everyMs);
parentPort.on('message', () => {
  clearInterval(timer);
  try { db.close(); } finally { closed(); parentPort.close(); }
});
`;

/**
 * Checkpoints the WAL of database `file` on a thread of its own. When the thread cannot start or
 * fails, the connection's own automatic checkpoint (at BACKSTOP_CHECKPOINT_PAGES) still bounds the WAL.
 */
export function startCheckpointer(file: string, onError: (error: unknown) => void = warn): Checkpointer {
  const shared = new Int32Array(new SharedArrayBuffer(8));
  let worker: Worker | undefined;
  try {
    worker = new Worker(THREAD, {
      eval: true,
      workerData: {
        file,
        driver: require.resolve('better-sqlite3'),
        shared: shared.buffer,
        everyMs: CHECK_EVERY_MS,
        restartAt: RESTART_AT_FRAMES,
        restartWaitMs: RESTART_WAIT_MS,
      },
      // It runs one statement now and then: a small heap and page cache keep the bot's memory down.
      resourceLimits: { maxOldGenerationSizeMb: 8, maxYoungGenerationSizeMb: 1, stackSizeMb: 1 },
    });
    worker.unref();
    worker.on('error', (error) => {
      worker = undefined;
      onError(error);
    });
    worker.on('exit', () => (worker = undefined));
    worker.on('message', (said: { readonly problem?: string }) => onError(new Error(said.problem)));
  } catch (error) {
    onError(error);
  }
  return {
    committed: () => void Atomics.add(shared, COMMITS, 1),
    // Waits (briefly: the thread is at most amid one checkpoint) until the thread let go of the
    // database, so that the bot's connection, closing next, is the last one: it makes the final
    // checkpoint and removes the WAL itself, and nothing touches the files after it.
    close: () => {
      if (!worker) return;
      worker.postMessage('close');
      worker = undefined;
      if (Atomics.wait(shared, CLOSED, 0, CLOSE_WAIT_MS) === 'timed-out') onError(new Error(`it did not close its connection within ${CLOSE_WAIT_MS} ms`));
    },
  };
}

/** Nothing is lost when the thread fails (the WAL keeps every commit until a checkpoint takes it), so a warning on stderr is enough. */
function warn(error: unknown): void {
  process.emitWarning(
    `WAL checkpoint thread: ${error instanceof Error ? error.message : String(error)}. The database connection checkpoints by itself at ${BACKSTOP_CHECKPOINT_PAGES} pages.`,
    'CheckpointWarning',
  );
}
