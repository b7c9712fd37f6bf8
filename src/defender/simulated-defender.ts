import type { BlockFileRequest, DefenderApi, TokenSource } from '../domain/ports';
import type { FileStatus } from '../domain/file-status';

/** Defender in memory for local mode: the seed's block semantics, requestor = the caller. */
export class SimulatedDefender implements DefenderApi {
  readonly kind = 'simulator' as const;
  private readonly actions = new Map<string, FileStatus>();

  constructor(private readonly now: () => Date = () => new Date()) {}

  async block(request: BlockFileRequest, _token: TokenSource): Promise<FileStatus> {
    const at = this.now().toISOString();
    const previous = this.actions.get(request.hash.value);
    const status: FileStatus = {
      fileIdentifier: request.hash.value,
      fileIdentifierType: request.hash.type,
      actionType: 'Block',
      fileStatus: 'Blocked',
      creationDateTimeUtc: previous?.fileStatus === 'Blocked' ? previous.creationDateTimeUtc : at,
      requestor: request.caller.name,
      requestorComment: request.comment,
      lastUpdateDateTimeUtc: at,
      confirmed: true,
      source: this.kind,
    };
    this.actions.set(request.hash.value, status);
    return status;
  }

  /** Files currently blocked, like the seed's `GET /fileactions`. */
  blocked(): FileStatus[] {
    return [...this.actions.values()].filter((a) => a.fileStatus === 'Blocked');
  }
}
