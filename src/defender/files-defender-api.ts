import type { BlockFileRequest, DefenderApi, TokenSource } from '../domain/ports';
import type { FileStatus } from '../domain/file-status';
import { DefenderError } from '../errors';
import type { DefenderHttp } from './defender-http';
import { parseFileAction } from './file-action';

/** The seed's legacy files API: `POST {base}/files/{sha1}/block` with `{"Comment": ...}`. */
export class FilesDefenderApi implements DefenderApi {
  readonly kind = 'files' as const;

  constructor(
    private readonly baseUrl: string,
    private readonly http: DefenderHttp,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async block(request: BlockFileRequest, token: TokenSource): Promise<FileStatus> {
    if (request.hash.type !== 'Sha1') {
      throw new DefenderError('invalidHash', 'The files API blocks by SHA-1 only.');
    }
    const url = `${this.baseUrl}/files/${encodeURIComponent(request.hash.value)}/block`;
    const answer = await this.http.send('POST', url, token, { Comment: request.comment });
    if (answer.body === undefined) return this.acceptedWithoutDetails(request);
    return parseFileAction(answer.body, this.kind);
  }

  /** The documented 200 with an empty body: the block was sent, Defender gave no FileAction. */
  private acceptedWithoutDetails(request: BlockFileRequest): FileStatus {
    const at = this.now().toISOString();
    return {
      fileIdentifier: request.hash.value,
      fileIdentifierType: request.hash.type,
      actionType: 'Block',
      fileStatus: 'Blocked',
      creationDateTimeUtc: at,
      requestor: request.caller.name,
      requestorComment: request.comment,
      lastUpdateDateTimeUtc: at,
      confirmed: false,
      source: this.kind,
    };
  }
}
