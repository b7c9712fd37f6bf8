import { randomUUID } from 'node:crypto';
import type { AuditEntry, AuditLog } from '../domain/ports';
import { auditEntry, checkLimit, isoTime } from './audit-entry';

/** How a MemoryAuditLog tells the time, and whose trail it shares. */
export interface MemoryAuditLogOptions {
  readonly now?: () => Date;
  /** Share this log's trail, as two bot instances over one storage do. */
  readonly sharing?: MemoryAuditLog;
}

type RecentQuery = Parameters<AuditLog['recent']>[0];
type AllQuery = Parameters<AuditLog['all']>[0];

interface Row {
  readonly at: string;
  readonly tenantId?: string;
  /** Lower case, for matching in any letter case. */
  readonly hash?: string;
  /** The entry as JSON, so that neither the recorder nor a reader can change the trail. */
  readonly json: string;
}

/** The append-only audit trail in process memory with SqliteAuditLog's semantics; nothing survives the process. */
export class MemoryAuditLog implements AuditLog {
  private readonly now: () => Date;
  /** In order of recording. */
  private readonly rows: Row[];

  constructor(options: MemoryAuditLogOptions = {}) {
    this.now = options.now ?? (() => new Date());
    this.rows = options.sharing?.rows ?? [];
  }

  async record(entry: Omit<AuditEntry, 'id' | 'at'>): Promise<AuditEntry> {
    const json = JSON.stringify(auditEntry(randomUUID(), this.now().toISOString(), entry));
    const stored = JSON.parse(json) as AuditEntry;
    this.rows.push({ at: stored.at, tenantId: stored.tenantId, hash: stored.hash?.toLowerCase(), json });
    return stored;
  }

  /** Newest first; `hash` matches in any letter case. */
  async recent(query: RecentQuery): Promise<AuditEntry[]> {
    checkLimit(query.limit);
    const hash = query.hash?.toLowerCase();
    const matching = this.inTimeOrder().filter((row) => tenantMatches(row, query.tenantId) && (hash === undefined || row.hash === hash));
    return matching.reverse().slice(0, query.limit).map(read);
  }

  /** Oldest first; `since` (any ISO time) is inclusive. */
  async all(query: AllQuery): Promise<AuditEntry[]> {
    const since = query.since === undefined ? undefined : isoTime(query.since);
    return this.inTimeOrder()
      .filter((row) => tenantMatches(row, query.tenantId) && (since === undefined || row.at >= since))
      .map(read);
  }

  /** Oldest first; entries of the same time in order of recording (the sort is stable). */
  private inTimeOrder(): Row[] {
    return [...this.rows].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  }
}

function tenantMatches(row: Row, tenantId: string | undefined): boolean {
  return tenantId === undefined || row.tenantId === tenantId;
}

function read(row: Row): AuditEntry {
  return JSON.parse(row.json) as AuditEntry;
}
