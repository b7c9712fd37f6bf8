import { randomUUID } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import type { ListOptions, OnceStore, Store, Versioned, WriteResult } from '../domain/ports';
import { prefixUpperBound } from './prefix-range';
import { expiry, toJson } from './store-values';
import { groupCommitOf, WHOLE, type GroupCommit } from './group-commit';
import { openDatabase, type SqliteDatabase } from './sqlite-database';

/** How a SqliteStore tells the time and how often it deletes expired rows. */
export interface SqliteStoreOptions {
  readonly now?: () => Date;
  /** Least time between sweeps of expired rows, which run on writes. */
  readonly sweepIntervalMs?: number;
}

type PutCondition = Parameters<Store['put']>[2];
type Row = { readonly key: string; readonly value: string; readonly etag: string };

const CONFLICT: WriteResult = { ok: false, reason: 'conflict' };
const DEFAULT_SWEEP_INTERVAL_MS = 60_000;
const LIVE = '(expires_at IS NULL OR expires_at > @now)';

/** Store and OnceStore on one SQLite database; expired rows are invisible at once and deleted later. */
export class SqliteStore implements Store, OnceStore {
  private readonly now: () => Date;
  private readonly sweepIntervalMs: number;
  private lastSweep = Number.NEGATIVE_INFINITY;
  private readonly sql: ReturnType<typeof statements>;
  private readonly commits: GroupCommit;
  /** Claims made here, with their soft mark, until a flush took them. */
  private readonly claimsOnTheirWay = new Map<string, number>();

  constructor(
    private readonly db: SqliteDatabase,
    options: SqliteStoreOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.sweepIntervalMs = options.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS;
    this.sql = statements(db);
    this.commits = groupCommitOf(db);
  }

  /** Opens `<dataDir>/defender-block-bot.sqlite` (or ':memory:') and a store that owns the connection. */
  static open(dataDir: string, options?: SqliteStoreOptions): SqliteStore {
    return new SqliteStore(openDatabase(dataDir), options);
  }

  get<T>(key: string): Promise<Versioned<T> | undefined> {
    return this.commits.run(() => {
      const row = this.sql.get.get({ key, now: this.nowMs() }) as Row | undefined;
      return row && { value: JSON.parse(row.value) as T, etag: row.etag };
    }, WHOLE);
  }

  put<T>(key: string, value: T, condition: PutCondition = {}): Promise<WriteResult> {
    return this.commits.run((): WriteResult => {
      const json = toJson(value);
      const now = this.nowMs();
      const expiresAt = expiry(now, condition.ttlMs);
      this.sweep(now);
      const params = { key, value: json, etag: randomUUID(), expiresAt, now };
      const statement = this.putStatement(condition);
      if (!statement) return CONFLICT;
      const changed = statement.run({ ...params, ifMatch: condition.ifMatch ?? null }).changes === 1;
      return changed ? { ok: true, etag: params.etag } : CONFLICT;
    }, WHOLE);
  }

  /** Without `ifMatch`, deleting an absent key succeeds; the etag returned is the removed version's, or ''. */
  delete(key: string, condition: { readonly ifMatch?: string } = {}): Promise<WriteResult> {
    return this.commits.run((): WriteResult => {
      const now = this.nowMs();
      this.sweep(now);
      if (condition.ifMatch === undefined) {
        const removed = this.sql.remove.get({ key, now }) as { etag: string | null } | undefined;
        return { ok: true, etag: removed?.etag ?? '' };
      }
      const removed = this.sql.removeIfMatch.get({ key, now, ifMatch: condition.ifMatch }) as { etag: string } | undefined;
      return removed ? { ok: true, etag: removed.etag } : CONFLICT;
    }, WHOLE);
  }

  /** One range scan of the primary key: `[prefix, min(prefix's upper bound, before))`. */
  list<T>(prefix: string, options: ListOptions = {}): Promise<Array<Versioned<T> & { readonly key: string }>> {
    return this.commits.run(() => {
      const now = this.nowMs();
      const upper = lowerOf(prefixUpperBound(prefix), options.before);
      const rows = (upper === undefined ? this.sql.listFrom.all({ lower: prefix, now }) : this.sql.listRange.all({ lower: prefix, upper, now })) as Row[];
      return rows.map((row) => ({ key: row.key, value: JSON.parse(row.value) as T, etag: row.etag }));
    }, WHOLE);
  }

