import { liftedStatus } from './file-action';
import type { FileHash, HashType } from '../domain/file-hash';
import type { BulkItemResult } from '../domain/file-report';
import type { FileStatus } from '../domain/file-status';
import type { BlockFileRequest, DefenderApi, TokenSource, UnblockFileRequest } from '../domain/ports';
import { MAX_BATCH, requireBatchSize } from './batch';
import type { DefenderHttp } from './defender-http';
import { fetchFileDetails, unlessNotFound, type FileDetails } from './file-details';
import { requireHashType } from './hash-support';
import { indicatorBody } from './indicator-body';
import { importResults } from './indicator-import';
import { indicatorToFileStatus, isCurrentFileIndicator, newestFirst, parseIndicator, type Indicator } from './indicator';
import { odataString, readCollection } from './odata';

/** Stats look back this far: the API's maximum (30 days). */
const LOOK_BACK_HOURS = 720;

/** The modern Indicators API: file-hash indicators (FileSha1/FileSha256/FileMd5) with options, lookup, delete and import. */
export class IndicatorsDefenderApi implements DefenderApi {
  readonly kind = 'indicators' as const;
  readonly hashTypes: readonly HashType[] = ['Sha1', 'Sha256', 'Md5'];
  readonly supportsOptions = true;
  readonly maxBatch = MAX_BATCH;

  constructor(
    private readonly baseUrl: string,
    private readonly http: DefenderHttp,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async block(request: BlockFileRequest, token: TokenSource): Promise<FileStatus> {
    requireHashType(request.hash, this.hashTypes, this.kind);
    const answer = await this.http.send({ kind: 'submit', method: 'POST', url: `${this.baseUrl}/indicators`, body: indicatorBody(request) }, token);
    return indicatorToFileStatus(parseIndicator(answer.body));
  }

  /**
   * Deletes the hash's file indicators and reports the newest one as lifted, with the
   * cancellation trail the API does not keep. 'Allowed' indicators are not blocks and are left alone.
   */
  async unblock(request: UnblockFileRequest, token: TokenSource): Promise<FileStatus | undefined> {
    requireHashType(request.hash, this.hashTypes, this.kind);
    const found = (await this.fileIndicators(request.hash, token)).filter((i) => i.action.toLowerCase() !== 'allowed');
    if (found.length === 0) return undefined;
    for (const indicator of found) {
      const url = `${this.baseUrl}/indicators/${encodeURIComponent(indicator.id)}`;
      await unlessNotFound(this.http.send({ kind: 'delete', method: 'DELETE', url }, token));
    }
    const at = this.now().toISOString();
    return liftedStatus(indicatorToFileStatus(found[0]), request, at, 'Unblock');
  }

  async currentBlock(hash: FileHash, token: TokenSource): Promise<FileStatus | undefined> {
    const [newest] = await this.fileIndicators(hash, token);
    return newest && indicatorToFileStatus(newest);
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

  /** The hash's file indicators still in force, newest first. */
  private async fileIndicators(hash: FileHash, token: TokenSource): Promise<Indicator[]> {
    const filter = encodeURIComponent(`indicatorValue eq ${odataString(hash.value)}`);
    const items = await readCollection(this.http, `${this.baseUrl}/indicators?$filter=${filter}`, token);
    const now = this.now();
    return newestFirst(items.map(parseIndicator).filter((i) => isCurrentFileIndicator(i, hash.value, now)));
  }
}
