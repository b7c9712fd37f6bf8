import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { groupCommitOf } from '../../src/storage/group-commit';
import { openDatabase } from '../../src/storage/sqlite-database';
import { SqliteAuditLog } from '../../src/storage/sqlite-audit-log';
import { SqliteStore } from '../../src/storage/sqlite-store';

describe('group commit', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'group-commit-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('acknowledges writes only once they are committed, and commits a whole turn together', async () => {
    const db = openDatabase(dir);
    const store = new SqliteStore(db);
    const audit = new SqliteAuditLog(db);
    const reader = openDatabase(dir);
    const count = () => (reader.prepare('SELECT (SELECT count(*) FROM kv) + (SELECT count(*) FROM once) + (SELECT count(*) FROM audit) AS n').get() as { n: number }).n;
    try {
      const acknowledged: string[] = [];
      const writes = [
        store.put('a', 1).then(() => acknowledged.push('put')),
        store.claim('activity:1', 60_000).then(() => acknowledged.push('claim')),
        audit.record({ actor: { name: 'Ana', userId: '29:ana' }, action: 'block', outcome: 'done', api: 'simulator' }).then(() => acknowledged.push('audit')),
      ];
      expect([acknowledged, count()]).toEqual([[], 0]);
      await Promise.all(writes);
      expect([acknowledged.sort(), count()]).toEqual([['audit', 'claim', 'put'], 3]);
    } finally {
      store.close();
      reader.close();
    }
  });

  it('lets a second connection in the same process write without blocking on the first', async () => {
    const a = SqliteStore.open(dir);
    const b = SqliteStore.open(dir);
    try {
      const [fromA, fromB] = await Promise.all([a.put('x', 'a', { ifNoneMatch: '*' }), b.put('x', 'b', { ifNoneMatch: '*' })]);
      expect([fromA.ok, fromB.ok].sort()).toEqual([false, true]);
      expect((await b.get('x'))?.value).toBe(fromA.ok ? 'a' : 'b');
    } finally {
      a.close();
      b.close();
    }
  });

  it('commits what is pending when the store closes, so nothing acknowledged is lost', async () => {
    const store = SqliteStore.open(dir);
    const written = store.put('k', 'v');
    store.close();
    expect((await written).ok).toBe(true);
    const reopened = SqliteStore.open(dir);
    try {
      expect((await reopened.get('k'))?.value).toBe('v');
    } finally {
      reopened.close();
    }
  });
  it('fails every caller of a turn whose commit fails, keeps none of its writes, and commits the next turn', async () => {
    const db = openDatabase(dir);
    // A deferred foreign key is checked only at COMMIT: the turn's transaction runs, then its commit fails.
    db.exec('CREATE TABLE parent (id INTEGER PRIMARY KEY); CREATE TABLE child (parent INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)');
    db.pragma('foreign_keys = ON');
    const store = new SqliteStore(db);
    const audit = new SqliteAuditLog(db);
    const count = () => (db.prepare('SELECT (SELECT count(*) FROM kv) + (SELECT count(*) FROM once) + (SELECT count(*) FROM audit) AS n').get() as { n: number }).n;
    try {
      const turn = [
        store.put('a', 1),
        store.claim('activity:1', 60_000),
        audit.record({ actor: { name: 'Ana', userId: '29:ana' }, action: 'block', outcome: 'done', api: 'simulator' }),
        groupCommitOf(db).run(() => db.prepare('INSERT INTO child (parent) VALUES (1)').run()),
      ];
      const settled = await Promise.allSettled(turn);
      expect(settled.map((result) => (result.status === 'rejected' ? (result.reason as { code?: string }).code : result.status))).toEqual(
        Array(4).fill('SQLITE_CONSTRAINT_FOREIGNKEY'),
      );
      expect([db.inTransaction, count()]).toEqual([false, 0]);

      expect(await store.claim('activity:1', 60_000)).toBe(true);
      expect(count()).toBe(1);
    } finally {
      store.close();
    }
  });
});
