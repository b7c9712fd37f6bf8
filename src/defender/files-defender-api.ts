import { acceptedWithoutDetails } from './accepted-without-details';
import type { FileHash, HashType } from '../domain/file-hash';
import type { BulkItemResult } from '../domain/file-report';
import type { FileStatus } from '../domain/file-status';
import type { BlockFileRequest, BlockMade, DefenderApi, LiftableBlock, TokenSource, UnblockFileRequest } from '../domain/ports';
import { importOneByOne, MAX_BATCH } from './batch';
import type { DefenderHttp } from './defender-http';
import { findFileAction, isSameBlock, parseFileAction, withCancellationTrail, liftedStatus } from './file-action';
import { fetchFileDetails, type FileDetails } from './file-details';
import { requireHashType } from './hash-support';
import { readCollection } from './odata';

/** The legacy WDATP files API: block and unblock by SHA-1 with `{"Comment": ...}`, no options, no import. */
export class FilesDefenderApi implements DefenderApi {
  readonly kind = 'files' as const;
  readonly hashTypes: readonly HashType[] = ['Sha1'];
  readonly supportsOptions = false;
  readonly maxBatch = MAX_BATCH;

  constructor(
    private readonly baseUrl: string,
    private readonly http: DefenderHttp,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** `POST {base}/files/{sha1}/block`; options are ignored (the API has none). */
  async block(request: BlockFileRequest, token: TokenSource): Promise<FileStatus> {
    requireHashType(request.hash, this.hashTypes, this.kind);
    const url = `${this.fileUrl(request.hash)}/block`;
    const answer = await this.http.send({ kind: 'block', method: 'POST', url, body: { Comment: request.comment } }, token);
    // The documented 200 with an empty body, or a body the bot cannot read: Defender accepted the block either way.
    if (answer.body === undefined) return acceptedWithoutDetails(request, this.kind, this.now().toISOString());
    try {
      return parseFileAction(answer.body, this.kind);
    } catch {
      return acceptedWithoutDetails(request, this.kind, this.now().toISOString());
    }
  }

  /** Checks `GET /fileactions` first (nothing blocked: undefined), then `POST {base}/files/{sha1}/unblock`; the file has one block, so `listed` changes nothing. */
  async unblock(request: UnblockFileRequest, token: TokenSource): Promise<FileStatus | undefined> {
    requireHashType(request.hash, this.hashTypes, this.kind);
    const blocked = await this.currentBlock(request.hash, token);
    return blocked && this.lift(request, blocked, token);
  }

  /** The one block in force; the files API does not say which tool set it, so none counts as foreign. */
  async liftable(hash: FileHash, token: TokenSource): Promise<LiftableBlock[]> {
    requireHashType(hash, this.hashTypes, this.kind);
    const blocked = await this.currentBlock(hash, token);
    if (!blocked) return [];
    return [{ action: blocked.actionType, createdBy: blocked.requestor, createdAt: blocked.creationDateTimeUtc, comment: blocked.requestorComment, foreign: false }];
  }

  /** Unblocks only while the block in force is the one `made` describes (same creation time and requestor, or same comment). */
  async liftBlock(made: BlockMade, request: UnblockFileRequest, token: TokenSource): Promise<FileStatus | undefined> {
    requireHashType(request.hash, this.hashTypes, this.kind);
    const blocked = await this.currentBlock(request.hash, token);
    return blocked && isSameBlock(blocked, made) ? this.lift(request, blocked, token) : undefined;
  }

  /** The file's FileAction in `GET {base}/fileactions` (files currently blocked), if listed. */
  async currentBlock(hash: FileHash, token: TokenSource): Promise<FileStatus | undefined> {
    const actions = await readCollection(this.http, `${this.baseUrl}/fileactions`, token);
    const found = findFileAction(actions, hash.value);
    return found === undefined ? undefined : parseFileAction(found, this.kind);
  }

  fileDetails(hash: FileHash, token: TokenSource): Promise<FileDetails> {
    return fetchFileDetails(this.http, this.baseUrl, hash, token);
  }

  /** No import endpoint: blocks one by one (see importOneByOne for which errors propagate). */
  importBlocks(requests: readonly BlockFileRequest[], token: TokenSource): Promise<BulkItemResult[]> {
    return importOneByOne(requests, (request) => this.block(request, token));
  }

  private async lift(request: UnblockFileRequest, blocked: FileStatus, token: TokenSource): Promise<FileStatus> {
    const url = `${this.fileUrl(request.hash)}/unblock`;
    const answer = await this.http.send({ kind: 'unblock', method: 'POST', url, body: { Comment: request.comment } }, token);
    const at = this.now().toISOString();
    if (answer.body === undefined) return this.unblockedWithoutDetails(request, blocked, at);
    return withCancellationTrail(parseFileAction(answer.body, this.kind), request, at);
  }

  private fileUrl(hash: FileHash): string {
    return `${this.baseUrl}/files/${encodeURIComponent(hash.value)}`;
  }

  /** A 200 with an empty body to an unblock: the lifted block as listed before, plus the request's trail. */
  private unblockedWithoutDetails(request: UnblockFileRequest, blocked: FileStatus, at: string): FileStatus {
    return { ...liftedStatus(blocked, request, at), confirmed: false };
  }
}
