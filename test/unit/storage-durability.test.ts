import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { groupCommitOf } from '../../src/storage/group-commit';
import { DATABASE_FILE_NAME, openDatabase } from '../../src/storage/sqlite-database';
import { migrate, SCHEMA_VERSION } from '../../src/storage/sqlite-schema';
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

  it('drops the unique index of audit ids from a version 2 database and keeps every entry, in order, still immutable', async () => {
    mkdirSync(root, { recursive: true });
    const old = new Database(join(root, DATABASE_FILE_NAME));
    old.pragma('journal_mode = WAL');
    migrate(old, 2);
    const log = new SqliteAuditLog(old, { now: () => new Date('2025-03-01T12:00:00Z') });
    const first = await log.record({ actor: { name: 'Ana', userId: '29:ana' }, action: 'block', outcome: 'requested', hash: 'AB'.repeat(20), api: 'indicators' });
    const second = await log.record({ actor: { name: 'Ana', userId: '29:ana' }, action: 'block', outcome: 'done', hash: 'AB'.repeat(20), api: 'indicators' });
    const oldIndexes = indexesOf(old);
    groupCommitOf(old).close();
    old.close();
    expect(oldIndexes).toContain('sqlite_autoindex_audit_1');

    const db = openDatabase(root);
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      expect(indexesOf(db)).toEqual(['audit_at', 'audit_hash_at', 'audit_tenant_at', 'audit_tenant_hash_at']);
      const upgraded = new SqliteAuditLog(db);
      expect(await upgraded.all({})).toEqual([first, second]);
      expect(await upgraded.recent({ hash: 'ab'.repeat(20), limit: 5 })).toEqual([second, first]);
      expect(db.prepare('SELECT seq FROM audit ORDER BY seq').pluck().all()).toEqual([1, 2]);
      expect(() => db.prepare("UPDATE audit SET entry = '{}'").run()).toThrow(/immutable/);
      expect(() => db.prepare('DELETE FROM audit').run()).toThrow(/immutable/);
    } finally {
      groupCommitOf(db).close();
      db.close();
    }
  });
});

function indexesOf(db: Database.Database): string[] {
  return db.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'audit' ORDER BY name").pluck().all() as string[];
}
