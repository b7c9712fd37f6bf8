import type { SqliteDatabase } from './sqlite-database';
import { walDurability, type Durability } from './wal-sync';

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** What a caller hears of its work: `ran` as soon as the work ran (runEarly), `done` once it is on disk. */
interface Outcome<T> {
  readonly ran?: (value: T) => void;
  readonly done: (value: T) => void;
  readonly fail: (error: unknown) => void;
}

/** How long a write waits for another connection's transaction before it fails. */
const LOCK_WAIT_MS = 5000;

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
 * event loop. While a flush is under way the next transaction stays open and gathers every turn's
 * work until it is done, so under load one commit and one flush serve many turns. No caller hears of its write, or of a read that saw it, before that
 * commit is on disk, so the bot never says "done" about something a crash could lose; a failed
 * commit or flush fails every caller. The write lock is taken without blocking the event loop:
 * while another connection holds it, the statement is tried again on the next turn.
 */
export class GroupCommit {
  private waiters: Waiter[] = [];
  /** Committed, waiting for the next disk flush to start. */
  private committed: Waiter[] = [];
  /** Committed, with their disk flush under way. */
  private syncing: Waiter[] | undefined;
  /** The open transaction is to be committed when the disk flush under way is done. */
  private commitWhenSynced = false;
  private changesAtBegin = 0;
  /** Turns still running whose early claim never reached the disk; while any does, nothing is acknowledged. */
  private lostClaims = 0;
  private lostClaimError: unknown;
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

  /** Runs `work` inside the turn's transaction; settles once that transaction is committed and on disk. */
  run<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => this.attempt(work, { done: resolve, fail: reject }, Date.now()));
  }

  /**
   * Runs `work` inside the turn's transaction and hands over its result at once; `onDisk` settles
   * as run's promise would. Used for a turn's claim, with `after`.
   */
  runEarly<T>(work: () => T): Promise<{ readonly value: T; readonly onDisk: Promise<void> }> {
    return new Promise((resolve, reject) => {
      let settle: Pick<Outcome<T>, 'done' | 'fail'> = { done: () => undefined, fail: () => undefined };
      const onDisk = new Promise<void>((done, fail) => (settle = { done: () => done(), fail }));
      // The caller handles a failure through onDisk; until then it must not count as unhandled.
      onDisk.catch(() => undefined);
      this.attempt(work, { ran: (value) => resolve({ value, onDisk }), done: (value) => settle.done(value), fail: (error) => (settle.fail(error), reject(error)) }, Date.now());
    });
  }

  /**
   * Runs `turn`, admitted on a claim that is still on its way to disk. Should that claim never get
   * there, the connection acknowledges no work at all (any turn's: they cannot be told apart)
   * until every such turn has ended, so a turn whose claim was lost can change nothing.
   */
  async after<T>(onDisk: Promise<void>, turn: () => Promise<T>): Promise<T> {
    let running = true;
    let lost = false;
    onDisk.catch((error: unknown) => {
      if (!running) return;
      lost = true;
      this.lostClaims += 1;
      this.lostClaimError = error;
    });
    try {
      return await turn();
    } finally {
      running = false;
      if (lost) this.lostClaims -= 1;
    }
  }

  /** Commits what is open now (the turn's end, or before the connection closes). */
  flush(): void {
    const waiters = this.waiters;
    this.waiters = [];
    if (waiters.length === 0 && !this.db.inTransaction) return;
    if (!this.db.open || !this.db.inTransaction) {
      for (const waiter of waiters) waiter.reject(new Error('The transaction was lost before it was committed'));
      return;
    }
    let wrote: boolean;
    try {
      wrote = (this.totalChanges.get() as number) !== this.changesAtBegin;
      this.commit.run();
    } catch (error) {
      if (this.db.inTransaction) this.rollback.run();
      for (const waiter of waiters) waiter.reject(error);
      return;
    }
    // A turn that only read, while no commit waits for its disk flush, saw only what is on disk.
    if (!this.durability || (!wrote && !this.syncing && this.committed.length === 0)) {
      for (const waiter of waiters) waiter.resolve();
      return;
    }
    this.committed.push(...waiters);
    this.startSync();
  }

  /** Commits what is open and flushes every commit to disk on this thread (before the connection closes). */
  close(): void {
    this.flush();
    const waiters = [...(this.syncing ?? []), ...this.committed];
    this.syncing = undefined;
    this.committed = [];
    try {
      this.durability?.syncNow();
    } catch (error) {
      for (const waiter of waiters) waiter.reject(error);
      this.durability?.close();
      return;
    }
    for (const waiter of waiters) waiter.resolve();
    this.durability?.close();
  }

  /** Flushes the committed batch to disk unless a flush is under way (the batch then waits for the next one). */
  private startSync(): void {
    if (this.syncing || this.committed.length === 0 || !this.durability) return;
    const batch = this.committed;
    this.committed = [];
    this.syncing = batch;
    this.durability.sync().then(
      () => this.synced(batch, (waiter) => waiter.resolve()),
      (error: unknown) => this.synced(batch, (waiter) => waiter.reject(error)),
    );
  }

  private synced(batch: Waiter[], settle: (waiter: Waiter) => void): void {
    if (this.syncing !== batch) return;
    this.syncing = undefined;
    for (const waiter of batch) settle(waiter);
    if (this.commitWhenSynced) {
      this.commitWhenSynced = false;
      this.flush();
    } else this.startSync();
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

  private attempt<T>(work: () => T, outcome: Outcome<T>, started: number): void {
    if (!this.db.open) {
      outcome.fail(new TypeError('The database connection is not open'));
      return;
    }
    if (!this.db.inTransaction) {
      try {
        this.begin.run();
        this.changesAtBegin = this.totalChanges.get() as number;
      } catch (error) {
        if (isBusy(error) && Date.now() - started < LOCK_WAIT_MS) setImmediate(() => this.attempt(work, outcome, started));
        else outcome.fail(error);
        return;
      }
      setImmediate(() => this.commitOrWait());
    }
    let result: T;
    try {
      // Each piece of work is its own savepoint: a failing one leaves none of its writes in the turn's commit.
      result = this.db.transaction(work)();
    } catch (error) {
      if (!this.db.inTransaction) this.fail(error);
      outcome.fail(error);
      return;
    }
    this.waiters.push({ resolve: () => (this.lostClaims > 0 ? outcome.fail(this.lostClaimError) : outcome.done(result)), reject: outcome.fail });
    outcome.ran?.(result);
  }

  private fail(error: unknown): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter.reject(error);
  }
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
}
