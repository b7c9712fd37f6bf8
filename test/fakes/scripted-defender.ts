import type { FileHash, HashType } from '../../src/domain/file-hash';
import type { BulkItemResult, FileInfo, FileStats } from '../../src/domain/file-report';
import type { DefenderSource, FileStatus } from '../../src/domain/file-status';
import type { BlockFileRequest, BlockMade, DefenderApi, LiftableBlock, TokenSource, UnblockFileRequest } from '../../src/domain/ports';

type FileDetails = { readonly info?: FileInfo; readonly stats?: FileStats };

/** What each DefenderApi method answers. */
interface Answers {
  block: FileStatus;
  unblock: FileStatus | undefined;
  liftable: LiftableBlock[];
  liftBlock: FileStatus | undefined;
  currentBlock: FileStatus | undefined;
  fileDetails: FileDetails;
  importBlocks: BulkItemResult[];
}

/** A DefenderApi method a script can answer. */
export type DefenderMethod = keyof Answers;

/** One scripted answer: a value to return, or an Error (e.g. a DefenderError) to throw. */
export type Scripted<M extends DefenderMethod> = Answers[M] | Error;

/** One call as Defender received it, with the token the caller's TokenSource produced. */
export type DefenderCall =
  | { readonly method: 'block'; readonly request: BlockFileRequest; readonly token: string }
  | { readonly method: 'unblock'; readonly request: UnblockFileRequest; readonly token: string; readonly listed?: readonly LiftableBlock[] }
  | { readonly method: 'liftable'; readonly hash: FileHash; readonly token: string }
  | { readonly method: 'liftBlock'; readonly made: BlockMade; readonly request: UnblockFileRequest; readonly token: string }
  | { readonly method: 'currentBlock'; readonly hash: FileHash; readonly token: string }
  | { readonly method: 'fileDetails'; readonly hash: FileHash; readonly token: string }
  | { readonly method: 'importBlocks'; readonly requests: readonly BlockFileRequest[]; readonly token: string };

/** What a ScriptedDefender claims to be. */
export interface ScriptedDefenderOptions {
  readonly kind?: DefenderSource;
  readonly hashTypes?: readonly HashType[];
  readonly supportsOptions?: boolean;
  readonly maxBatch?: number;
  /** The time its default answers carry. */
  readonly at?: string;
}

/**
 * A DefenderApi for unit tests: each method answers from its own queue of scripted values or
 * errors, then with a default (block: Blocked; unblock and liftBlock: Unblocked; liftable: one
 * Block of the bot's own; no current block; a file never seen; every import accepted). It asks the TokenSource for a token on every call and
 * records the call with that token; a call whose token could not be had is not recorded, as it
 * never reached Defender. It checks nothing itself (hash types included), so `calls` shows what
 * the caller let through.
 */
export class ScriptedDefender implements DefenderApi {
  readonly kind: DefenderSource;
  readonly hashTypes: readonly HashType[];
  readonly supportsOptions: boolean;
  readonly maxBatch: number;
  /** Every call received, in order. */
  readonly calls: DefenderCall[] = [];
  private readonly at: string;
  private readonly queues: { [M in DefenderMethod]: Array<Scripted<M>> } = {
    block: [],
    unblock: [],
    liftable: [],
    liftBlock: [],
    currentBlock: [],
    fileDetails: [],
    importBlocks: [],
  };

  constructor(options: ScriptedDefenderOptions = {}) {
    this.kind = options.kind ?? 'indicators';
    this.hashTypes = options.hashTypes ?? (this.kind === 'files' ? ['Sha1'] : ['Sha1', 'Sha256', 'Md5']);
    this.supportsOptions = options.supportsOptions ?? this.kind !== 'files';
    this.maxBatch = options.maxBatch ?? 500;
    this.at = options.at ?? '2025-03-01T12:00:00.000Z';
  }

