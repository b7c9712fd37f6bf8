import { randomUUID } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import type { AuditEntry, AuditLog } from '../domain/ports';
import { auditEntry, checkLimit, isoTime } from './audit-entry';
import { groupCommitOf, WHOLE, type GroupCommit } from './group-commit';
import type { SqliteDatabase } from './sqlite-database';

/** How a SqliteAuditLog tells the time. */
export interface SqliteAuditLogOptions {
  readonly now?: () => Date;
}

type RecentQuery = Parameters<AuditLog['recent']>[0];
type AllQuery = Parameters<AuditLog['all']>[0];
type Filter = 'tenant' | 'hash' | 'since';

/** The append-only audit trail in the `audit` table; entries are never updated or deleted. */
export class SqliteAuditLog implements AuditLog {
  private readonly now: () => Date;
  private readonly insert: Statement;
  private readonly queries = new Map<string, Statement>();
  private readonly commits: GroupCommit;

  constructor(
    private readonly db: SqliteDatabase,
    options: SqliteAuditLogOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.insert = db.prepare('INSERT INTO audit (id, at, tenant_id, hash, entry) VALUES (@id, @at, @tenantId, @hash, @entry)');
    this.commits = groupCommitOf(db);
  }

  record(entry: Omit<AuditEntry, 'id' | 'at'>): Promise<AuditEntry> {
    const json = JSON.stringify(auditEntry(randomUUID(), this.now().toISOString(), entry));
    const stored = JSON.parse(json) as AuditEntry;
    return this.commits.run(() => {
      this.insert.run({ id: stored.id, at: stored.at, tenantId: stored.tenantId ?? null, hash: stored.hash?.toLowerCase() ?? null, entry: json });
      return stored;
    }, WHOLE);
  }

  /** Newest first; `hash` matches in any letter case. */
  async recent(query: RecentQuery): Promise<AuditEntry[]> {
    checkLimit(query.limit);
    const filters = present({ tenant: query.tenantId, hash: query.hash?.toLowerCase() });
    return this.commits.run(() => this.select(filters, 'DESC', query.limit), WHOLE);
  }

  /** Oldest first; `since` (any ISO time) is inclusive. */
  async all(query: AllQuery): Promise<AuditEntry[]> {
    const since = query.since === undefined ? undefined : isoTime(query.since);
    return this.commits.run(() => this.select(present({ tenant: query.tenantId, since }), 'ASC'), WHOLE);
  }

  private select(filters: Partial<Record<Filter, string>>, order: 'ASC' | 'DESC', limit?: number): AuditEntry[] {
    const names = (Object.keys(filters) as Filter[]).sort();
    const shape = `${names.join(',')}|${order}|${limit === undefined ? '' : 'limit'}`;
    let statement = this.queries.get(shape);
    if (!statement) {
      const where = names.map((name) => CONDITIONS[name]).join(' AND ');
      statement = this.db.prepare(`SELECT entry FROM audit ${where ? `WHERE ${where}` : ''} ORDER BY at ${order}, seq ${order}${limit === undefined ? '' : ' LIMIT @limit'}`);
      this.queries.set(shape, statement);
    }
    const rows = statement.all({ ...filters, limit }) as Array<{ entry: string }>;
    return rows.map((row) => JSON.parse(row.entry) as AuditEntry);
  }
}

const CONDITIONS: Record<Filter, string> = { tenant: 'tenant_id = @tenant', hash: 'hash = @hash', since: 'at >= @since' };

function present<K extends string>(values: Record<K, string | undefined>): Partial<Record<K, string>> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<Record<K, string>>;
}
