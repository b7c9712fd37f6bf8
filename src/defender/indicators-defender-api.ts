import { DefenderError } from '../errors';
import { acceptedWithoutDetails } from './accepted-without-details';
import { isUnchangedSince, liftedStatus } from './file-action';
import type { FileHash, HashType } from '../domain/file-hash';
import type { BulkItemResult } from '../domain/file-report';
import type { FileStatus } from '../domain/file-status';
import type { BlockFileRequest, BlockMade, DefenderApi, LiftableBlock, TokenSource, UnblockFileRequest } from '../domain/ports';
import { MAX_BATCH, requireBatchSize } from './batch';
import type { DefenderHttp } from './defender-http';
import { fetchFileDetails, unlessNotFound, type FileDetails } from './file-details';
import { requireHashType } from './hash-support';
import { commentOf, indicatorBody, isBotIndicator } from './indicator-body';
import { importResults } from './indicator-import';
import { describeRequestor, indicatorToFileStatus, isBlockingAction, isCurrentFileIndicator, newestFirst, parseIndicator, type Indicator } from './indicator';
import { odataString, readCollection } from './odata';

/** Hashes per `indicatorValue in (...)` lookup: 100 SHA-256 values make a URL of about 7 KB. */
export const LOOKUP_BATCH = 100;

/** Stats look back this far: the API's maximum (30 days). */
const LOOK_BACK_HOURS = 720;

/** The modern Indicators API: file-hash indicators (FileSha1/FileSha256/FileMd5) with options, lookup, delete and import. */
export class IndicatorsDefenderApi implements DefenderApi {
  readonly kind = 'indicators' as const;
  readonly hashTypes: readonly HashType[] = ['Sha1', 'Sha256', 'Md5'];
  readonly supportsOptions = true;
  readonly maxBatch = MAX_BATCH;
  /** Set once Defender refused an OData `in` filter. */
  private noInOperator = false;

