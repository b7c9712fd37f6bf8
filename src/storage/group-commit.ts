import type { SqliteDatabase } from './sqlite-database';

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** How long a write waits for another connection's transaction before it fails. */
const LOCK_WAIT_MS = 5000;

const commits = new WeakMap<SqliteDatabase, GroupCommit>();

/** The group commit of a connection (one per connection, shared by the store and the audit log on it). */
export function groupCommitOf(db: SqliteDatabase): GroupCommit {
  let commit = commits.get(db);
  if (!commit) {
    commit = new GroupCommit(db);
    commits.set(db, commit);
  }
  return commit;
}

/**
 * Group commit on one SQLite connection: every statement run in one turn of the event loop joins
 * one transaction, committed (and, with synchronous=FULL, flushed to disk) once for all of them.
 * No caller hears of its write, or of a read that saw it, before that commit is on disk, so the
 * bot never says "done" about something a crash could lose; a failed commit fails every caller.
 * The write lock is taken without blocking the event loop: while another connection holds it,
 * the statement is tried again on the next turn.
 */
export class GroupCommit {
  private waiters: Waiter[] = [];
  private readonly begin;
  private readonly commit;
  private readonly rollback;

  constructor(private readonly db: SqliteDatabase) {
    this.begin = db.prepare('BEGIN IMMEDIATE');
    this.commit = db.prepare('COMMIT');
    this.rollback = db.prepare('ROLLBACK');
  }

  /** Runs `work` inside the turn's transaction; settles once that transaction is committed. */
  run<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => this.attempt(work, resolve, reject, Date.now()));
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
    try {
      this.commit.run();
    } catch (error) {
      if (this.db.inTransaction) this.rollback.run();
      for (const waiter of waiters) waiter.reject(error);
      return;
    }
    for (const waiter of waiters) waiter.resolve();
  }

  private attempt<T>(work: () => T, resolve: (value: T) => void, reject: (error: unknown) => void, started: number): void {
    if (!this.db.open) {
      reject(new TypeError('The database connection is not open'));
      return;
    }
    if (!this.db.inTransaction) {
      try {
        this.begin.run();
      } catch (error) {
        if (isBusy(error) && Date.now() - started < LOCK_WAIT_MS) setImmediate(() => this.attempt(work, resolve, reject, started));
        else reject(error);
        return;
      }
      setImmediate(() => this.flush());
    }
    let result: T;
    try {
      // Each piece of work is its own savepoint: a failing one leaves none of its writes in the turn's commit.
      result = this.db.transaction(work)();
    } catch (error) {
      if (!this.db.inTransaction) this.fail(error);
      reject(error);
      return;
    }
    this.waiters.push({ resolve: () => resolve(result), reject });
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
