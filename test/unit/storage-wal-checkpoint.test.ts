import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATABASE_FILE_NAME, openDatabase } from '../../src/storage/sqlite-database';
import { SqliteAuditLog } from '../../src/storage/sqlite-audit-log';
import { SqliteStore } from '../../src/storage/sqlite-store';
import { BACKSTOP_CHECKPOINT_PAGES } from '../../src/storage/wal-checkpoint';

/** Resolves once `check` holds, looking again on each timer turn (the test's own timeout bounds the wait). */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe('WAL checkpoints off the event loop', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'defender-block-bot-ckpt-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("copies committed pages into the database file from another thread, while the bot's connection checkpoints only far later", async () => {
    const db = openDatabase(dir);
    const store = new SqliteStore(db);
    try {
      expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(BACKSTOP_CHECKPOINT_PAGES);
      const file = join(dir, DATABASE_FILE_NAME);
      const before = statSync(file).size;
      const audit = new SqliteAuditLog(db);
      // About 200 pages of WAL: far below the backstop, so only the checkpoint thread can move them.
      await Promise.all(
        Array.from({ length: 400 }, (_, i) =>
          audit.record({
            actor: { name: 'Ana', userId: '29:ana' },
            action: 'block',
            outcome: 'done',
            hash: i.toString(16).padStart(40, '0'),
            comment: 'x'.repeat(1500),
            api: 'indicators',
          }),
        ),
      );
      await until(() => statSync(file).size > before + 400 * 1500);
      expect(await audit.recent({ limit: 1 })).toHaveLength(1);
    } finally {
      store.close();
    }
  });

  it("lets go of the database before the bot's connection closes, so that closing leaves one file and nothing touches it after", async () => {
    const db = openDatabase(dir);
    const store = new SqliteStore(db);
    const file = join(dir, DATABASE_FILE_NAME);
    const before = statSync(file).size;
    await Promise.all(Array.from({ length: 50 }, (_, i) => store.put(`undo/${i}`, { comment: 'x'.repeat(4000) })));
    // The thread has checkpointed, so it holds the database open.
    await until(() => statSync(file).size > before + 50 * 4000);
    store.close();
    expect(existsSync(join(dir, `${DATABASE_FILE_NAME}-wal`))).toBe(false);
    expect(readdirSync(dir)).toEqual([DATABASE_FILE_NAME]);
  });
});
