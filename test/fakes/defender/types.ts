import type { IncomingHttpHeaders } from 'node:http';

/** Verified token claims. */
export type Claims = Record<string, unknown>;

/** Options of the fake Defender for Endpoint server. */
export interface FakeDefenderOptions {
  verify: (token: string, audience: string) => Promise<Claims>;
  filesAudience?: string;
  indicatorsAudience?: string;
  filesBasePath?: string;
  indicatorsBasePath?: string;
  /** Enables the documented rate limits (true) or custom ones; off by default. */
  rateLimit?: boolean | RateLimits;
  /** Requires Ti.ReadWrite / File.Read.All in `scp` or `roles` on the indicators API (default true). */
  checkPermissions?: boolean;
  /** `fileStatus` of an UnBlock FileAction; the doc's unblock example literally says "Blocked" (the default). */
  unblockFileStatus?: 'Blocked' | 'Unblocked';
  /** Clock in epoch ms, for timestamps, expiry and rate limits. */
  now?: () => number;
}

/** Per call kind limits of the indicators API. */
export interface RateLimits {
  perMinute?: number;
  perHour?: number;
  importPerMinute?: number;
}

/** A request as the fake received and answered it. */
export interface DefenderRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  body: unknown;
  claims: Claims | undefined;
  status: number;
  at: number;
}

/** A scripted fault; without `status` it only delays (or drops) the answer. */
export interface DefenderFault {
  status?: number;
  code?: string;
  message?: string;
  retryAfterSec?: number;
  delayMs?: number;
  dropConnection?: boolean;
  matcher?: (method: string, path: string) => boolean;
}

/** A FileAction of the legacy files API, as in its documented example. */
export interface FileAction {
  fileIdentifier: string;
  fileIdentifierType: 'Sha1';
  actionType: 'Block' | 'UnBlock';
  fileStatus: 'Blocked' | 'Unblocked';
  creationDateTimeUtc: string;
  requestor: string;
  requestorComment: string;
  cancellationDateTimeUtc: string | null;
  cancellationRequestor: string | null;
  cancellationComment: string | null;
  lastUpdateDateTimeUtc: string;
  requestSource: string;
}

/** File data a test seeds; the org* fields and topFileNames feed the stats endpoints. */
export interface SeedFile {
  sha1: string;
  sha256?: string;
  md5?: string;
  globalPrevalence?: number;
  globalFirstObserved?: string;
  globalLastObserved?: string;
  size?: number;
  fileType?: string | null;
  isPeFile?: boolean;
  filePublisher?: string | null;
  fileProductName?: string | null;
  signer?: string | null;
  issuer?: string | null;
  signerHash?: string | null;
  isValidCertificate?: boolean | null;
  determinationType?: string;
  determinationValue?: string;
  orgPrevalence?: number;
  orgFirstSeen?: string | null;
  orgLastSeen?: string | null;
  topFileNames?: string[];
  [extra: string]: unknown;
}

/** An indicator entity as the indicators API returns it. */
export interface Indicator {
  id: string;
  indicatorValue: string;
  indicatorType: string;
  action: string;
  application: string | null;
  source: string;
  sourceType: 'User' | 'AadApp';
  createdBy: string;
  createdBySource: string;
  createdByDisplayName: string;
  severity: string;
  title: string;
  description: string;
  recommendedActions: string | null;
  creationTimeDateTimeUtc: string;
  expirationTime: string | null;
  lastUpdateTime: string;
  lastUpdatedBy: string | null;
  rbacGroupNames: string[];
  rbacGroupIds: string[];
  generateAlert: boolean;
  educateUrl: string | null;
}

/** What the block/unblock calls answer: the doc example's 201 FileAction or the doc text's 200 empty body. */
export type BlockAnswer = '201-fileaction' | '200-empty';
