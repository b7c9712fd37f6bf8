import fs from 'node:fs';
import path from 'node:path';
import type { SqliteDatabase } from './sqlite-database';
import { startCheckpointer, type Checkpointer } from './wal-checkpoint';

/**
 * Makes everything a connection has committed so far durable. `sync()` settles once an fdatasync
 * that started after the call has finished; `syncNow()` does the same on the calling thread.
 */
export interface Durability {
  sync(): Promise<void>;
  syncNow(): void;
  /** A commit wrote to the WAL (the checkpoint thread then has work). */
  committed(): void;
  close(): void;
}

/**
 * fdatasync of the database's WAL file on libuv's thread pool, so the event loop goes on while
 * the disk flushes. SQLite runs with synchronous=NORMAL: a commit writes its WAL frames (the
 * operating system holds them), and this flush puts them on disk; checkpoints still sync the WAL
 * before copying it and the database after, so a restarted WAL never drops a flushed commit.
 * The data folder is synced once too, so a WAL file created since the last boot is found again.
 * Checkpoints run on a thread of their own (wal-checkpoint.ts), so their flushes are off the event loop too.
 */
export function walDurability(db: SqliteDatabase): Durability | undefined {
  if (db.memory) return undefined;
  const walPath = `${db.name}-wal`;
  // Started by the first commit that writes: a connection that only reads needs none.
  let checkpointer: Checkpointer | undefined;
  let fd: number | undefined;
  let inFlight = 0;
  let closed = false;
  const open = (): number => {
    if (fd === undefined) {
      fd = fs.openSync(walPath, 'r+');
      syncFolder(path.dirname(walPath));
    }
    return fd;
  };
  const closeIfIdle = () => {
    if (closed && inFlight === 0 && fd !== undefined) {
      fs.closeSync(fd);
      fd = undefined;
    }
  };
  return {
    sync: () =>
      new Promise<void>((resolve, reject) => {
        if (closed) {
          reject(new Error('The database connection is closed'));
          return;
        }
        let handle: number;
        try {
          handle = open();
        } catch (error) {
          reject(error);
          return;
        }
        inFlight += 1;
        fs.fdatasync(handle, (error) => {
          inFlight -= 1;
          closeIfIdle();
          if (error) reject(error);
          else resolve();
        });
      }),
    syncNow: () => {
      if (!closed && fs.existsSync(walPath)) fs.fdatasyncSync(open());
    },
    committed: () => {
      if (!closed) (checkpointer ??= startCheckpointer(db.name)).committed();
    },
    close: () => {
      closed = true;
      checkpointer?.close();
      closeIfIdle();
    },
  };
}

function syncFolder(folder: string): void {
  const handle = fs.openSync(folder, 'r');
  try {
    fs.fsyncSync(handle);
  } finally {
    fs.closeSync(handle);
  }
}
