import { randomUUID } from 'node:crypto';
import type { BlobRequestConditions, ContainerClient, Metadata } from '@azure/storage-blob';
import type { ListOptions, OnceStore, Store, Versioned, WriteResult } from '../domain/ports';
import { connectContainer, DEFAULT_BLOB_TIMEOUT_MS, downloadedText, mapLimit, within, type BlobConnectOptions } from './blob-container';
import { isBlobConflict, isBlobNotFound, unless } from './blob-errors';
import { blobName, compareKeys, decodeKey, encodeKey } from './blob-names';
import { expiry, toJson } from './store-values';

/** How a BlobStore tells the time and how often it deletes expired blobs. */
export interface BlobStoreOptions extends BlobConnectOptions {
  readonly now?: () => Date;
  /** Least time between sweeps of expired blobs, which run on writes; Infinity turns them off. */
  readonly sweepIntervalMs?: number;
}

type PutCondition = NonNullable<Parameters<Store['put']>[2]>;
type Current = { readonly etag: string; readonly metadata?: Metadata };

const VALUES = 'kv/';
const CLAIMS = 'once/';
/** Metadata entry holding the expiry time in ms since the epoch; absent = never expires. */
const EXPIRES_AT = 'expiresat';
/** Metadata entry naming the write that produced this version. */
const WRITE_ID = 'writeid';
const CONFLICT: WriteResult = { ok: false, reason: 'conflict' };
const DEFAULT_SWEEP_INTERVAL_MS = 60_000;
const PARALLEL_READS = 8;

/**
 * Store and OnceStore over one blob container, shared safely by several instances: one JSON blob
 * per key under `kv/`, claims under `once/`, the blob's ETag as the etag, conditions enforced by
 * Azure Storage. Expired blobs are invisible at once and deleted by later sweeps.
 */
