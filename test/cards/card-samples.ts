// Every view the bot can send, fed with realistic and worst-case data. Adding a view to the render
// test is one entry in CARD_SAMPLES.
import { approvalCardReply, notRequestedReply, requesterNoticeReply, requestPendingReply, requestSignInReply, undoRequestedReply } from '../../src/cards/approval-views';
import { blockedFallbackReply, fileStatusReply, unblockOutcomeReply, undoOutcomeReply } from '../../src/cards/block-views';
import { bulkFileFailedReply, bulkNoHashesReply, bulkProgressReply, bulkReviewReply, bulkTooManyReply } from '../../src/cards/bulk-views';
import { confirmationClosedReply, confirmBlockReply, confirmUnblockReply } from '../../src/cards/confirm-views';
import { blockFieldsOf, blockFormReply } from '../../src/cards/form-views';
import { helpReply, parseErrorReply } from '../../src/cards/help-views';
import { historyReply } from '../../src/cards/history-views';
import { refusalReply } from '../../src/cards/refusal-views';
import { fileReportReply } from '../../src/cards/report-views';
import { accountMismatchReply, pendingDroppedReply, signedInReply } from '../../src/cards/session-views';
import type { ApprovalRequest, ApprovalStatus } from '../../src/domain/approval-record';
import type { BulkLine } from '../../src/domain/bulk-intake';
import type { FileHash } from '../../src/domain/file-hash';
import type { FileStatus } from '../../src/domain/file-status';
import type { AuditEntry } from '../../src/domain/ports';
import { DirectoryRole } from '../../src/domain/roles';
import { DefenderError, TokenError } from '../../src/errors';
import { NEW_VIEW_SAMPLES } from './new-view-samples';
import { COMMENT_400, HOSTILE, LONG_UPN, MD5, SHA1, SHA256, T0, type CardSample } from './sample-data';
import { BLOCKED_STATUS as status } from './sample-data';

export { COMMENT_400, LONG_UPN, SHA1, SHA256, type CardKind, type CardSample } from './sample-data';

const sha1: FileHash = { value: SHA1, type: 'Sha1' };
const sha256: FileHash = { value: SHA256, type: 'Sha256' };
const GROUPS = ['Tier0-Domain-Controllers-and-Privileged-Access-Workstations-EMEA', 'Finance-Servers'];

const caller = { userId: '29:1', aadObjectId: 'oid-1', name: 'Ana Analyst', tenantId: 't1' };
const longCaller = { ...caller, name: LONG_UPN };

const options = { action: 'Block' as const, expiresAt: '2025-03-31T12:00:00.000Z', severity: 'High' as const, deviceGroups: GROUPS };

function approval(status: ApprovalStatus, extra: Partial<ApprovalRequest> = {}): ApprovalRequest {
  const approver = { userId: '29:2', aadObjectId: 'oid-2', name: 'Gale Global' };
  const decisions: ApprovalRequest['decisions'] =
    status === 'pending'
      ? []
      : status === 'cancelled'
        ? [{ by: { userId: caller.userId, name: LONG_UPN }, action: 'cancel', at: '2025-03-01T12:05:00Z', outcome: 'cancelled' }]
        : status === 'rejected'
          ? [{ by: approver, action: 'reject', at: '2025-03-01T12:05:00Z', outcome: 'rejected' }]
          : status === 'expired'
            ? [{ action: 'expire', at: '2025-03-02T12:00:00Z', outcome: 'expired' }]
            : [{ by: approver, action: 'approve', at: '2025-03-01T12:05:00Z', outcome: status === 'failed' ? 'failed' : status === 'approving' ? 'blocking' : 'blocked' }];
  return {
    id: 'b0c1d2e3-f4a5-4b6c-8d7e-9f0a1b2c3d4e',
    action: 'block',
    hash: sha256,
    comment: COMMENT_400,
    options,
    requester: { userId: caller.userId, aadObjectId: 'oid-1', name: LONG_UPN },
    requestedAt: T0,
    expiresAt: '2025-03-02T12:00:00Z',
    status,
    decisions,
    attempts: status === 'failed' ? 1 : 0,
    ...(status === 'rejected' ? { reason: 'Not malicious: this is our signed installer. [see](https://evil.example) '.repeat(4) } : {}),
    ...(status === 'failed' ? { failure: { detail: 'Defender answered 500 InternalServerError three times', correlationId: 'corr-7f3a9b2c-1d4e-4f5a-8b6c-7d8e9f0a1b2c' } } : {}),
    ...(status === 'approved' ? { result: status === 'approved' ? { ...statusNoComment(), source: 'indicators' } : undefined } : {}),
    existing: { ...status_('Audit'), requestor: LONG_UPN },
    ...extra,
  };
}
function statusNoComment(): FileStatus {
  return { ...status, requestorComment: undefined };
}
function status_(actionType: string, fileStatus = 'Blocked'): FileStatus {
  return { ...status, actionType, fileStatus };
}

