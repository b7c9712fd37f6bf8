import fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GroupCommit } from '../../src/storage/group-commit';
import { openDatabase, type SqliteDatabase } from '../../src/storage/sqlite-database';
import { SqliteAuditLog } from '../../src/storage/sqlite-audit-log';
import { SqliteStore } from '../../src/storage/sqlite-store';
import type { Durability } from '../../src/storage/wal-sync';

/** A disk flush the test finishes by hand, to see who hears of a commit before its data is on disk. */
function manualFlushes() {
  const pending: Array<{ resolve: () => void; reject: (error: unknown) => void }> = [];
  const durability: Durability = {
    sync: () => new Promise<void>((resolve, reject) => pending.push({ resolve, reject })),
    syncNow: () => undefined,
    committed: () => undefined,
    close: () => undefined,
  };
  return { durability, pending };
}

/** Settles on the next turns of the event loop: long enough for a commit (setImmediate) to have run. */
const turns = async (n = 3) => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
};

/** Whether `promise` has settled yet, without waiting for it. */
function tracked<T>(promise: Promise<T>) {
  const state = { settled: false as false | 'ok' | 'failed', value: undefined as T | undefined, error: undefined as unknown };
  promise.then(
    (value) => Object.assign(state, { settled: 'ok', value }),
    (error: unknown) => Object.assign(state, { settled: 'failed', error }),
  );
  return state;
}

