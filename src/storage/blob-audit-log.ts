import { randomUUID } from 'node:crypto';
import type { BlobItem, ContainerClient, Metadata } from '@azure/storage-blob';
import type { AuditEntry, AuditLog } from '../domain/ports';
import { auditEntry, checkLimit, isoTime } from './audit-entry';
import { connectContainer, downloadedText, mapLimit } from './blob-container';
import { isBlobConflict, unless } from './blob-errors';

/** How a BlobAuditLog tells the time. */
export interface BlobAuditLogOptions {
  readonly now?: () => Date;
}

type RecentQuery = Parameters<AuditLog['recent']>[0];
type AllQuery = Parameters<AuditLog['all']>[0];

const PREFIX = 'audit/';
const TIME_DIGITS = 13;
const LAST_TIME = 10 ** TIME_DIGITS - 1;
const SEQ_DIGITS = 10;
const LAST_SEQ = 10 ** SEQ_DIGITS - 1;
const NAME = new RegExp(`^${PREFIX}(\\d{${TIME_DIGITS}})-\\d{${SEQ_DIGITS}}-[0-9a-f-]{36}\\.json$`);
const PARALLEL_READS = 16;

/**
 * The append-only audit trail as one immutable blob per entry, which any number of instances can
 * write at once: `audit/<inverted ms>-<inverted sequence>-<id>.json`, so listing (ascending by name)
 * yields the newest first; tenant and lower-case hash ride in metadata and filter the listing.
 * Cost: queries list names newest first, 5,000 per request, and download only the matches; a
 * filter that matches rarely (an old hash, `all` for one tenant) lists the whole trail.
 */
export class BlobAuditLog implements AuditLog {
  private readonly now: () => Date;
  private sequence = 0;

  constructor(
    private readonly container: ContainerClient,
    options: BlobAuditLogOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
  }

  /** An audit log on `container` (created if missing) in the account of `connectionString`. */
  static async connect(connectionString: string, container: string, options?: BlobAuditLogOptions): Promise<BlobAuditLog> {
    return new BlobAuditLog(await connectContainer(connectionString, container), options);
  }

  /**
   * Writes the entry if-none-match, so an entry once written is never replaced. The name holds the
   * entry's random id, so a conflict can only mean the SDK retried our own write after a lost answer.
   */
  async record(entry: Omit<AuditEntry, 'id' | 'at'>): Promise<AuditEntry> {
    const at = this.now();
    const json = JSON.stringify(auditEntry(randomUUID(), at.toISOString(), entry));
    const stored = JSON.parse(json) as AuditEntry;
    const content = Buffer.from(json, 'utf8');
    const blob = this.container.getBlockBlobClient(entryName(at.getTime(), this.sequence++, stored.id));
    const options = { conditions: { ifNoneMatch: '*' }, metadata: entryMetadata(stored), blobHTTPHeaders: { blobContentType: 'application/json' } };
    await unless(blob.upload(content, content.length, options), isBlobConflict);
    return stored;
  }

  /** Newest first; `hash` matches in any letter case. */
  async recent(query: RecentQuery): Promise<AuditEntry[]> {
    checkLimit(query.limit);
    if (query.limit === 0) return [];
    const wanted = { tenant: query.tenantId, hash: query.hash?.toLowerCase() };
    const names: string[] = [];
    for await (const item of this.newestFirst()) {
      if (!matches(item, wanted)) continue;
      names.push(item.name);
      if (names.length === query.limit) break;
    }
    return this.read(names);
  }

  /** Oldest first; `since` (any ISO time) is inclusive. */
  async all(query: AllQuery): Promise<AuditEntry[]> {
    const since = query.since === undefined ? undefined : Date.parse(isoTime(query.since));
    const names: string[] = [];
    for await (const item of this.newestFirst()) {
      if (since !== undefined && timeOf(item.name) < since) break;
      if (matches(item, { tenant: query.tenantId })) names.push(item.name);
    }
    return (await this.read(names)).reverse();
  }

  /** Every entry blob with its metadata, newest first; blobs not named like entries are skipped. */
  private async *newestFirst(): AsyncGenerator<BlobItem> {
    for await (const item of this.container.listBlobsFlat({ prefix: PREFIX, includeMetadata: true })) {
      if (NAME.test(item.name)) yield item;
    }
  }

  private read(names: readonly string[]): Promise<AuditEntry[]> {
    return mapLimit(names, PARALLEL_READS, async (name) => JSON.parse(await downloadedText(await this.container.getBlobClient(name).download())) as AuditEntry);
  }
}

/** Inverted time, then an inverted per-instance sequence so same-millisecond entries list newest first too. */
function entryName(time: number, sequence: number, id: string): string {
  if (!Number.isInteger(time) || time < 0 || time > LAST_TIME) throw new RangeError(`Audit time out of range: ${time}`);
  const invertedTime = String(LAST_TIME - time).padStart(TIME_DIGITS, '0');
  const invertedSequence = String(LAST_SEQ - (sequence % (LAST_SEQ + 1))).padStart(SEQ_DIGITS, '0');
  return `${PREFIX}${invertedTime}-${invertedSequence}-${id}.json`;
}

function timeOf(name: string): number {
  return LAST_TIME - Number((NAME.exec(name) as RegExpExecArray)[1]);
}

/** Metadata values must be ASCII header text, so both are percent-encoded. */
function entryMetadata(entry: AuditEntry): Metadata {
  const metadata: Metadata = {};
  if (entry.tenantId !== undefined) metadata.tenant = encodeURIComponent(entry.tenantId);
  if (entry.hash !== undefined) metadata.hash = encodeURIComponent(entry.hash.toLowerCase());
  return metadata;
}

function matches(item: BlobItem, wanted: { readonly tenant?: string; readonly hash?: string }): boolean {
  const has = (field: 'tenant' | 'hash', value: string | undefined) => value === undefined || item.metadata?.[field] === encodeURIComponent(value);
  return has('tenant', wanted.tenant) && has('hash', wanted.hash);
}
