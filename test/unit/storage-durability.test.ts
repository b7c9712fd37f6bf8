import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATABASE_FILE_NAME, openDatabase } from '../../src/storage/sqlite-database';
import { SCHEMA_VERSION } from '../../src/storage/sqlite-schema';
import { SqliteAuditLog } from '../../src/storage/sqlite-audit-log';
import { SqliteStore } from '../../src/storage/sqlite-store';

describe('SQLite storage across a restart', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'defender-block-bot-'));
  });
  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('creates the data folder and the database file', () => {
    const dataDir = join(root, 'nested', 'data');
    const db = openDatabase(dataDir);
    try {
      expect(existsSync(join(dataDir, DATABASE_FILE_NAME))).toBe(true);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    } finally {
      db.close();
    }
  });

  it('keeps values, etags, claims and the audit trail after close and reopen', async () => {
    const now = () => new Date('2025-03-01T12:00:00Z');
    const before = openDatabase(root);
    const store = new SqliteStore(before, { now });
    const put = await store.put('undo:1', { hash: 'ab' }, { ttlMs: 60_000 });
    await store.claim('activity-1', 60_000);
    const recorded = await new SqliteAuditLog(before, { now }).record({
      actor: { name: 'Ana', userId: '29:ana' },
      action: 'block',
      outcome: 'done',
      api: 'indicators',
    });
    store.close();

    const after = openDatabase(root);
    const reopened = new SqliteStore(after, { now });
    try {
      expect(await reopened.get('undo:1')).toEqual({ value: { hash: 'ab' }, etag: put.ok && put.etag });
      expect(await reopened.claim('activity-1', 60_000)).toBe(false);
      expect(await new SqliteAuditLog(after).all({})).toEqual([recorded]);
    } finally {
      reopened.close();
    }
  });

  it('opens an existing database again without redoing its schema', () => {
    openDatabase(root).close();
    const db = openDatabase(root);
    try {
      const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").all();
      expect(tables).toEqual([{ name: 'audit' }, { name: 'kv' }, { name: 'once' }]);
    } finally {
      db.close();
    }
  });

  it('refuses a database written by a newer schema', () => {
    const db = openDatabase(root);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => openDatabase(root)).toThrow(/newer than this build/);
  });
});