  /**
   * True only for the first claim of `key` until `ttlMs` has passed; claims never show in get or list.
   * Told once committed: the claim reaches the disk with the next flush, which any later write or
   * read acknowledged on this database waits for (or `durable(key)`).
   */
  async claim(key: string, ttlMs: number): Promise<boolean> {
    const first = await this.commits.runSoft(() => {
      const now = this.nowMs();
      const expiresAt = expiry(now, ttlMs);
      this.sweep(now);
      return this.sql.claim.run({ key, expiresAt, now }).changes === 1;
    }, WHOLE);
    this.forgetClaimsOnDisk();
    if (first) this.claimsOnTheirWay.set(key, this.commits.softMark);
    return first;
  }

  /** Waits for the claim of `key` only (a claim made here and maybe not on disk yet); any other key is on disk already. */
  durable(key: string): Promise<void> {
    const mark = this.claimsOnTheirWay.get(key);
    return this.commits.durableUpTo(mark ?? 0);
  }

  /** Claims are remembered in the order they were made, so those on disk are the oldest. */
  private forgetClaimsOnDisk(): void {
    const onDisk = this.commits.softOnDiskMark;
    for (const [key, mark] of this.claimsOnTheirWay) {
      if (mark > onDisk) break;
      this.claimsOnTheirWay.delete(key);
    }
  }

  /** Closes the connection, which any SqliteAuditLog sharing it also loses. */
  close(): void {
    this.commits.close();
    this.db.close();
  }

  /** The one statement that performs this write atomically; undefined when the condition can never hold. */
  private putStatement(condition: NonNullable<PutCondition>): Statement | undefined {
    const ifMatch = condition.ifMatch !== undefined;
    const ifNoneMatch = condition.ifNoneMatch === '*';
    if (ifMatch && ifNoneMatch) return undefined;
    if (ifMatch) return this.sql.replaceIfMatch;
    if (ifNoneMatch) return this.sql.insertIfAbsent;
    return this.sql.upsert;
  }

  private nowMs(): number {
    return this.now().getTime();
  }

  private sweep(now: number): void {
    if (now - this.lastSweep < this.sweepIntervalMs) return;
    this.lastSweep = now;
    this.sql.sweep(now);
  }
}

/** The lower of two exclusive upper bounds (undefined = none), in SQLite's BINARY order. */
function lowerOf(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')) <= 0 ? a : b;
}

function statements(db: SqliteDatabase) {
  const sweepKv = db.prepare('DELETE FROM kv WHERE expires_at <= ?');
  const sweepOnce = db.prepare('DELETE FROM once WHERE expires_at <= ?');
  return {
    get: db.prepare(`SELECT value, etag FROM kv WHERE key = @key AND ${LIVE}`),
    upsert: db.prepare(
      `INSERT INTO kv (key, value, etag, expires_at) VALUES (@key, @value, @etag, @expiresAt)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, etag = excluded.etag, expires_at = excluded.expires_at`,
    ),
    insertIfAbsent: db.prepare(
      `INSERT INTO kv (key, value, etag, expires_at) VALUES (@key, @value, @etag, @expiresAt)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, etag = excluded.etag, expires_at = excluded.expires_at
       WHERE kv.expires_at IS NOT NULL AND kv.expires_at <= @now`,
    ),
    replaceIfMatch: db.prepare(`UPDATE kv SET value = @value, etag = @etag, expires_at = @expiresAt WHERE key = @key AND etag = @ifMatch AND ${LIVE}`),
    remove: db.prepare(`DELETE FROM kv WHERE key = @key RETURNING CASE WHEN ${LIVE} THEN etag END AS etag`),
    removeIfMatch: db.prepare(`DELETE FROM kv WHERE key = @key AND etag = @ifMatch AND ${LIVE} RETURNING etag`),
    listRange: db.prepare(`SELECT key, value, etag FROM kv WHERE key >= @lower AND key < @upper AND ${LIVE} ORDER BY key`),
    listFrom: db.prepare(`SELECT key, value, etag FROM kv WHERE key >= @lower AND ${LIVE} ORDER BY key`),
    claim: db.prepare(
      `INSERT INTO once (key, expires_at) VALUES (@key, @expiresAt)
       ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at WHERE once.expires_at <= @now`,
    ),
    sweep: db.transaction((now: number) => {
      sweepKv.run(now);
      sweepOnce.run(now);
    }),
  };
}
