import type { AuditAction } from './action-names';
import type { Caller } from './caller';
import type { BlockOptions } from './block-options';
import type { FileHash, HashType } from './file-hash';
import type { BulkItemResult, FileInfo, FileStats } from './file-report';
import type { FileStatus } from './file-status';
import type { RoleTemplateId } from './roles';

/** Produces a bearer token for one upstream, on behalf of one caller. */
export type TokenSource = () => Promise<string>;

/** The caller's directory roles, or why they could not be read (callers must fail closed). */
export type RoleLookup = { readonly ok: true; readonly roles: ReadonlySet<RoleTemplateId> } | { readonly ok: false; readonly detail: string };

/** Tokens for upstream APIs on behalf of one signed-in analyst; failures throw TokenError. */
export interface Delegation {
  readonly graph: TokenSource;
  readonly defender: TokenSource;
}

/** Who a user token belongs to, as its claims say (checked against the Teams caller before any use). */
export interface TokenIdentity {
  readonly oid?: string;
  readonly tid?: string;
  readonly upn?: string;
  readonly name?: string;
}

/** Turns a signed-in analyst's token into a Delegation (on-behalf-of). */
export interface Delegations {
  forUser(userAssertion: string): Delegation;
  /** The identity the token names; undefined when it is not a readable token. */
  identityOf(userAssertion: string): TokenIdentity | undefined;
}

/** Answers "which directory roles does this caller hold right now?". */
export interface RoleDirectory {
  rolesOf(caller: Caller, delegation: Delegation): Promise<RoleLookup>;
}

/** A request to block one file. */
export interface BlockFileRequest {
  readonly hash: FileHash;
  readonly comment: string;
  readonly caller: Caller;
  /** Who asked for it when `caller` is the approver of someone else's request (four eyes). */
  readonly requestedBy?: { readonly name: string; readonly upn?: string };
  /** Indicators API options; undefined = the API's plain block. */
  readonly options?: BlockOptions;
}

/** A request to lift a block. */
export interface UnblockFileRequest {
  readonly hash: FileHash;
  readonly comment: string;
  readonly caller: Caller;
}

/** What one block created in Defender: enough for its Undo to lift exactly that block and nothing else. */
export interface BlockMade {
  /** The indicator id Defender returned (Indicators API and the simulator). */
  readonly indicatorId?: string;
  /** The indicator's last update as Defender answered the block: a later update (same id, someone else's values) is not this block. */
  readonly updatedAt?: string;
  /** The legacy files API's FileAction as Defender answered it: its creation time (absent when Defender described nothing) and requestor. */
  readonly createdAt?: string;
  readonly requestor?: string;
  /** The comment the block was sent with. */
  readonly comment: string;
}

/** One block (or other file indicator) an unblock would lift, and who set it. */
export interface LiftableBlock {
  /** Indicators API: the indicator id; the files API has one block per file and no id. */
  readonly id?: string;
  readonly action: string;
  readonly createdBy?: string;
  readonly createdAt?: string;
  readonly title?: string;
  readonly comment?: string;
  /** True when the bot can tell that someone or something else created it (another application, the portal). */
  readonly foreign: boolean;
}

/** Defender for Endpoint, whichever API drives it; failures throw DefenderError. */
export interface DefenderApi {
  readonly kind: FileStatus['source'];
  /** Hash types this API can block and unblock (the files API: SHA-1 only). */
  readonly hashTypes: readonly HashType[];
  /** Whether block options (action, expiry, severity, device groups) are honoured. */
  readonly supportsOptions: boolean;
  block(request: BlockFileRequest, token: TokenSource): Promise<FileStatus>;
  /**
   * Lifts the block; the answer carries the cancellation trail. Undefined when nothing was blocked.
   * `listed`: what `liftable` showed and the caller agreed to lift; on the Indicators API only those
   * indicators are deleted (omitted: whatever `liftable` lists now).
   */
  unblock(request: UnblockFileRequest, token: TokenSource, listed?: readonly LiftableBlock[]): Promise<FileStatus | undefined>;
  /** What `unblock` would lift for this hash, newest first ('Allowed' indicators are not blocks and are left out). */
  liftable(hash: FileHash, token: TokenSource): Promise<LiftableBlock[]>;
  /** Lifts only the block `made` describes; undefined when that block is no longer in force (nothing is changed). */
  liftBlock(made: BlockMade, request: UnblockFileRequest, token: TokenSource): Promise<FileStatus | undefined>;
  /** The block currently in force for this hash (FileAction or indicator), if any. */
  currentBlock(hash: FileHash, token: TokenSource): Promise<FileStatus | undefined>;
  /**
   * The indicators in force for many hashes at once, by hash value (absent: none), in as few lookups as the API
   * allows (Indicators API: one filtered GET per `lookupBatch` hashes). Absent on APIs that cannot.
   */
  existingBlocks?(hashes: readonly FileHash[], token: TokenSource): Promise<ReadonlyMap<string, FileStatus>>;
  /** What Defender knows of the file; a file Defender never saw gives empty parts, not an error. */
  fileDetails(hash: FileHash, token: TokenSource): Promise<{ readonly info?: FileInfo; readonly stats?: FileStats }>;
  /** Blocks many files; at most `maxBatch` per call. Per-item failures are results, not errors. */
  importBlocks(requests: readonly BlockFileRequest[], token: TokenSource): Promise<BulkItemResult[]>;
  readonly maxBatch: number;
}

