import type { HashType } from './file-hash';

/** Which Defender API produced a status. */
export type DefenderSource = 'files' | 'indicators' | 'simulator';

/** The file's status as the legacy files API's FileAction describes it, whichever API answered. */
export interface FileStatus {
  readonly fileIdentifier: string;
  readonly fileIdentifierType: HashType | string;
  readonly actionType: string;
  readonly fileStatus: string;
  readonly creationDateTimeUtc?: string;
  readonly requestor?: string;
  readonly requestorComment?: string;
  readonly cancellationDateTimeUtc?: string;
  readonly cancellationRequestor?: string;
  readonly cancellationComment?: string;
  readonly lastUpdateDateTimeUtc?: string;
  /** False when Defender accepted the request without describing the result (200, empty body). */
  readonly confirmed: boolean;
  readonly source: DefenderSource;
  /** Indicators API only. */
  readonly indicatorId?: string;
  readonly expirationTime?: string;
}