export class BlobStore implements Store, OnceStore {
  private readonly now: () => Date;
  private readonly sweepIntervalMs: number;
  private readonly timeoutMs: number;
  private lastSweep = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly container: ContainerClient,
    options: BlobStoreOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.sweepIntervalMs = options.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_BLOB_TIMEOUT_MS;
  }

  /** A store on `container` (created if missing) in the account of `connectionString`. */
  static async connect(connectionString: string, container: string, options?: BlobStoreOptions): Promise<BlobStore> {
    return new BlobStore(await connectContainer(connectionString, container, options), options);
  }

  async get<T>(key: string): Promise<Versioned<T> | undefined> {
    return this.read<T>(blobName(VALUES, key), this.nowMs());
  }

  async put<T>(key: string, value: T, condition: PutCondition = {}): Promise<WriteResult> {
    const now = this.nowMs();
    const name = blobName(VALUES, key);
    const body = toJson(value);
    const metadata = expiryMetadata(expiry(now, condition.ttlMs));
    if (condition.ifMatch !== undefined && condition.ifNoneMatch === '*') return CONFLICT;
    await this.sweep(now);
    if (condition.ifNoneMatch === '*') return this.create(name, body, metadata, now);
    if (condition.ifMatch !== undefined) {
      const current = await this.current(name, condition.ifMatch);
      if (!current || isExpired(current.metadata, now)) return CONFLICT;
      return this.upload(name, body, metadata, { ifMatch: condition.ifMatch });
    }
    return this.upload(name, body, metadata, {});
  }

  /** Without `ifMatch`, deleting an absent key succeeds; the etag returned is the removed version's, or ''. */
  async delete(key: string, condition: { readonly ifMatch?: string } = {}): Promise<WriteResult> {
    const now = this.nowMs();
    const name = blobName(VALUES, key);
    await this.sweep(now);
    if (condition.ifMatch !== undefined) {
      const current = await this.current(name, condition.ifMatch);
      if (!current || isExpired(current.metadata, now)) return CONFLICT;
      return (await this.remove(name, condition.ifMatch)) ? { ok: true, etag: condition.ifMatch } : CONFLICT;
    }
    const current = await this.current(name);
    if (!current) return { ok: true, etag: '' };
    if (await this.remove(name, current.etag)) return { ok: true, etag: isExpired(current.metadata, now) ? '' : current.etag };
    // A writer got in between: remove whatever is there now, whose etag we never saw.
    await unless(this.container.deleteBlob(name, this.limit()), isBlobNotFound);
    return { ok: true, etag: '' };
  }

  /**
   * Lists the prefix (one request per 5,000 blobs) and downloads each live match; ordered by key.
   * With `before`, the listing stops at the first name past it when that is exact (see `stopsAt`).
   */
  async list<T>(prefix: string, options: ListOptions = {}): Promise<Array<Versioned<T> & { readonly key: string }>> {
    const now = this.nowMs();
    const names: string[] = [];
    const { before } = options;
    const stop = before === undefined ? undefined : stopsAt(prefix, before);
    for await (const item of this.container.listBlobsFlat({ prefix: VALUES + encodeKey(prefix), includeMetadata: true, ...this.limit() })) {
      if (stop !== undefined && item.name >= stop) break;
      if (before !== undefined && compareKeys(decodeKey(item.name.slice(VALUES.length)), before) >= 0) continue;
      if (!isExpired(item.metadata, now)) names.push(item.name);
    }
    const entries = await mapLimit(names, PARALLEL_READS, async (name) => {
      const read = await this.read<T>(name, now);
      return read && { key: decodeKey(name.slice(VALUES.length)), ...read };
    });
    return entries.filter((entry) => entry !== undefined).sort((a, b) => compareKeys(a.key, b.key));
  }

  /** True only for the first claim of `key` until `ttlMs` has passed; claims never show in get or list. */
  async claim(key: string, ttlMs: number): Promise<boolean> {
    const now = this.nowMs();
    const name = blobName(CLAIMS, key);
    const metadata = expiryMetadata(expiry(now, ttlMs));
    await this.sweep(now);
    return (await this.create(name, '', metadata, now)).ok;
  }

  /** A claim is stored by the time `claim` settles. */
  async durable(_key: string): Promise<void> {}

  /** The blob's value and ETag; undefined when it is absent or expired. The body is always read, so the connection is freed. */
  private async read<T>(name: string, now: number): Promise<Versioned<T> | undefined> {
    const download = await unless(this.container.getBlobClient(name).download(0, undefined, this.limit()), isBlobNotFound);
    if (!download) return undefined;
    const text = await downloadedText(download);
    if (download.etag === undefined || isExpired(download.metadata, now)) return undefined;
    return { value: JSON.parse(text) as T, etag: download.etag };
  }

  /**
   * Creates the blob if absent, or replaces it if expired. The replacement is conditional on the
   * expired version's ETag, so of several writers racing over one expired blob exactly one wins.
   */
  private async create(name: string, body: string, metadata: Metadata, now: number): Promise<WriteResult> {
    const created = await this.upload(name, body, metadata, { ifNoneMatch: '*' });
    if (created.ok) return created;
    const current = await this.current(name);
    if (!current) return this.upload(name, body, metadata, { ifNoneMatch: '*' });
    if (!isExpired(current.metadata, now)) return CONFLICT;
    return this.upload(name, body, metadata, { ifMatch: current.etag });
  }

  /**
   * One conditional upload. Each carries a fresh write id in metadata: when the SDK retried a write
   * whose first answer was lost, the retry meets our own blob and fails its condition, and the id
   * shows the write did happen.
   */
  private async upload(name: string, body: string, metadata: Metadata, conditions: BlobRequestConditions): Promise<WriteResult> {
    const content = Buffer.from(body, 'utf8');
    const writeId = randomUUID();
    try {
      const response = await this.container.getBlockBlobClient(name).upload(content, content.length, {
        ...this.limit(),
        conditions,
        metadata: { ...metadata, [WRITE_ID]: writeId },
        blobHTTPHeaders: { blobContentType: 'application/json' },
      });
      return { ok: true, etag: response.etag as string };
    } catch (error) {
      if (!isBlobConflict(error)) throw error;
      const current = await this.current(name);
      return current?.metadata?.[WRITE_ID] === writeId ? { ok: true, etag: current.etag } : CONFLICT;
    }
  }

  /** The blob's ETag and metadata; undefined when it is absent or (with `ifMatch`) another version. */
  private async current(name: string, ifMatch?: string): Promise<Current | undefined> {
    const conditions = ifMatch === undefined ? {} : { ifMatch };
    const properties = await unless(this.container.getBlobClient(name).getProperties({ conditions, ...this.limit() }), (error) => isBlobNotFound(error) || isBlobConflict(error));
    return properties?.etag === undefined ? undefined : { etag: properties.etag, metadata: properties.metadata };
  }

  /** Deletes exactly that version; false when the blob is gone or another version. */
  private async remove(name: string, ifMatch: string): Promise<boolean> {
    const deleted = await unless(
      this.container.deleteBlob(name, { conditions: { ifMatch }, ...this.limit() }).then(() => true),
      (error) => isBlobNotFound(error) || isBlobConflict(error),
    );
    return deleted === true;
  }

  private nowMs(): number {
    return this.now().getTime();
  }

  /** A fresh time limit for one storage operation. */
  private limit(): { readonly abortSignal: AbortSignal } {
    return within(this.timeoutMs);
  }

  /** Deletes expired values and claims, each only in the version seen expired. */
  private async sweep(now: number): Promise<void> {
    if (now - this.lastSweep < this.sweepIntervalMs) return;
    this.lastSweep = now;
    const expired: Array<{ readonly name: string; readonly etag: string }> = [];
    for (const namespace of [VALUES, CLAIMS]) {
      for await (const item of this.container.listBlobsFlat({ prefix: namespace, includeMetadata: true, ...this.limit() })) {
        if (isExpired(item.metadata, now)) expired.push({ name: item.name, etag: item.properties.etag });
      }
    }
    await mapLimit(expired, PARALLEL_READS, (blob) => this.remove(blob.name, blob.etag));
  }
}

/** Characters encodeKey keeps as they are and that sort above '%', which starts every escape. */
const PLAIN = /^[0-9A-Za-z_~-]*$/;

/**
 * The blob name at which a listing of `prefix` may stop for `before`: listings come in encoded-name
 * order, which is key order only among names that agree up to plain characters. When `before` is
 * `prefix` plus plain characters (an index key's fixed-width time), every name at or past its
 * encoding holds a key at or past it. Otherwise undefined: the whole prefix is listed and filtered.
 */
function stopsAt(prefix: string, before: string): string | undefined {
  if (!before.startsWith(prefix) || !PLAIN.test(before.slice(prefix.length))) return undefined;
  return blobName(VALUES, before);
}

function expiryMetadata(expiresAt: number | null): Metadata {
  return expiresAt === null ? {} : { [EXPIRES_AT]: String(expiresAt) };
}

function isExpired(metadata: Metadata | undefined, now: number): boolean {
  const expiresAt = metadata?.[EXPIRES_AT];
  return expiresAt !== undefined && Number(expiresAt) <= now;
}