describe('group commit: a commit is acknowledged only once its disk flush is done', () => {
  let dir: string;
  let db: SqliteDatabase;
  let reader: SqliteDatabase;
  beforeEach(() => {
    dir = fs.mkdtempSync(join(tmpdir(), 'disk-flush-'));
    db = openDatabase(dir);
    reader = openDatabase(dir);
    db.exec('CREATE TABLE t (v INTEGER)');
  });
  afterEach(() => {
    reader.close();
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const rows = () => (reader.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n;
  const insert = (commit: GroupCommit, v: number) => commit.run(() => db.prepare('INSERT INTO t (v) VALUES (?)').run(v).changes);

  it('holds the answer of a committed write until the flush finishes', async () => {
    const { durability, pending } = manualFlushes();
    const write = tracked(insert(new GroupCommit(db, durability), 1));
    await turns();

    expect([rows(), pending.length, write.settled]).toEqual([1, 1, false]);
    pending[0].resolve();
    await turns();
    expect(write).toMatchObject({ settled: 'ok', value: 1 });
  });

  it('gathers the turns that run during a flush into one transaction, committed and flushed once that flush is done', async () => {
    const { durability, pending } = manualFlushes();
    const commit = new GroupCommit(db, durability);
    const first = tracked(insert(commit, 1));
    await turns();
    const second = tracked(insert(commit, 2));
    await turns();
    const third = tracked(insert(commit, 3));
    await turns();
    expect([rows(), pending.length]).toEqual([1, 1]);

    pending[0].resolve();
    await turns();
    expect([first.settled, second.settled, third.settled, rows(), pending.length]).toEqual(['ok', false, false, 3, 2]);
    pending[1].resolve();
    await turns();
    expect([second.settled, third.settled, pending.length]).toEqual(['ok', 'ok', 2]);
  });

  it('fails every caller of a flush that fails, and from then on acknowledges nothing, not even a read', async () => {
    const { durability, pending } = manualFlushes();
    const commit = new GroupCommit(db, durability);
    const count = () => commit.run(() => (db.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n);
    const writes = [insert(commit, 1), insert(commit, 2)];
    await turns();
    // Gathered while the flush is under way: a read that sees the unflushed rows, and another write.
    const gathered = [count(), insert(commit, 3)];
    await turns();
    pending[0].reject(Object.assign(new Error('I/O error'), { code: 'EIO' }));

    for (const settled of await Promise.allSettled([...writes, ...gathered])) {
      expect(settled).toMatchObject({ status: 'rejected', reason: { name: 'DiskFlushFailed', reason: { code: 'EIO' } } });
    }
    await expect(insert(commit, 4)).rejects.toMatchObject({ name: 'DiskFlushFailed' });
    await expect(count()).rejects.toMatchObject({ name: 'DiskFlushFailed' });
    expect(pending.length).toBe(1);
  });

  it('lets a flush under way decide, when the connection closes, for its batch and for what was committed after it', async () => {
    const { durability, pending } = manualFlushes();
    const commit = new GroupCommit(db, durability);
    const first = insert(commit, 1);
    await turns();
    const second = insert(commit, 2);
    commit.close();
    expect(rows()).toBe(2);
    pending[0].reject(Object.assign(new Error('I/O error'), { code: 'EIO' }));

    for (const settled of await Promise.allSettled([first, second])) {
      expect(settled).toMatchObject({ status: 'rejected', reason: { name: 'DiskFlushFailed', reason: { code: 'EIO' } } });
    }
    expect(pending.length).toBe(1);
  });

  it('answers a turn that only read at once when no commit waits for a flush, and once the flush is done when one does', async () => {
    const { durability, pending } = manualFlushes();
    const commit = new GroupCommit(db, durability);
    const count = () => commit.run(() => (db.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n);
    expect(await count()).toBe(0);
    expect(pending.length).toBe(0);

    const write = tracked(insert(commit, 1));
    await turns();
    const read = tracked(count());
    await turns();
    expect([write.settled, read.settled]).toEqual([false, false]);
    pending[0].resolve();
    await turns();
    // The read saw a commit on its way to disk: it is answered once that commit is there, with no flush of its own.
    expect([write.settled, read, pending.length]).toEqual(['ok', expect.objectContaining({ settled: 'ok', value: 1 }), 1]);
  });
});

describe('group commit: soft writes (re-delivery claims) ride on the next flush', () => {
  let dir: string;
  let db: SqliteDatabase;
  beforeEach(() => {
    dir = fs.mkdtempSync(join(tmpdir(), 'disk-flush-soft-'));
    db = openDatabase(dir);
    db.exec('CREATE TABLE t (v INTEGER)');
  });
  afterEach(() => {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const insert = (commit: GroupCommit, v: number, soft = false) =>
    (soft ? commit.runSoft.bind(commit) : commit.run.bind(commit))(() => db.prepare('INSERT INTO t (v) VALUES (?)').run(v).changes);

  it('answers a soft write once committed, asks no flush for it, and holds the next write until a flush covers both', async () => {
    const { durability, pending } = manualFlushes();
    const commit = new GroupCommit(db, durability);
    expect(await insert(commit, 1, true)).toBe(1);
    expect(pending.length).toBe(0);

    const write = tracked(insert(commit, 2));
    await turns();
    expect([write.settled, pending.length]).toEqual([false, 1]);
    pending[0].resolve();
    await turns();
    expect([write.settled, pending.length]).toEqual(['ok', 1]);
    // Both are on disk now: nothing more to wait for.
    await commit.durableUpTo(commit.softMark);
    expect(pending.length).toBe(1);
  });

  it('makes a read that follows a soft write wait for a flush, which it asks for', async () => {
    const { durability, pending } = manualFlushes();
    const commit = new GroupCommit(db, durability);
    await insert(commit, 1, true);
    const read = tracked(commit.run(() => (db.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n));
    await turns();
    expect([read.settled, pending.length]).toEqual([false, 1]);
    pending[0].resolve();
    await turns();
    expect(read).toMatchObject({ settled: 'ok', value: 1 });
  });

  it('durableUpTo() asks for the flush nobody else did, and waits for a flush under way', async () => {
    const { durability, pending } = manualFlushes();
    const commit = new GroupCommit(db, durability);
    await commit.durableUpTo(commit.softMark);
    expect(pending.length).toBe(0);

    await insert(commit, 1, true);
    const first = tracked(commit.durableUpTo(commit.softMark));
    await turns();
    expect([first.settled, pending.length]).toEqual([false, 1]);
    // A second ask while that flush runs: it already covers the soft write, so no new flush is needed.
    const second = tracked(commit.durableUpTo(commit.softMark));
    await turns();
    expect(second.settled).toBe(false);
    pending[0].resolve();
    await turns();
    expect([first.settled, second.settled, pending.length]).toEqual(['ok', 'ok', 1]);
  });

  it('durableUpTo() ends with the flush that covers the soft write, not with the later ones other writes need', async () => {
    const { durability, pending } = manualFlushes();
    const commit = new GroupCommit(db, durability);
    await insert(commit, 1, true);
    const first = tracked(insert(commit, 2));
    await turns();
    const ask = tracked(commit.durableUpTo(commit.softMark));
    const later = tracked(insert(commit, 3));
    await turns();
    expect([pending.length, ask.settled, later.settled]).toEqual([1, false, false]);
    pending[0].resolve();
    await turns();
    expect([first.settled, ask.settled, later.settled, pending.length]).toEqual(['ok', 'ok', false, 2]);
  });

  it("waits for one soft write's own flush, not for the soft writes made after it", async () => {
    const { durability, pending } = manualFlushes();
    const commit = new GroupCommit(db, durability);
    await insert(commit, 1, true);
    const mine = commit.softMark;
    const write = tracked(insert(commit, 2));
    await turns();
    // Another turn's claim, gathered while the flush that covers mine is under way.
    const theirs = tracked(insert(commit, 3, true));
    await turns();
    pending[0].resolve();
    await turns();
    expect([write.settled, theirs.settled, pending.length]).toEqual(['ok', 'ok', 1]);
    await commit.durableUpTo(mine);
    expect(pending.length).toBe(1);
    const theirsToo = tracked(commit.durableUpTo(commit.softMark));
    await turns();
    expect([theirsToo.settled, pending.length]).toEqual([false, 2]);
  });

  it('refuses durableUpTo() once the flush that was to take a soft write failed (the connection is broken from then on)', async () => {
    const { durability, pending } = manualFlushes();
    const commit = new GroupCommit(db, durability);
    await insert(commit, 1, true);
    // Another write's flush starts, and so covers the soft one: then it fails.
    const write = insert(commit, 2);
    await turns();
    pending[0].reject(Object.assign(new Error('I/O error'), { code: 'EIO' }));
    await expect(write).rejects.toMatchObject({ name: 'DiskFlushFailed' });
    await expect(commit.durableUpTo(commit.softMark)).rejects.toMatchObject({ name: 'DiskFlushFailed' });
  });

  it('lets a flush under way at close decide for the soft writes it covers', async () => {
    const { durability, pending } = manualFlushes();
    const commit = new GroupCommit(db, durability);
    await insert(commit, 1, true);
    const write = insert(commit, 2);
    await turns();
    commit.close();
    const ask = tracked(commit.durableUpTo(commit.softMark));
    await turns();
    expect(ask.settled).toBe(false);
    pending[0].reject(Object.assign(new Error('I/O error'), { code: 'EIO' }));
    await expect(write).rejects.toMatchObject({ name: 'DiskFlushFailed' });
    await turns();
    expect(ask).toMatchObject({ settled: 'failed', error: { name: 'DiskFlushFailed' } });
  });

  it('fails a soft write and durableUpTo() alike once a flush failed', async () => {
    const { durability, pending } = manualFlushes();
    const commit = new GroupCommit(db, durability);
    await insert(commit, 1, true);
    const ask = commit.durableUpTo(commit.softMark);
    await turns();
    pending[0].reject(Object.assign(new Error('I/O error'), { code: 'EIO' }));
    await expect(ask).rejects.toMatchObject({ name: 'DiskFlushFailed' });
    await expect(insert(commit, 2, true)).rejects.toMatchObject({ name: 'DiskFlushFailed' });
  });
});

describe('group commit: work that needs no savepoint', () => {
  it('keeps the rest of the turn when one whole statement fails, and none of that statement', async () => {
    const dir = fs.mkdtempSync(join(tmpdir(), 'whole-'));
    const db = openDatabase(dir);
    try {
      db.exec('CREATE TABLE n (v INTEGER NOT NULL) STRICT');
      const commit = new GroupCommit(db);
      const insert = db.prepare('INSERT INTO n (v) VALUES (?)');
      const settled = await Promise.allSettled([
        commit.run(() => insert.run(1).changes, true),
        commit.run(() => insert.run('not a number').changes, true),
        commit.run(() => insert.run(3).changes, true),
      ]);
      expect(settled.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect(db.prepare('SELECT v FROM n ORDER BY v').pluck().all()).toEqual([1, 3]);
    } finally {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the real disk flush', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(join(tmpdir(), 'disk-flush-'))));
  afterEach(() => {
    jest.restoreAllMocks();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('runs SQLite with synchronous=NORMAL and answers a write only after fdatasync of the WAL file has returned', async () => {
    const db = openDatabase(dir);
    const store = new SqliteStore(db);
    const flushed: string[] = [];
    const fdatasync = fs.fdatasync.bind(fs);
    jest.spyOn(fs, 'fdatasync').mockImplementation((fd: number, callback: fs.NoParamCallback) =>
      fdatasync(fd, (error) => {
        flushed.push(fs.readlinkSync(`/proc/self/fd/${fd}`));
        callback(error);
      }),
    );
    try {
      const heard: number[] = [];
      await store.put('k', 'v').then(() => heard.push(flushed.length));
      await new SqliteAuditLog(db).record({ actor: { name: 'Ana', userId: '29:ana' }, action: 'block', outcome: 'done', api: 'simulator' }).then(() => heard.push(flushed.length));

      expect(heard).toEqual([1, 2]);
      expect(flushed).toEqual([join(dir, 'defender-block-bot.sqlite-wal'), join(dir, 'defender-block-bot.sqlite-wal')]);
      expect(db.pragma('synchronous', { simple: true })).toBe(1);
    } finally {
      store.close();
    }
  });

  it('flushes on the closing thread what is still waiting when the store closes', async () => {
    const store = SqliteStore.open(dir);
    const syncs = jest.spyOn(fs, 'fdatasyncSync');
    const written = store.put('k', 'v');
    store.close();
    expect((await written).ok).toBe(true);
    expect(syncs).toHaveBeenCalledTimes(1);
    const reopened = SqliteStore.open(dir);
    try {
      expect((await reopened.get('k'))?.value).toBe('v');
    } finally {
      reopened.close();
    }
  });
});
