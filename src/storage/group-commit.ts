import type { SqliteDatabase } from './sqlite-database';
import { DiskFlushFailed } from '../errors';
import { SoftMarks } from './soft-marks';
import { walDurability, type Durability } from './wal-sync';

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** Since when a piece of work waits for another connection's write lock, and how long it pauses next. */
interface LockTries {
  readonly started: number;
  readonly pauseMs: number;
}

/** How long a write waits for another connection's transaction before it fails. */
const LOCK_WAIT_MS = 5000;
/** The longest pause between two tries of the write lock (they start at 1 ms and double). */
const MAX_LOCK_PAUSE_MS = 50;

/** For `run`: the work is one write statement (SQLite undoes a failing one by itself), so it needs no savepoint. */
export const WHOLE = true;

const commits = new WeakMap<SqliteDatabase, GroupCommit>();

/** The group commit of a connection (one per connection, shared by the store and the audit log on it). */
export function groupCommitOf(db: SqliteDatabase): GroupCommit {
  let commit = commits.get(db);
  if (!commit) {
    commit = new GroupCommit(db, walDurability(db));
    commits.set(db, commit);
  }
  return commit;
}

/**
 * Group commit on one SQLite connection: every statement run in one turn of the event loop joins
 * one transaction, committed once for all of them; the commit is then flushed to disk off the
 * event loop. While a flush is under way the next transaction stays open and gathers every
 * turn's work until it is done, so under load one commit and one flush serve many turns.
 *
 * No caller hears of its write, or of a read that saw it, before that commit is on disk, so the
 * bot never says "done" about something a crash could lose; a failed commit fails every caller
 * of its turn. A failed flush is final: the operating system may have dropped the pages it could
 * not write, and later commits chain onto them in the WAL, so from then on nothing is
 * acknowledged. The write lock is taken without blocking the event loop: while another
 * connection holds it, the statement is tried again after a short pause. The bot writes its
 * database through one connection; a read here that saw another connection's commit does not
 * wait for that connection's flush.
 *
 * A soft write (`runSoft`) is told as soon as it is committed, and asks for no flush of its own:
 * it reaches the disk with the next flush, which every later commit, read or write, waits for;
 * `durableUpTo(its mark)` asks for one when nothing else will. It is for what may be lost with a crash as
 * long as nothing was done on its strength: a re-delivery claim is on disk before the first
 * write the activity makes, and so before anything it does.
 */
export class GroupCommit {
  private waiters: Waiter[] = [];
  /** Soft writes of the open transaction: told at its commit. */
  private softWaiters: Waiter[] = [];
  private readonly softMarks = new SoftMarks();
  /** Committed, waiting for the next disk flush to start. */
  private committed: Waiter[] = [];
  /** Committed, with their disk flush under way. */
  private syncing: Waiter[] | undefined;
  /** The open transaction is to be committed when the disk flush under way is done. */
  private commitWhenSynced = false;
  private changesAtBegin = 0;
  private broken: DiskFlushFailed | undefined;
  /** close() was called: what is committed from now on is flushed there, on the closing thread. */
  private closing = false;
  private readonly begin;
  private readonly commit;
  private readonly rollback;
  private readonly totalChanges;

  /** `durability` absent (an in-memory database): a commit is all there is. */
  constructor(
    private readonly db: SqliteDatabase,
    private readonly durability?: Durability,
  ) {
    this.begin = db.prepare('BEGIN IMMEDIATE');
    this.commit = db.prepare('COMMIT');
    this.rollback = db.prepare('ROLLBACK');
    this.totalChanges = db.prepare('SELECT total_changes()').pluck();
  }

  /**
   * Runs `work` inside the turn's transaction; settles once that transaction is committed and on
   * disk. `work` runs in a savepoint of its own, so that a failing one keeps none of its writes;
   * `whole` says it needs none (one write statement, which SQLite undoes by itself when it fails).
   */
  run<T>(work: () => T, whole = false): Promise<T> {
    return new Promise<T>((resolve, reject) => this.attempt(work, resolve, reject, { started: Date.now(), pauseMs: 1 }, whole, false));
  }

  /** Like `run`, but settles once the transaction is committed: its disk flush is the next one anybody waits for. */
  runSoft<T>(work: () => T, whole = false): Promise<T> {
    return new Promise<T>((resolve, reject) => this.attempt(work, resolve, reject, { started: Date.now(), pauseMs: 1 }, whole, true));
  }

  /** Read when a soft write settles: that write's own mark, for `durableUpTo`. */
  get softMark(): number {
    return this.softMarks.latest;
  }

  /** Every soft write up to this mark is on disk. */
  get softOnDiskMark(): number {
    return this.softMarks.safe;
  }

  /** Settles once the soft writes up to `mark` are on disk: later ones (other turns') are not waited for. */
  durableUpTo(mark: number): Promise<void> {
    if (this.broken) return Promise.reject(this.broken);
    if (!this.durability || this.softMarks.safe >= mark) return Promise.resolve();
    // The flush under way covers them: its end is all there is to wait for.
    const syncing = this.syncing;
    if (syncing && this.softMarks.coveredBy(mark)) return new Promise<void>((resolve, reject) => syncing.push({ resolve, reject }));
    return this.run(() => undefined, WHOLE);
  }