  /** Queues answers for `method`, used one per call, in order, before its default. */
  script<M extends DefenderMethod>(method: M, ...answers: Array<Scripted<M>>): this {
    (this.queues[method] as Array<Scripted<M>>).push(...answers);
    return this;
  }

  /** How many scripted answers for `method` no call has used yet. */
  unused(method: DefenderMethod): number {
    return this.queues[method].length;
  }

  /** The calls of one method, in order. */
  callsOf<M extends DefenderMethod>(method: M): Array<Extract<DefenderCall, { method: M }>> {
    return this.calls.filter((call): call is Extract<DefenderCall, { method: M }> => call.method === method);
  }

  /** Which method got which token, in order: the short form for "whose token reached Defender". */
  tokens(): Array<[DefenderMethod, string]> {
    return this.calls.map((call) => [call.method, call.token]);
  }

  async block(request: BlockFileRequest, token: TokenSource): Promise<FileStatus> {
    this.calls.push({ method: 'block', request, token: await token() });
    return this.answer('block', () => ({
      fileIdentifier: request.hash.value,
      fileIdentifierType: request.hash.type,
      actionType: request.options?.action ?? 'Block',
      fileStatus: 'Blocked',
      creationDateTimeUtc: this.at,
      requestor: request.caller.name,
      requestorComment: request.comment,
      lastUpdateDateTimeUtc: this.at,
      confirmed: true,
      source: this.kind,
    }));
  }

  async unblock(request: UnblockFileRequest, token: TokenSource, listed?: readonly LiftableBlock[]): Promise<FileStatus | undefined> {
    this.calls.push({ method: 'unblock', request, token: await token(), ...(listed ? { listed: [...listed] } : {}) });
    return this.answer('unblock', () => this.unblocked(request));
  }

  async liftable(hash: FileHash, token: TokenSource): Promise<LiftableBlock[]> {
    this.calls.push({ method: 'liftable', hash, token: await token() });
    return this.answer('liftable', () => [{ action: 'Block', foreign: false }]);
  }

  async liftBlock(made: BlockMade, request: UnblockFileRequest, token: TokenSource): Promise<FileStatus | undefined> {
    this.calls.push({ method: 'liftBlock', made, request, token: await token() });
    return this.answer('liftBlock', () => ({ ...this.unblocked(request), ...(made.indicatorId ? { indicatorId: made.indicatorId } : {}) }));
  }

  async currentBlock(hash: FileHash, token: TokenSource): Promise<FileStatus | undefined> {
    this.calls.push({ method: 'currentBlock', hash, token: await token() });
    return this.answer('currentBlock', () => undefined);
  }

  async fileDetails(hash: FileHash, token: TokenSource): Promise<FileDetails> {
    this.calls.push({ method: 'fileDetails', hash, token: await token() });
    return this.answer('fileDetails', () => ({}));
  }

  async importBlocks(requests: readonly BlockFileRequest[], token: TokenSource): Promise<BulkItemResult[]> {
    this.calls.push({ method: 'importBlocks', requests: [...requests], token: await token() });
    return this.answer('importBlocks', () => requests.map((r) => ({ hash: r.hash, ok: true })));
  }

  private unblocked(request: UnblockFileRequest): FileStatus {
    return {
      fileIdentifier: request.hash.value,
      fileIdentifierType: request.hash.type,
      actionType: 'UnBlock',
      fileStatus: 'Unblocked',
      cancellationDateTimeUtc: this.at,
      cancellationRequestor: request.caller.name,
      cancellationComment: request.comment,
      lastUpdateDateTimeUtc: this.at,
      confirmed: true,
      source: this.kind,
    };
  }

  private answer<M extends DefenderMethod>(method: M, fallback: () => Answers[M]): Answers[M] {
    const queue = this.queues[method] as Array<Scripted<M>>;
    if (queue.length === 0) return fallback();
    const next = queue.shift() as Scripted<M>;
    if (next instanceof Error) throw next;
    return next;
  }
}