/**
 * Remembers keys for a while; `claim` is true only for the first claim of a key. A claim may reach
 * the disk only with the next write acknowledged on the same storage (local storage spares it a
 * disk flush of its own): whatever the claimer does on its strength starts with such a write, or
 * waits for `durable(key)`.
 */
export interface OnceStore {
  claim(key: string, ttlMs: number): Promise<boolean>;
  /** Settles once the claim of `key` is on disk (at once for a key whose claim already is, or was never made here). */
  durable(key: string): Promise<void>;
}

/** A stored value with the tag of its version, for optimistic concurrency. */
export interface Versioned<T> {
  readonly value: T;
  readonly etag: string;
}

/** The result of a conditional write. */
export type WriteResult = { readonly ok: true; readonly etag: string } | { readonly ok: false; readonly reason: 'conflict' };

/** How much of a prefix a Store lists. */
export interface ListOptions {
  /** Only keys that sort (by code point) before this one. */
  readonly before?: string;
}

/** Durable key-value state with eTags; survives a restart. */
export interface Store {
  get<T>(key: string): Promise<Versioned<T> | undefined>;
  /** `ifMatch`: only over that version; `ifNoneMatch: '*'`: only if absent; `ttlMs`: forgotten after that long. */
  put<T>(key: string, value: T, condition?: { readonly ifMatch?: string; readonly ifNoneMatch?: '*'; readonly ttlMs?: number }): Promise<WriteResult>;
  delete(key: string, condition?: { readonly ifMatch?: string }): Promise<WriteResult>;
  /**
   * Values whose key starts with `prefix`, in key order; with `before`, only keys that sort before
   * it, so a time-ordered index (`open/…/<due time>/…`) read up to now yields only what is due.
   */
  list<T>(prefix: string, options?: ListOptions): Promise<Array<Versioned<T> & { readonly key: string }>>;
}

/** How an audited action ended; `requested`: the intent, written before Defender is called; `unknown`: sent, but Defender's answer was lost. */
export type AuditOutcome = 'done' | 'denied' | 'failed' | 'not-found' | 'cancelled' | 'requested' | 'unknown';

/** One line of the audit trail: who did what to which file, when, why, and how it ended. */
export interface AuditEntry {
  readonly id: string;
  /** ISO time. */
  readonly at: string;
  readonly tenantId?: string;
  readonly actor: { readonly aadObjectId?: string; readonly name: string; readonly userId: string };
  readonly action: AuditAction;
  readonly outcome: AuditOutcome;
  readonly hash?: string;
  readonly hashType?: HashType;
  readonly comment?: string;
  readonly options?: BlockOptions;
  readonly api: FileStatus['source'];
  /** Why it was denied or failed, or what it found. */
  readonly detail?: string;
  /** Defender's correlation id (`error.target`) or indicator id. */
  readonly correlationId?: string;
  /** Bulk: how many hashes. */
  readonly count?: number;
}

/** The durable audit trail. */
export interface AuditLog {
  /** Stores the entry (id and time are assigned here) and returns it. */
  record(entry: Omit<AuditEntry, 'id' | 'at'>): Promise<AuditEntry>;
  /** Newest first. */
  recent(query: { readonly tenantId?: string; readonly hash?: string; readonly limit: number }): Promise<AuditEntry[]>;
  /** Everything matching, oldest first (exports). */
  all(query: { readonly tenantId?: string; readonly since?: string }): Promise<AuditEntry[]>;
}

/** Structured logging, correlation id included by the caller. */
export interface Logger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
  debug(fields: Record<string, unknown>, message: string): void;
}
