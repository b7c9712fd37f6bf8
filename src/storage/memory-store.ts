import { randomUUID } from 'node:crypto';
import type { ListOptions, OnceStore, Store, Versioned, WriteResult } from '../domain/ports';
import { expiry, toJson } from './store-values';

/** How a MemoryStore tells the time, and whose entries it shares. */
export interface MemoryStoreOptions {
  readonly now?: () => Date;
  /** Share this store's entries, as two bot instances over one storage do. */
  readonly sharing?: MemoryStore;
}

type PutCondition = Parameters<Store['put']>[2];

interface Entry {
  /** The value as JSON, so that nobody holding the caller's object can change what is stored. */
  readonly json: string;
  readonly etag: string;
  /** Epoch ms; null = never. */
  readonly expiresAt: number | null;
}

interface Entries {
  readonly values: Map<string, Entry>;
  /** Key → epoch ms the claim expires. */
  readonly claims: Map<string, number>;
  lastSweep: number;
}

const CONFLICT: WriteResult = { ok: false, reason: 'conflict' };
const SWEEP_INTERVAL_MS = 60_000;

/** Store and OnceStore in process memory with SqliteStore's semantics; nothing survives the process. */
export class MemoryStore implements Store, OnceStore {
  private readonly now: () => Date;
  private readonly entries: Entries;

  constructor(options: MemoryStoreOptions = {}) {
    this.now = options.now ?? (() => new Date());
    this.entries = options.sharing?.entries ?? { values: new Map(), claims: new Map(), lastSweep: Number.NEGATIVE_INFINITY };
  }

  async get<T>(key: string): Promise<Versioned<T> | undefined> {
    const entry = this.live(key, this.nowMs());
    return entry && { value: JSON.parse(entry.json) as T, etag: entry.etag };
  }

  async put<T>(key: string, value: T, condition: PutCondition = {}): Promise<WriteResult> {
    const now = this.nowMs();
    const next: Entry = { json: toJson(value), etag: randomUUID(), expiresAt: expiry(now, condition.ttlMs) };
    this.sweep(now);
    const current = this.live(key, now);
    const ifMatch = condition.ifMatch !== undefined;
    const ifNoneMatch = condition.ifNoneMatch === '*';
    if (ifMatch && ifNoneMatch) return CONFLICT;
    if (ifMatch && current?.etag !== condition.ifMatch) return CONFLICT;
    if (ifNoneMatch && current) return CONFLICT;
    this.entries.values.set(key, next);
    return { ok: true, etag: next.etag };
  }

  /** Without `ifMatch`, deleting an absent key succeeds; the etag returned is the removed version's, or ''. */
  async delete(key: string, condition: { readonly ifMatch?: string } = {}): Promise<WriteResult> {
    const now = this.nowMs();
    this.sweep(now);
    const current = this.live(key, now);
    if (condition.ifMatch !== undefined && current?.etag !== condition.ifMatch) return CONFLICT;
    this.entries.values.delete(key);
    return { ok: true, etag: current?.etag ?? '' };
  }

  /** Live values whose key starts with `prefix` (and sorts before `before`), in code-point order of their keys. */
  async list<T>(prefix: string, options: ListOptions = {}): Promise<Array<Versioned<T> & { readonly key: string }>> {
    const now = this.nowMs();
    const found: Array<Versioned<T> & { readonly key: string }> = [];
    const before = options.before;
    for (const [key, entry] of this.entries.values) {
      if (before !== undefined && compareCodePoints(key, before) >= 0) continue;
      if (key.startsWith(prefix) && isLive(entry, now)) found.push({ key, value: JSON.parse(entry.json) as T, etag: entry.etag });
    }
    return found.sort((a, b) => compareCodePoints(a.key, b.key));
  }

  /** True only for the first claim of `key` until `ttlMs` has passed; claims never show in get or list. */
  async claim(key: string, ttlMs: number): Promise<boolean> {
    const now = this.nowMs();
    const expiresAt = expiry(now, ttlMs) as number;
    this.sweep(now);
    const held = this.entries.claims.get(key);
    if (held !== undefined && held > now) return false;
    this.entries.claims.set(key, expiresAt);
    return true;
  }

  /** Claims here are as durable as they will ever be once made. */
  async durable(_key: string): Promise<void> {}

  private live(key: string, now: number): Entry | undefined {
    const entry = this.entries.values.get(key);
    return entry && isLive(entry, now) ? entry : undefined;
  }

  private nowMs(): number {
    return this.now().getTime();
  }

  /** Forgets expired values and claims, at most once per interval, so a long-lived store does not grow. */
  private sweep(now: number): void {
    if (now - this.entries.lastSweep < SWEEP_INTERVAL_MS) return;
    this.entries.lastSweep = now;
    for (const [key, entry] of this.entries.values) if (!isLive(entry, now)) this.entries.values.delete(key);
    for (const [key, expiresAt] of this.entries.claims) if (expiresAt <= now) this.entries.claims.delete(key);
  }
}

function isLive(entry: Entry, now: number): boolean {
  return entry.expiresAt === null || entry.expiresAt > now;
}

/** Orders strings by code point (as SQLite's BINARY order over UTF-8 does), not by UTF-16 unit. */
function compareCodePoints(a: string, b: string): number {
  const left = a[Symbol.iterator]();
  const right = b[Symbol.iterator]();
  for (;;) {
    const x = left.next();
    const y = right.next();
    if (x.done || y.done) return x.done && y.done ? 0 : x.done ? -1 : 1;
    const diff = (x.value.codePointAt(0) as number) - (y.value.codePointAt(0) as number);
    if (diff !== 0) return diff;
  }
}
