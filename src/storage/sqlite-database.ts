import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { migrate } from './sqlite-schema';
import { BACKSTOP_CHECKPOINT_PAGES } from './wal-checkpoint';

/** An open connection to the bot's SQLite database. */
export type SqliteDatabase = Database.Database;

/** The database file's name inside the data folder. */
export const DATABASE_FILE_NAME = 'defender-block-bot.sqlite';

/** Pass as `dataDir` for a throw-away database that lives only in this connection. */
export const IN_MEMORY = ':memory:';

/** Opens (creating folder and file if needed) `<dataDir>/defender-block-bot.sqlite`, schema up to date. */
export function openDatabase(dataDir: string): SqliteDatabase {
  let db: SqliteDatabase;
  if (dataDir === IN_MEMORY) {
    db = new Database(IN_MEMORY);
  } else {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    db = new Database(join(dataDir, DATABASE_FILE_NAME));
  }
  try {
    db.pragma('journal_mode = WAL');
    // A commit writes the WAL without flushing it; the group commit flushes it off the event loop
    // before anyone hears of the commit (wal-sync.ts). Checkpoints still sync WAL and database.
    db.pragma('synchronous = NORMAL');
    // Checkpoints run on their own thread; this connection checkpoints only if that thread fell far behind.
    if (dataDir !== IN_MEMORY) db.pragma(`wal_autocheckpoint = ${BACKSTOP_CHECKPOINT_PAGES}`);
    // Group commit takes the write lock without blocking the event loop (it tries again after a short pause).
    db.pragma('busy_timeout = 0');
    migrate(db);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}