  /** Commits what is open now (the turn's end, or before the connection closes). */
  flush(): void {
    const waiters = this.waiters;
    const soft = this.softWaiters;
    this.waiters = [];
    this.softWaiters = [];
    const everyone = soft.length ? [...waiters, ...soft] : waiters;
    if (everyone.length === 0 && !this.db.inTransaction) return;
    if (!this.db.open || !this.db.inTransaction) {
      for (const waiter of everyone) waiter.reject(new Error('The transaction was lost before it was committed'));
      return;
    }
    if (this.broken) {
      const broken = this.broken;
      this.rollBack();
      for (const waiter of everyone) waiter.reject(broken);
      return;
    }
    let wrote: boolean;
    try {
      wrote = (this.totalChanges.get() as number) !== this.changesAtBegin;
      this.commit.run();
    } catch (error) {
      this.rollBack();
      for (const waiter of everyone) waiter.reject(error);
      return;
    }
    if (wrote) this.durability?.committed();
    for (const waiter of soft) waiter.resolve();
    // Only soft writes: no flush is asked for; the next commit's waits for one that covers them.
    if (wrote && soft.length > 0) this.softMarks.committed();
    if (this.durability && waiters.length === 0) return;
    // A turn that only read, while no commit waits for its disk flush, saw only what is on disk.
    if (!this.durability || (!wrote && !this.syncing && this.committed.length === 0 && !this.softMarks.uncovered)) {
      for (const waiter of waiters) waiter.resolve();
      return;
    }
    this.committed.push(...waiters);
    this.startSync();
  }

  /**
   * Commits what is open and flushes it to disk on this thread (before the connection closes). A
   * flush under way still decides for its batch, and for what was committed after it: the
   * operating system reports a failed write once, perhaps to that flush and not to this one.
   */
  close(): void {
    this.closing = true;
    this.flush();
    const committed = this.committed;
    this.committed = [];
    try {
      if (this.broken) throw this.broken;
      this.durability?.syncNow();
      this.softMarks.flushedAtClose(this.syncing !== undefined);
    } catch (error) {
      for (const waiter of committed) waiter.reject(error);
      this.durability?.close();
      return;
    }
    if (this.syncing) this.syncing.push(...committed);
    else for (const waiter of committed) waiter.resolve();
    this.durability?.close();
  }

  /** Flushes the committed batch to disk unless a flush is under way (the batch then waits for the next one). */
  private startSync(): void {
    if (this.syncing || this.committed.length === 0 || !this.durability || this.closing) return;
    const batch = this.committed;
    this.committed = [];
    this.syncing = batch;
    // An fdatasync started now covers every commit before it, soft ones too.
    this.softMarks.flushStarted();
    this.durability.sync().then(
      () => this.synced(batch),
      (error: unknown) => this.flushFailed(batch, error),
    );
  }

  private synced(batch: Waiter[]): void {
    if (this.syncing !== batch) return;
    this.syncing = undefined;
    this.softMarks.flushDone();
    for (const waiter of batch) waiter.resolve();
    if (this.commitWhenSynced) {
      this.commitWhenSynced = false;
      this.flush();
    } else this.startSync();
  }

  /** A failed flush fails its batch and everything after it, now and from now on. */
  private flushFailed(batch: Waiter[], error: unknown): void {
    if (this.syncing !== batch) return;
    this.syncing = undefined;
    this.broken = new DiskFlushFailed(error);
    const everyone = [...batch, ...this.committed];
    this.committed = [];
    for (const waiter of everyone) waiter.reject(this.broken);
    this.commitWhenSynced = false;
    this.flush();
  }

  /** Rolls the open transaction back; if even that fails, the connection's state is unknown and it is broken. */
  private rollBack(): void {
    try {
      if (this.db.inTransaction) this.rollback.run();
    } catch (error) {
      this.broken ??= new DiskFlushFailed(error);
    }
  }

  /**
   * The turn's end: commits, unless a disk flush is under way; then the transaction stays open and
   * gathers the work of the next turns until that flush is done, and is committed then (one
   * commit and one flush per disk flush's time, however many turns ran meanwhile).
   */
  private commitOrWait(): void {
    if (this.syncing) this.commitWhenSynced = true;
    else this.flush();
  }

  private attempt<T>(work: () => T, resolve: (value: T) => void, reject: (error: unknown) => void, tries: LockTries, whole: boolean, soft: boolean): void {
    if (this.broken) {
      reject(this.broken);
      return;
    }
    if (!this.db.open) {
      reject(new TypeError('The database connection is not open'));
      return;
    }
    if (!this.db.inTransaction) {
      try {
        this.begin.run();
        this.changesAtBegin = this.totalChanges.get() as number;
      } catch (error) {
        if (isBusy(error) && Date.now() - tries.started < LOCK_WAIT_MS) {
          const next = { started: tries.started, pauseMs: Math.min(tries.pauseMs * 2, MAX_LOCK_PAUSE_MS) };
          setTimeout(() => this.attempt(work, resolve, reject, next, whole, soft), tries.pauseMs);
        } else reject(error);
        return;
      }
      setImmediate(() => this.commitOrWait());
    }
    let result: T;
    try {
      // Each piece of work is its own savepoint: a failing one leaves none of its writes in the turn's commit.
      result = whole ? work() : this.db.transaction(work)();
    } catch (error) {
      if (!this.db.inTransaction) this.fail(error);
      reject(error);
      return;
    }
    (soft ? this.softWaiters : this.waiters).push({ resolve: () => resolve(result), reject });
  }

  private fail(error: unknown): void {
    const waiters = [...this.waiters, ...this.softWaiters];
    this.waiters = [];
    this.softWaiters = [];
    for (const waiter of waiters) waiter.reject(error);
  }
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}