const defenderDown = new DefenderError('unavailable', 'Internal error while processing the request', {
  httpStatus: 500,
  upstreamCode: 'InternalServerError',
  correlationId: 'corr-7f3a9b2c-1d4e-4f5a-8b6c-7d8e9f0a1b2c',
  attempts: 3,
});
const outcomeUnknown = new DefenderError('outcomeUnknown', 'The request timed out after it was sent', { correlationId: 'corr-1', attempts: 1 });

function entry(i: number, over: Partial<AuditEntry>): AuditEntry {
  return {
    id: `e${i}`,
    at: new Date(Date.parse(T0) - i * 60_000).toISOString(),
    tenantId: 't1',
    actor: { userId: '29:1', name: LONG_UPN },
    action: 'block',
    outcome: 'done',
    hash: SHA256,
    hashType: 'Sha256',
    comment: COMMENT_400,
    api: 'indicators',
    ...over,
  };
}
/** Fifteen entries, newest first: a bulk job of 11 (its summary first), an audit, a rejection, a failure, an unknown. */
export const HISTORY_15: AuditEntry[] = [
  entry(0, { action: 'bulk-block', outcome: 'done', hash: undefined, hashType: undefined, count: 11, detail: '11 blocked', comment: undefined }),
  ...Array.from({ length: 10 }, (_, i) => entry(i + 1, { detail: 'bulk', hash: `${SHA1.slice(0, 38)}${String(i).padStart(2, '0')}`, hashType: 'Sha1' })),
  entry(11, { options: { action: 'Audit' } }),
  entry(12, { action: 'approval-decision', outcome: 'cancelled', detail: 'rejected by Gale Global' }),
  entry(13, { outcome: 'failed', detail: 'Defender answered 500 InternalServerError (correlation id corr-7f3a9b2c-1d4e-4f5a-8b6c-7d8e9f0a1b2c)' }),
  entry(14, { outcome: 'unknown', detail: 'timed out after sending', actor: { userId: '29:9', name: HOSTILE } }),
];

const bulkLines: BulkLine[] = [
  ...Array.from({ length: 30 }, (_, i) => ({ line: i + 2, text: `${SHA1.slice(0, 38)}${String(i).padStart(2, '0')}`, hash: { value: SHA1, type: 'Sha1' as const } })),
  { line: 32, text: 'not-a-hash-but-a-very-long-token-without-any-spaces-0123456789abcdef0123456789abcdef', problem: 'Not a SHA-1, SHA-256 or MD5 hash.' },
  { line: 33, text: SHA1, problem: 'Same hash as line 2.' },
];

const bulkFailures = Array.from({ length: 3 }, (_, i) => ({
  hash: { value: `${SHA256.slice(0, 62)}${String(i).padStart(2, '0')}`, type: 'Sha256' as const },
  reason: 'Defender answered 400 InvalidRequestBody: the indicator value is not valid for this type (correlation id corr-1)',
}));

