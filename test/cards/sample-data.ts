// The worst-case values every card sample is fed with, and the shape of a sample.
import type { Reply } from '../../src/cards/render';
import type { FileStatus } from '../../src/domain/file-status';

/** What a card is, for its height bound. */
export type CardKind = 'notice' | 'result' | 'failure' | 'confirm' | 'approval' | 'form' | 'help' | 'history' | 'bulk' | 'report' | 'contain' | 'dialog';

/** One view with its data. */
export interface CardSample {
  readonly name: string;
  readonly kind: CardKind;
  readonly reply: () => Reply;
}

export const SHA1 = '7327b54fd718525cbca07dacde913b5ac3c85673';
export const SHA256 = 'a3f5c9e1d2b4a6c8e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7';
export const MD5 = '44d88612fea8a8f36de82e1278abb02f';
export const LONG_UPN = 'maximilian.alexander.von-hohenzollern-sigmaringen.security-operations@subsidiary-emea-north.contoso-holdings.example';
export const HOSTILE = 'Eve <b>**Admin**</b> [click](https://evil.example/x) \u202eexe.txt {{DATE(2017-02-14T06:08:39Z, SHORT)}}';
export const COMMENT_400 =
  `Dropper from phishing campaign 42 (alert 32123), seen on 14 devices in finance; ${'see incident INC-2025-0042 and the sandbox report, '.repeat(6)}`.slice(0, 400);
export const T0 = '2025-03-01T12:00:00.000Z';

/** A block as Defender answers it, with the longest values a card must show. */
export const BLOCKED_STATUS: FileStatus = {
  fileIdentifier: SHA256,
  fileIdentifierType: 'Sha256',
  actionType: 'Block',
  fileStatus: 'Blocked',
  creationDateTimeUtc: T0,
  requestor: LONG_UPN,
  requestorComment: COMMENT_400,
  lastUpdateDateTimeUtc: T0,
  expirationTime: '2025-03-31T12:00:00Z',
  confirmed: true,
  source: 'indicators',
  indicatorId: '9223372036854775807',
};
