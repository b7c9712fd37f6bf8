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

  it('fails every caller of a flush that fails', async () => {
    const { durability, pending } = manualFlushes();
    const commit = new GroupCommit(db, durability);
    const writes = [tracked(insert(commit, 1)), tracked(insert(commit, 2))];
    await turns();
    pending[0].reject(Object.assign(new Error('I/O error'), { code: 'EIO' }));
    await turns();
    expect(writes.map((write) => [write.settled, (write.error as { code?: string })?.code])).toEqual([
      ['failed', 'EIO'],
      ['failed', 'EIO'],
    ]);
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

describe('the real disk flush', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(join(tmpdir(), 'disk-flush-'))));
  afterEach(() => {
    jest.restoreAllMocks();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('runs SQLite with synchronous=NORMAL and answers a write only after fdatasync of the WAL file has returned', async () => {
    const store = SqliteStore.open(dir);
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
      await new SqliteAuditLog((store as unknown as { db: SqliteDatabase }).db)
        .record({ actor: { name: 'Ana', userId: '29:ana' }, action: 'block', outcome: 'done', api: 'simulator' })
        .then(() => heard.push(flushed.length));

      expect(heard).toEqual([1, 2]);
      expect(flushed).toEqual([join(dir, 'defender-block-bot.sqlite-wal'), join(dir, 'defender-block-bot.sqlite-wal')]);
      expect(openDatabase(dir).pragma('synchronous', { simple: true })).toBe(1);
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

describe('an early claim', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(join(tmpdir(), 'early-claim-'))));
  afterEach(() => {
    jest.restoreAllMocks();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers before the claim is committed, goes to disk with the turn’s first writes, and refuses the same key meanwhile', async () => {
    const store = SqliteStore.open(dir);
    const reader = openDatabase(dir);
    const claims = () => (reader.prepare('SELECT count(*) AS n FROM once').get() as { n: number }).n;
    const syncs = jest.spyOn(fs, 'fdatasync');
    try {
      const claim = await store.claimEarly('activity:1', 60_000);
      const again = await store.claimEarly('activity:1', 60_000);
      expect([claim.first, again.first, claims()]).toEqual([true, false, 0]);

      const onDisk = tracked(claim.onDisk);
      const put = await claim.within(() => store.put('undo:1', { hash: 'ab' }));
      expect([put.ok, onDisk.settled, claims(), syncs.mock.calls.length]).toEqual([true, 'ok', 1, 1]);
    } finally {
      reader.close();
      store.close();
    }
  });

  it('fails its turn’s storage work when the claim never got to disk, even work committed later', async () => {
    const db = openDatabase(dir);
    // A deferred foreign key fails the claim's commit; the turn's own write goes to the next, good commit.
    db.exec('CREATE TABLE parent (id INTEGER PRIMARY KEY); CREATE TABLE child (parent INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)');
    db.pragma('foreign_keys = ON');
    const store = new SqliteStore(db);
    try {
      const claim = await store.claimEarly('activity:1', 60_000);
      const breaking = db.prepare('INSERT INTO child (parent) VALUES (1)');
      breaking.run();
      await expect(claim.onDisk).rejects.toMatchObject({ code: 'SQLITE_CONSTRAINT_FOREIGNKEY' });
      await expect(claim.within(() => store.put('undo:1', { hash: 'ab' }))).rejects.toMatchObject({ code: 'SQLITE_CONSTRAINT_FOREIGNKEY' });
      expect(await store.claim('activity:1', 60_000)).toBe(true);
    } finally {
      store.close();
    }
  });
});
