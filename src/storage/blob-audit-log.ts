import { randomUUID } from 'node:crypto';
import type { BlobItem, ContainerClient, Metadata } from '@azure/storage-blob';
import type { AuditEntry, AuditLog } from '../domain/ports';
import { auditEntry, checkLimit, isoTime } from './audit-entry';
import { connectContainer, DEFAULT_BLOB_TIMEOUT_MS, downloadedText, mapLimit, within, type BlobConnectOptions } from './blob-container';
import { isBlobConflict, isBlobNotFound, unless } from './blob-errors';

/** How a BlobAuditLog tells the time. */
export interface BlobAuditLogOptions extends BlobConnectOptions {
  readonly now?: () => Date;
}

type RecentQuery = Parameters<AuditLog['recent']>[0];
type AllQuery = Parameters<AuditLog['all']>[0];

const PREFIX = 'audit/';
/** One empty blob per entry with a hash, `audit-hash/<lower-case hash>/<the entry's name after audit/>`: newest first per hash. */
const BY_HASH = 'audit-hash/';
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
 * An entry with a hash also gets an index blob under `audit-hash/<hash>/` (written alongside it),
 * so a lookup by hash lists only that hash's entries. Cost: `recent` without a hash and `all` list
 * names newest first, 5,000 per request, and download only the matches; `all` for one tenant
 * lists the whole trail (exports only). Entries recorded before the index existed are not found by hash.
 */
export class BlobAuditLog implements AuditLog {
  private readonly now: () => Date;
  private readonly timeoutMs: number;
  private sequence = 0;

  constructor(
    private readonly container: ContainerClient,
    options: BlobAuditLogOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.timeoutMs = options.timeoutMs ?? DEFAULT_BLOB_TIMEOUT_MS;
  }

  /** An audit log on `container` (created if missing) in the account of `connectionString`. */
  static async connect(connectionString: string, container: string, options?: BlobAuditLogOptions): Promise<BlobAuditLog> {
    return new BlobAuditLog(await connectContainer(connectionString, container, options), options);
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
    const name = entryName(at.getTime(), this.sequence++, stored.id);
    const metadata = entryMetadata(stored);
    const options = { conditions: { ifNoneMatch: '*' }, metadata, blobHTTPHeaders: { blobContentType: 'application/json' }, ...within(this.timeoutMs) };
    const writes = [unless(this.container.getBlockBlobClient(name).upload(content, content.length, options), isBlobConflict)];
    if (stored.hash !== undefined) {
      const index = this.container.getBlockBlobClient(hashIndexName(stored.hash, name));
      writes.push(unless(index.upload('', 0, { conditions: { ifNoneMatch: '*' }, metadata, ...within(this.timeoutMs) }), isBlobConflict));
    }
    await Promise.all(writes);
    return stored;
  }

  /** Newest first; `hash` matches in any letter case. */
  async recent(query: RecentQuery): Promise<AuditEntry[]> {
    checkLimit(query.limit);
    if (query.limit === 0) return [];
    const wanted = { tenant: query.tenantId, hash: query.hash?.toLowerCase() };
    if (wanted.hash !== undefined) return this.recentOf(wanted.hash, wanted.tenant, query.limit);
    const names: string[] = [];
    for await (const item of this.newestFirst(within(this.timeoutMs))) {
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
    for await (const item of this.newestFirst({})) {
      if (since !== undefined && timeOf(item.name) < since) break;
      if (matches(item, { tenant: query.tenantId })) names.push(item.name);
    }
    return (await this.read(names)).reverse();
  }

  /** The newest entries of one hash from its index (an index blob whose entry was never written is skipped). */
  private async recentOf(hash: string, tenant: string | undefined, limit: number): Promise<AuditEntry[]> {
    const prefix = hashIndexName(hash, '');
    const names: string[] = [];
    for await (const item of this.container.listBlobsFlat({ prefix, includeMetadata: true, ...within(this.timeoutMs) })) {
      const name = PREFIX + item.name.slice(prefix.length);
      if (!NAME.test(name) || !matches(item, { tenant })) continue;
      names.push(name);
      if (names.length === limit) break;
    }
    const entries = await mapLimit(names, PARALLEL_READS, async (name) => {
      const download = await unless(this.container.getBlobClient(name).download(0, undefined, within(this.timeoutMs)), isBlobNotFound);
      return download && (JSON.parse(await downloadedText(download)) as AuditEntry);
    });
    return entries.filter((entry) => entry !== undefined);
  }

  /** Every entry blob with its metadata, newest first; blobs not named like entries are skipped. An export (`all`) lists without a time limit. */
  private async *newestFirst(limit: { readonly abortSignal?: AbortSignal }): AsyncGenerator<BlobItem> {
    for await (const item of this.container.listBlobsFlat({ prefix: PREFIX, includeMetadata: true, ...limit })) {
      if (NAME.test(item.name)) yield item;
    }
  }

  private read(names: readonly string[]): Promise<AuditEntry[]> {
    return mapLimit(
      names,
      PARALLEL_READS,
      async (name) => JSON.parse(await downloadedText(await this.container.getBlobClient(name).download(0, undefined, within(this.timeoutMs)))) as AuditEntry,
    );
  }
}

/** Inverted time, then an inverted per-instance sequence so same-millisecond entries list newest first too. */
function entryName(time: number, sequence: number, id: string): string {
  if (!Number.isInteger(time) || time < 0 || time > LAST_TIME) throw new RangeError(`Audit time out of range: ${time}`);
  const invertedTime = String(LAST_TIME - time).padStart(TIME_DIGITS, '0');
  const invertedSequence = String(LAST_SEQ - (sequence % (LAST_SEQ + 1))).padStart(SEQ_DIGITS, '0');
  return `${PREFIX}${invertedTime}-${invertedSequence}-${id}.json`;
}

/** The index blob of entry `name` (`audit/…`, or '' for the hash's whole prefix) under its lower-case hash. */
function hashIndexName(hash: string, name: string): string {
  return `${BY_HASH}${encodeURIComponent(hash.toLowerCase())}/${name.slice(PREFIX.length)}`;
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
