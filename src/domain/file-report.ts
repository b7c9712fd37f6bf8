import type { FileHash } from './file-hash';
import type { FileStatus } from './file-status';

/** What Defender knows of a file (`GET /files/{id}`); every field may be missing. */
export interface FileInfo {
  readonly sha1?: string;
  readonly sha256?: string;
  readonly md5?: string;
  readonly size?: number;
  readonly fileType?: string;
  readonly isPeFile?: boolean;
  readonly filePublisher?: string;
  readonly fileProductName?: string;
  readonly signer?: string;
  readonly issuer?: string;
  readonly isValidCertificate?: boolean;
  readonly globalPrevalence?: number;
  readonly globalFirstObserved?: string;
  readonly globalLastObserved?: string;
  readonly determinationType?: string;
  readonly determinationValue?: string;
}

/** The file in this organization (`GET /files/{id}/stats`). */
export interface FileStats {
  readonly orgPrevalence?: number;
  readonly orgFirstSeen?: string;
  readonly orgLastSeen?: string;
  readonly globalPrevalence?: number;
  readonly topFileNames?: readonly string[];
}

/** Everything the status command shows about one hash. */
export interface FileReport {
  readonly hash: FileHash;
  /** The current block (FileAction or indicator), if any. */
  readonly block?: FileStatus;
  readonly info?: FileInfo;
  readonly stats?: FileStats;
}

/** The outcome of one hash in a bulk import. */
export interface BulkItemResult {
  readonly hash: FileHash;
  readonly ok: boolean;
  /** Why it failed, in Defender's words. */
  readonly reason?: string;
  readonly indicatorId?: string;
}
