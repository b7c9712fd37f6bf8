import { isUnchangedSince, liftedStatus } from './file-action';
import { BLOCKING_ACTIONS, type BlockOptions } from '../domain/block-options';
import type { FileHash, HashType } from '../domain/file-hash';
import type { BulkItemResult } from '../domain/file-report';
import type { FileStatus } from '../domain/file-status';
import type { BlockFileRequest, BlockMade, DefenderApi, LiftableBlock, TokenSource, UnblockFileRequest } from '../domain/ports';
import { importOneByOne, MAX_BATCH } from './batch';
import type { FileDetails } from './file-details';
import { requireHashType } from './hash-support';
import { SimulatedFileCatalog } from './simulated-file-details';

interface Entry {
  readonly status: FileStatus;
  readonly options?: BlockOptions;
}

/**
 * Defender in memory for local mode: the legacy files API's block semantics with the indicators'
 * options, requestor = the caller. Like an indicator, each block has an id, kept while it is
 * replaced in force and new once it was lifted or expired.
 */
export class SimulatedDefender implements DefenderApi {
  readonly kind = 'simulator' as const;
  readonly hashTypes: readonly HashType[] = ['Sha1', 'Sha256', 'Md5'];
  readonly supportsOptions = true;
  readonly maxBatch = MAX_BATCH;
  private readonly entries = new Map<string, Entry>();
  private nextId = 1;

  constructor(
    private readonly now: () => Date = () => new Date(),
    private readonly files: SimulatedFileCatalog = new SimulatedFileCatalog(),
  ) {}

  async block(request: BlockFileRequest, _token: TokenSource): Promise<FileStatus> {
    requireHashType(request.hash, this.hashTypes, this.kind);
    const at = this.now().toISOString();
    const previous = this.current(request.hash.value);
    const action = request.options?.action ?? 'Block';
    const status: FileStatus = {
      fileIdentifier: request.hash.value,
      fileIdentifierType: request.hash.type,
      actionType: action,
      fileStatus: BLOCKING_ACTIONS.includes(action) ? 'Blocked' : action,
      creationDateTimeUtc: previous?.status.creationDateTimeUtc ?? at,
      requestor: request.caller.name,
      requestorComment: request.comment,
      lastUpdateDateTimeUtc: at,
      confirmed: true,
      source: this.kind,
      indicatorId: previous?.status.indicatorId ?? `sim-${this.nextId++}`,
      expirationTime: request.options?.expiresAt,
    };
    this.entries.set(request.hash.value, { status, options: request.options });
    return status;
  }

  /** Lifts a current block (not an 'Allowed' entry); the original block's requestor and time are kept. */
  async unblock(request: UnblockFileRequest, _token: TokenSource): Promise<FileStatus | undefined> {
    requireHashType(request.hash, this.hashTypes, this.kind);
    const previous = this.current(request.hash.value);
    if (!previous || previous.options?.action === 'Allowed') return undefined;
    return this.lift(previous, request);
  }

  /** The current entry unless it is an 'Allowed' one; local mode has only the bot's own entries. */
  async liftable(hash: FileHash, _token: TokenSource): Promise<LiftableBlock[]> {
    const entry = this.current(hash.value);
    if (!entry || entry.options?.action === 'Allowed') return [];
    const { status } = entry;
    return [
      { id: status.indicatorId, action: status.actionType, createdBy: status.requestor, createdAt: status.creationDateTimeUtc, comment: status.requestorComment, foreign: false },
    ];
  }

  /** Lifts the entry only while it is the one `made` created (same id, not replaced since); Allowed entries included. */
  async liftBlock(made: BlockMade, request: UnblockFileRequest, _token: TokenSource): Promise<FileStatus | undefined> {
    requireHashType(request.hash, this.hashTypes, this.kind);
    const entry = this.current(request.hash.value);
    if (!entry || made.indicatorId === undefined || entry.status.indicatorId !== made.indicatorId) return undefined;
    if (!isUnchangedSince(entry.status.lastUpdateDateTimeUtc, made)) return undefined;
    return this.lift(entry, request);
  }

  async currentBlock(hash: FileHash, _token: TokenSource): Promise<FileStatus | undefined> {
    return this.current(hash.value)?.status;
  }

  async fileDetails(hash: FileHash, _token: TokenSource): Promise<FileDetails> {
    return this.files.details(hash);
  }

  async importBlocks(requests: readonly BlockFileRequest[], token: TokenSource): Promise<BulkItemResult[]> {
    return importOneByOne(requests, (request) => this.block(request, token));
  }

  /** Files currently blocked, like the legacy files API's `GET /fileactions`. */
  blocked(): FileStatus[] {
    return [...this.entries.keys()].flatMap((hash) => {
      const status = this.current(hash)?.status;
      return status?.fileStatus === 'Blocked' ? [status] : [];
    });
  }

  /** The options the current block of `hash` was set with, if any. */
  optionsOf(hash: string): BlockOptions | undefined {
    return this.current(hash.toLowerCase())?.options;
  }

  private lift(entry: Entry, request: UnblockFileRequest): FileStatus {
    const status = liftedStatus(entry.status, request, this.now().toISOString());
    this.entries.set(request.hash.value, { status });
    return status;
  }

  /** The entry still in force: neither unblocked nor expired. */
  private current(hash: string): Entry | undefined {
    const entry = this.entries.get(hash);
    if (!entry || entry.status.fileStatus === 'Unblocked') return undefined;
    const expires = entry.status.expirationTime ? Date.parse(entry.status.expirationTime) : NaN;
    return !Number.isNaN(expires) && expires <= this.now().getTime() ? undefined : entry;
  }
}