  constructor(
    private readonly baseUrl: string,
    private readonly http: DefenderHttp,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async block(request: BlockFileRequest, token: TokenSource): Promise<FileStatus> {
    requireHashType(request.hash, this.hashTypes, this.kind);
    const answer = await this.http.send({ kind: 'submit', method: 'POST', url: `${this.baseUrl}/indicators`, body: indicatorBody(request) }, token);
    try {
      return indicatorToFileStatus(parseIndicator(answer.body));
    } catch {
      // Defender accepted the indicator (a 2xx) but its answer cannot be read: still a block, unconfirmed.
      const action = request.options?.action ?? 'Block';
      return acceptedWithoutDetails(request, this.kind, this.now().toISOString(), isBlockingAction(action) ? 'Blocked' : action);
    }
  }

  /**
   * Deletes the hash's file indicators that are blocks (those `listed`, when given, if still there)
   * and reports the newest one as lifted, with the cancellation trail the API does not keep.
   * 'Allowed' indicators are not blocks and are left alone.
   */
  async unblock(request: UnblockFileRequest, token: TokenSource, listed?: readonly LiftableBlock[]): Promise<FileStatus | undefined> {
    requireHashType(request.hash, this.hashTypes, this.kind);
    const found = (await this.fileIndicators(request.hash, token)).filter(isBlockLike);
    const chosen = listed ? found.filter((i) => listed.some((l) => l.id === i.id)) : found;
    if (chosen.length === 0) return undefined;
    for (const indicator of chosen) await this.delete(indicator.id, token);
    return liftedStatus(indicatorToFileStatus(chosen[0]), request, this.now().toISOString(), 'Unblock');
  }

  async liftable(hash: FileHash, token: TokenSource): Promise<LiftableBlock[]> {
    requireHashType(hash, this.hashTypes, this.kind);
    return (await this.fileIndicators(hash, token)).filter(isBlockLike).map(toLiftable);
  }

  /** Deletes the one indicator the block created (`DELETE /indicators/{id}`), after checking it is still there and not updated since. */
  async liftBlock(made: BlockMade, request: UnblockFileRequest, token: TokenSource): Promise<FileStatus | undefined> {
    requireHashType(request.hash, this.hashTypes, this.kind);
    if (made.indicatorId === undefined) return undefined;
    const own = (await this.fileIndicators(request.hash, token)).find((i) => i.id === made.indicatorId);
    if (!own || !isUnchangedSince(own.lastUpdateTime, made)) return undefined;
    const deleted = await this.delete(own.id, token);
    return deleted ? liftedStatus(indicatorToFileStatus(own), request, this.now().toISOString(), 'Unblock') : undefined;
  }

  async currentBlock(hash: FileHash, token: TokenSource): Promise<FileStatus | undefined> {
    const [newest] = await this.fileIndicators(hash, token);
    return newest && indicatorToFileStatus(newest);
  }

  /**
   * `GET /indicators?$filter=indicatorValue in ('…','…')`: one query per LOOKUP_BATCH hashes (the hashes of one
   * filter keep the URL under 8 KB), newest indicator in force per hash.
   */
  async existingBlocks(hashes: readonly FileHash[], token: TokenSource): Promise<ReadonlyMap<string, FileStatus>> {
    for (const hash of hashes) requireHashType(hash, this.hashTypes, this.kind);
    const found = new Map<string, FileStatus>();
    const now = this.now();
    for (let start = 0; start < hashes.length; start += LOOKUP_BATCH) {
      const batch = hashes.slice(start, start + LOOKUP_BATCH);
      const items = (await this.indicatorsOf(batch, token)).map(parseIndicator);
      for (const hash of batch) {
        const [newest] = newestFirst(items.filter((i) => isCurrentFileIndicator(i, hash.value, now)));
        if (newest) found.set(hash.value, indicatorToFileStatus(newest));
      }
    }
    return found;
  }

  fileDetails(hash: FileHash, token: TokenSource): Promise<FileDetails> {
    return fetchFileDetails(this.http, this.baseUrl, hash, token, `?lookBackHours=${LOOK_BACK_HOURS}`);
  }

  /** One `POST /indicators/import` for up to 500 requests; per-item refusals come back as failed items. */
  async importBlocks(requests: readonly BlockFileRequest[], token: TokenSource): Promise<BulkItemResult[]> {
    requireBatchSize(requests.length, this.maxBatch);
    if (requests.length === 0) return [];
    for (const request of requests) requireHashType(request.hash, this.hashTypes, this.kind);
    const body = { Indicators: requests.map(indicatorBody) };
    const answer = await this.http.send({ kind: 'import', method: 'POST', url: `${this.baseUrl}/indicators/import`, body }, token);
    return importResults(requests, answer.body);
  }

  /**
   * The indicators of a few hashes in one query: `indicatorValue in (...)`; where Defender refuses `in` (400), the same
   * values as `eq ... or eq ...`, from then on.
   */
  private async indicatorsOf(batch: readonly FileHash[], token: TokenSource): Promise<unknown[]> {
    const values = batch.map((h) => odataString(h.value));
    const query = (filter: string) => readCollection(this.http, `${this.baseUrl}/indicators?$filter=${encodeURIComponent(filter)}`, token);
    const orChain = () => query(values.map((v) => `indicatorValue eq ${v}`).join(' or '));
    if (this.noInOperator) return orChain();
    try {
      return await query(`indicatorValue in (${values.join(',')})`);
    } catch (error) {
      if (!(error instanceof DefenderError) || error.reason !== 'invalidRequest') throw error;
      this.noInOperator = true;
      return orChain();
    }
  }

  /** `DELETE /indicators/{id}`; false when Defender says it is already gone (404). */
  private async delete(id: string, token: TokenSource): Promise<boolean> {
    const url = `${this.baseUrl}/indicators/${encodeURIComponent(id)}`;
    return (await unlessNotFound(this.http.send({ kind: 'delete', method: 'DELETE', url }, token))) !== undefined;
  }

  /** The hash's file indicators still in force, newest first. */
  private async fileIndicators(hash: FileHash, token: TokenSource): Promise<Indicator[]> {
    const filter = encodeURIComponent(`indicatorValue eq ${odataString(hash.value)}`);
    const items = await readCollection(this.http, `${this.baseUrl}/indicators?$filter=${filter}`, token);
    const now = this.now();
    return newestFirst(items.map(parseIndicator).filter((i) => isCurrentFileIndicator(i, hash.value, now)));
  }
}

function isBlockLike(indicator: Indicator): boolean {
  return indicator.action.toLowerCase() !== 'allowed';
}

function toLiftable(indicator: Indicator): LiftableBlock {
  return {
    id: indicator.id,
    action: indicator.action,
    createdBy: describeRequestor(indicator.createdByDisplayName, indicator.createdBy),
    createdAt: indicator.creationTimeDateTimeUtc,
    title: indicator.title,
    comment: commentOf(indicator.description),
    foreign: !isBotIndicator(indicator),
  };
}
