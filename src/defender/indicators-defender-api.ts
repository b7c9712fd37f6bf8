import type { BlockFileRequest, DefenderApi, TokenSource } from '../domain/ports';
import type { FileStatus } from '../domain/file-status';
import type { DefenderHttp } from './defender-http';
import { indicatorToFileStatus, parseIndicator } from './indicator';

const TITLE_MAX = 100;

/** The modern Indicators API: `POST {base}/indicators` with a FileSha1/FileSha256/FileMd5 block indicator. */
export class IndicatorsDefenderApi implements DefenderApi {
  readonly kind = 'indicators' as const;

  constructor(
    private readonly baseUrl: string,
    private readonly http: DefenderHttp,
  ) {}

  async block(request: BlockFileRequest, token: TokenSource): Promise<FileStatus> {
    const body = {
      indicatorValue: request.hash.value,
      indicatorType: `File${request.hash.type}`,
      action: 'Block',
      title: truncate(`Blocked from Teams by ${request.caller.name}`, TITLE_MAX),
      description: request.comment,
      application: 'Defender Block Bot',
      generateAlert: false,
    };
    const answer = await this.http.send('POST', `${this.baseUrl}/indicators`, token, body);
    return indicatorToFileStatus(parseIndicator(answer.body));
  }
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