const form = { hashTypes: ['Sha1', 'Sha256', 'Md5'], supportsOptions: true, defaultExpiryDays: 30 };

/** Every view, by name. */
export const CARD_SAMPLES: readonly CardSample[] = [
  // Block results: every effect Defender can report.
  { name: 'blocked', kind: 'result', reply: () => fileStatusReply(status, { options, undo: undoRecord() }) },
  { name: 'blocked-simulated', kind: 'result', reply: () => fileStatusReply({ ...status, source: 'simulator' }, { options, undo: undoRecord() }) },
  { name: 'sent-unconfirmed', kind: 'result', reply: () => fileStatusReply({ ...status, confirmed: false, source: 'files', fileIdentifier: SHA1, fileIdentifierType: 'Sha1' }) },
  { name: 'audited', kind: 'result', reply: () => fileStatusReply(status_('Audit'), { options: { ...options, action: 'Audit' } }) },
  { name: 'warns', kind: 'result', reply: () => fileStatusReply(status_('Warn')) },
  { name: 'allowed', kind: 'result', reply: () => fileStatusReply(status_('Allowed', 'Allowed')) },
  { name: 'unblocked', kind: 'result', reply: () => unblockOutcomeReply({ kind: 'unblocked', status: status_('UnBlock', 'Unblocked'), lifted: [] }, sha256, caller) },
  {
    name: 'blocked-but-problems',
    kind: 'result',
    reply: () =>
      fileStatusReply(status, {
        afterwards: [
          { kind: 'auditNotWritten', detail: 'disk full' },
          { kind: 'undoNotOffered', detail: 'store unavailable' },
        ],
      }),
  },
  { name: 'blocked-fallback', kind: 'notice', reply: () => blockedFallbackReply(sha256, [{ kind: 'auditNotWritten', detail: 'disk full' }]) },
  { name: 'nothing-to-lift', kind: 'notice', reply: () => unblockOutcomeReply({ kind: 'notBlocked' }, sha256, caller) },
  { name: 'undo-expired', kind: 'notice', reply: () => undoOutcomeReply({ kind: 'expired', record: undoRecord() }, caller) },
  { name: 'undo-failed', kind: 'failure', reply: () => undoOutcomeReply({ kind: 'failed', error: defenderDown, record: undoRecord(), offerKept: true }, caller, 'undo-1') },
  // Refusals and failures.
  {
    name: 'failed-500',
    kind: 'failure',
    reply: () => refusalReply({ kind: 'failed', error: defenderDown }, 'block', longCaller, sha256, { retry: blockFieldsOf({ hash: sha256, comment: COMMENT_400, options }) }),
  },
  {
    name: 'outcome-unknown',
    kind: 'failure',
    reply: () => refusalReply({ kind: 'failed', error: outcomeUnknown }, 'block', caller, sha256, { retry: blockFieldsOf({ hash: sha256, comment: 'Dropper', options }) }),
  },
  { name: 'token-failed', kind: 'failure', reply: () => refusalReply({ kind: 'tokenFailed', error: new TokenError('invalidGrant', 'x') }, 'block', caller, sha256) },
  {
    name: 'denied-with-request',
    kind: 'failure',
    reply: () =>
      refusalReply(
        { kind: 'denied', heldRoles: [DirectoryRole.SecurityReader], neededRoles: [DirectoryRole.SecurityAdministrator, DirectoryRole.GlobalAdministrator] },
        'block',
        longCaller,
        sha256,
        { approvalDraftId: 'draft-1' },
      ),
  },
  { name: 'status-failed', kind: 'failure', reply: () => refusalReply({ kind: 'failed', error: defenderDown }, 'status', caller, sha256) },
  { name: 'not-a-hash', kind: 'notice', reply: () => parseErrorReply({ reason: 'notAHash', verb: 'block', given: '7327b54fd718525cbca07dacde913b5ac3c8567' }) },
  { name: 'comment-required', kind: 'notice', reply: () => parseErrorReply({ reason: 'missingComment', verb: 'block', hash: sha256 }) },
  { name: 'unknown-command', kind: 'notice', reply: () => parseErrorReply({ reason: 'unknownCommand', word: HOSTILE }) },
  // Confirmations.
  {
    name: 'confirm-signed-widespread',
    kind: 'confirm',
    reply: () =>
      confirmBlockReply(
        sha256,
        [
          { kind: 'existingBlock', status },
          { kind: 'microsoftSigned', signer: 'Microsoft Windows Production PCA 2011' },
          { kind: 'widespread', orgPrevalence: 12_345, threshold: 100 },
        ],
        'confirm-1',
        { options, expiresAt: '2025-03-01T13:00:00Z' },
      ),
  },
  { name: 'confirm-allow', kind: 'confirm', reply: () => confirmBlockReply(sha256, [{ kind: 'allowed' }], 'confirm-2', { options: { action: 'Allowed' }, expiresAt: T0 }) },
  {
    name: 'confirm-unblock',
    kind: 'confirm',
    reply: () =>
      confirmUnblockReply(
        sha256,
        [
          { id: '9223372036854775807', action: 'Block', createdBy: LONG_UPN, createdAt: T0, title: HOSTILE, comment: COMMENT_400, foreign: true },
          { id: '17', action: 'BlockAndRemediate', createdBy: 'WindowsDefenderATP', createdAt: T0, foreign: true },
        ],
        'confirm-3',
        T0,
      ),
  },
  { name: 'confirm-cancelled', kind: 'notice', reply: () => confirmationClosedReply('cancelled') },
  // Approvals: every status and viewer.
  ...(['shared', 'approver', 'requester', 'observer'] as const).map((viewer) => ({
    name: `approval-pending-${viewer}`,
    kind: 'approval' as const,
    reply: () => approvalCardReply(approval('pending'), viewer, ['29:1', '29:2']),
  })),
  ...(['approving', 'approved', 'rejected', 'cancelled', 'expired', 'failed'] as const).map((s) => ({
    name: `approval-${s}`,
    kind: 'approval' as const,
    reply: () => approvalCardReply(approval(s), 'shared'),
  })),
  { name: 'approval-failed-approver', kind: 'approval', reply: () => approvalCardReply(approval('failed'), 'approver') },
  {
    name: 'approval-undo-pending',
    kind: 'approval',
    reply: () =>
      approvalCardReply(
        approval('pending', {
          action: 'undo',
          undo: { blockedBy: LONG_UPN, blockedAt: T0, made: { comment: COMMENT_400, indicatorId: '9223372036854775807', createdAt: T0 } },
        } as Partial<ApprovalRequest>),
        'shared',
      ),
  },
  ...(['approved', 'rejected', 'cancelled', 'expired', 'failed'] as const).map((s) => ({
    name: `requester-notice-${s}`,
    kind: 'notice' as const,
    reply: () => requesterNoticeReply(approval(s)),
  })),
  { name: 'request-pending', kind: 'notice', reply: () => requestPendingReply(approval('pending'), true) },
  { name: 'undo-requested', kind: 'notice', reply: () => undoRequestedReply('b0c1d2e3-f4a5-4b6c-8d7e-9f0a1b2c3d4e') },
  { name: 'request-sign-in', kind: 'notice', reply: () => requestSignInReply() },
  { name: 'not-requested', kind: 'notice', reply: () => notRequestedReply({ kind: 'noApprovalChannel' }) },
  // The form, help, history, status.
  { name: 'form', kind: 'form', reply: () => blockFormReply(form) },
  {
    name: 'form-audit-error',
    kind: 'form',
    reply: () => blockFormReply({ ...form, values: { hash: SHA256, comment: COMMENT_400, action: 'Audit', severity: 'High' }, error: 'A comment is required.' }),
  },
  { name: 'form-files-api', kind: 'form', reply: () => blockFormReply({ hashTypes: ['Sha1'], supportsOptions: false, defaultExpiryDays: 0 }) },
  { name: 'help-local', kind: 'help', reply: () => helpReply('local') },
  { name: 'help-production', kind: 'help', reply: () => helpReply('production') },
  { name: 'history-15', kind: 'history', reply: () => historyReply(HISTORY_15) },
  { name: 'history-15-page-2', kind: 'history', reply: () => historyReply([...HISTORY_15, ...HISTORY_15.slice(11).map((e) => ({ ...e, id: `${e.id}b` }))], undefined, 1) },
  { name: 'history-hash', kind: 'history', reply: () => historyReply(HISTORY_15.slice(11), sha256) },
  { name: 'history-empty', kind: 'history', reply: () => historyReply([]) },
  {
    name: 'status-report',
    kind: 'report',
    reply: () =>
      fileReportReply(
        {
          hash: sha1,
          block: status,
          info: {
            sha1: SHA1,
            sha256: SHA256,
            md5: MD5,
            size: 1_234_567,
            fileType: 'PortableExecutable',
            signer: 'Contoso Software Distribution Services Limited Liability Company',
            isValidCertificate: false,
            globalPrevalence: 1_234_567,
            determinationType: 'Malware',
          },
          stats: { orgPrevalence: 14, orgFirstSeen: T0, orgLastSeen: T0, globalPrevalence: 1_234_567, topFileNames: ['invoice_2025_03_final_FINAL.pdf.exe', 'setup.exe', HOSTILE] },
        },
        undefined,
        true,
      ),
  },
  { name: 'status-audit', kind: 'report', reply: () => fileReportReply({ hash: sha256, block: status_('Audit') }, undefined, true) },
  { name: 'status-not-blocked', kind: 'report', reply: () => fileReportReply({ hash: sha256 }, entry(1, { action: 'undo', comment: COMMENT_400 }), true) },
  // Bulk.
  { name: 'bulk-review', kind: 'bulk', reply: () => bulkReviewReply(bulkLines, 'review-1', 30) },
  { name: 'bulk-running', kind: 'bulk', reply: () => bulkProgressReply({ total: 30, done: 12, blocked: 12, failures: [], finished: false, waitingUntil: T0 }, 'Indicators API') },
  {
    name: 'bulk-done-failures',
    kind: 'bulk',
    reply: () => bulkProgressReply({ total: 30, done: 30, blocked: 27, failures: bulkFailures, finished: true }, 'Indicators API', { skipped: bulkLines.filter((l) => l.problem) }),
  },
  {
    name: 'bulk-done-local',
    kind: 'bulk',
    reply: () =>
      bulkProgressReply({ total: 30, done: 30, blocked: 30, failures: [], finished: true }, 'Simulator (local mode)', {
        skipped: bulkLines.filter((l) => l.problem),
        simulated: true,
      }),
  },
  { name: 'bulk-no-hashes', kind: 'notice', reply: () => bulkNoHashesReply() },
  { name: 'bulk-too-many', kind: 'notice', reply: () => bulkTooManyReply(12_000, 500) },
  { name: 'bulk-file-failed', kind: 'notice', reply: () => bulkFileFailedReply(HOSTILE) },
  // Sessions.
  { name: 'signed-in', kind: 'notice', reply: () => signedInReply(LONG_UPN) },
  {
    name: 'account-mismatch',
    kind: 'notice',
    reply: () => accountMismatchReply({ signedInAs: LONG_UPN, teamsAccount: HOSTILE, otherTenant: true, signedOut: true, dropped: `block of SHA-256 ${SHA256}` }),
  },
  { name: 'pending-dropped', kind: 'notice', reply: () => pendingDroppedReply(`block of SHA-256 ${SHA256}`, 600_000) },
  ...NEW_VIEW_SAMPLES,
];

function undoRecord() {
  return { id: 'undo-1', hash: sha256, blockedBy: LONG_UPN, blockedAt: T0, made: { comment: COMMENT_400, indicatorId: '9223372036854775807' }, until: '2025-03-01T12:15:00Z' };
}
