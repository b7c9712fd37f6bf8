// Samples of the containment, fair-use, bulk-file, message-action and contain-offer views: realistic and worst-case data.
import { approvalCardReply, requesterNoticeReply } from '../../src/cards/approval-views';
import { fileStatusReply } from '../../src/cards/block-views';
import { bulkFileNotReadReply, bulkInterruptedReply, bulkOneFileReply, bulkPrecheckReply } from '../../src/cards/bulk-views';
import { containDevicesReply, containProgressReply, followUpNotCheckedReply, followUpReply, noContainmentReply } from '../../src/cards/contain-views';
import { slowDownReply } from '../../src/cards/fair-use-views';
import { blockFormReply } from '../../src/cards/form-views';
import { containUnknownReply, messageActionDialogCard, notContainedReply, pastedReviewReply } from '../../src/cards/message-action-views';
import type { ApprovalAction } from '../../src/domain/approval-actions';
import type { ApprovalRequest, ApprovalStatus } from '../../src/domain/approval-record';
import type { BulkLine } from '../../src/domain/bulk-intake';
import type { ContainDevice, ContainJob } from '../../src/domain/containment';
import type { DeviceSighting } from '../../src/domain/containment-ports';
import type { FileHash } from '../../src/domain/file-hash';
import type { FollowUp, FollowUpFinding } from '../../src/domain/follow-up';
import { COMMENT_400, HOSTILE, LONG_UPN, SHA1, SHA256, T0, type CardSample } from './sample-data';
import { BLOCKED_STATUS as status } from './sample-data';

const sha1: FileHash = { value: SHA1, type: 'Sha1' };
const sha256: FileHash = { value: SHA256, type: 'Sha256' };
const LONG_DEVICE = 'fin-ws-emea-north-0042.corp.subsidiary-emea-north.contoso-holdings.example';
const caller = { userId: '29:1', aadObjectId: 'oid-1', name: LONG_UPN, tenantId: 't1' };

function sighting(i: number, over: Partial<DeviceSighting> = {}): DeviceSighting {
  return {
    id: `a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d${String(i).padStart(2, '0')}`,
    name: i === 0 ? LONG_DEVICE : `fin-ws-${String(i).padStart(4, '0')}.corp.contoso.example`,
    lastSeen: T0,
    osPlatform: 'Windows11',
    ...over,
  };
}
const sightings = (n: number) => Array.from({ length: n }, (_, i) => sighting(i));

function device(i: number, over: Partial<ContainDevice>): ContainDevice {
  const s = sighting(i);
  return { machineId: s.id, name: s.name, lastSeen: s.lastSeen, osPlatform: s.osPlatform, state: 'queued', ...over };
}

/** Every state a device can be in, refusals included. */
const EVERY_STATE: ContainDevice[] = [
  device(0, { state: 'Succeeded', actionId: 'act-0' }),
  device(1, { state: 'Pending', actionId: 'act-1' }),
  device(2, { state: 'Pending', alreadyRunning: true }),
  device(3, { state: 'InProgress', actionId: 'act-3' }),
  device(4, { state: 'Failed', actionId: 'act-4' }),
  device(5, { state: 'TimeOut', actionId: 'act-5' }),
  device(6, { state: 'Cancelled', actionId: 'act-6' }),
  device(7, { state: 'unknown', detail: 'the request timed out after it was sent' }),
  device(8, { state: 'refused', reason: 'unsupported-platform', osPlatform: 'Linux' }),
  device(9, { state: 'refused', reason: 'outside-device-groups' }),
  device(10, { state: 'refused', reason: 'device-not-found' }),
  device(11, { state: 'refused', reason: 'microsoft-signed' }),
  device(12, { state: 'refused', reason: 'other', detail: `Defender answered 400 BadRequest: ${HOSTILE}` }),
  device(13, { state: 'queued', name: undefined }),
];

function job(devices: readonly ContainDevice[], over: Partial<ContainJob> = {}): ContainJob {
  return {
    id: 'job-1',
    tenantId: 't1',
    hash: sha256,
    sha1: SHA1,
    comment: COMMENT_400,
    caller,
    createdAt: T0,
    watchUntil: '2025-03-02T12:00:00.000Z',
    nextAt: '2025-03-01T12:01:00.000Z',
    polls: 3,
    phase: 'tracking',
    devices,
    ...over,
  };
}

const followUp: FollowUp = {
  id: 'fu-1',
  dueAt: '2025-03-02T12:00:00.000Z',
  hash: sha256,
  tenantId: 't1',
  blockedBy: caller,
  blockedAt: T0,
  comment: COMMENT_400,
  indicatorId: '9223372036854775807',
  where: {},
};
type Report = Extract<FollowUpFinding, { kind: 'report' }>;
const finished = job([device(0, { state: 'Succeeded' }), device(1, { state: 'Succeeded' }), device(2, { state: 'Failed' })], { phase: 'finished', endedAt: T0 });
function report(block: Report['block'], over: Partial<Report> = {}): Report {
  return { kind: 'report', block, seenSince: sightings(5), remaining: sightings(5).slice(2), jobs: [finished], ...over };
}

function containApproval(action: ApprovalAction, s: ApprovalStatus): ApprovalRequest {
  const approver = { userId: '29:2', aadObjectId: 'oid-2', name: 'Gale Global' };
  return {
    id: 'b0c1d2e3-f4a5-4b6c-8d7e-9f0a1b2c3d4e',
    action,
    hash: sha256,
    comment: COMMENT_400,
    ...(action === 'block+contain' ? { options: { action: 'Block' as const, expiresAt: '2025-03-31T12:00:00.000Z', severity: 'High' as const } } : {}),
    requester: { userId: '29:1', aadObjectId: 'oid-1', name: LONG_UPN },
    requestedAt: T0,
    expiresAt: '2025-03-02T12:00:00Z',
    status: s,
    decisions:
      s === 'pending' ? [] : [{ by: approver, action: 'approve', at: '2025-03-01T12:05:00Z', outcome: s === 'failed' ? 'failed' : s === 'approving' ? 'blocking' : 'blocked' }],
    attempts: s === 'failed' ? 1 : 0,
    ...(s === 'failed'
      ? { failure: { detail: 'Defender answered 403: the sign-in lacks Machine.StopAndQuarantine', correlationId: 'corr-7f3a9b2c-1d4e-4f5a-8b6c-7d8e9f0a1b2c' } }
      : {}),
    ...(s === 'approved' && action === 'block+contain' ? { result: { ...status, requestorComment: undefined } } : {}),
  };
}

const pasted: BulkLine[] = [
  ...Array.from({ length: 25 }, (_, i) => ({
    line: i + 1,
    text: `${SHA256.slice(0, 62)}${String(i).padStart(2, '0')}`,
    hash: { value: `${SHA256.slice(0, 62)}${String(i).padStart(2, '0')}`, type: 'Sha256' as const },
  })),
  { line: 26, text: `${HOSTILE} not-a-hash-0123456789abcdef0123456789abcdef0123456789abcdef`, problem: 'Not a SHA-1, SHA-256 or MD5 hash.' },
];

const dialogHashes: FileHash[] = Array.from({ length: 50 }, (_, i) => ({ value: `${SHA256.slice(0, 62)}${String(i).padStart(2, '0')}`, type: 'Sha256' as const }));

/** The views added with containment, fair use, bulk files and the message action. */
export const NEW_VIEW_SAMPLES: readonly CardSample[] = [
  // Containment: discovery.
  { name: 'contain-unavailable', kind: 'notice', reply: () => noContainmentReply() },
  { name: 'contain-unknown-file', kind: 'notice', reply: () => containDevicesReply({ hash: sha256, comment: COMMENT_400, plan: { kind: 'unknownFile' }, devices: [] }) },
  { name: 'contain-no-devices', kind: 'notice', reply: () => containDevicesReply({ hash: sha256, comment: COMMENT_400, plan: { kind: 'nothing' }, devices: [] }) },
  {
    name: 'contain-confirm',
    kind: 'confirm',
    reply: () =>
      containDevicesReply({
        hash: sha256,
        comment: COMMENT_400,
        plan: { kind: 'confirm', above: 10 },
        devices: sightings(40),
        draftId: 'draft-1',
        expiresAt: '2025-03-01T13:00:00Z',
      }),
  },
  {
    name: 'contain-too-many',
    kind: 'confirm',
    reply: () => containDevicesReply({ hash: sha256, comment: COMMENT_400, plan: { kind: 'tooMany', limit: 1000 }, devices: sightings(1234) }),
  },
  // Containment: progress.
  {
    name: 'contain-sending',
    kind: 'contain',
    reply: () =>
      containProgressReply(
        job(
          sightings(3).map((_, i) => device(i, {})),
          { phase: 'sending' },
        ),
      ),
  },
  { name: 'contain-every-state', kind: 'contain', reply: () => containProgressReply(job(EVERY_STATE)) },
  {
    name: 'contain-3-of-5',
    kind: 'contain',
    reply: () =>
      containProgressReply(
        job([
          device(0, { state: 'Succeeded' }),
          device(1, { state: 'Succeeded' }),
          device(2, { state: 'Succeeded' }),
          device(3, { state: 'Failed' }),
          device(4, { state: 'Pending' }),
        ]),
      ),
  },
  {
    name: 'contain-missing-permission',
    kind: 'contain',
    reply: () =>
      containProgressReply(
        job(
          sightings(3).map((_, i) =>
            device(i, { state: 'refused', reason: 'missing-permission', detail: 'Forbidden: Missing application roles. API required roles: Machine.StopAndQuarantine' }),
          ),
          {
            phase: 'finished',
            endedAt: T0,
          },
        ),
      ),
  },
  {
    name: 'contain-paused',
    kind: 'contain',
    reply: () => containProgressReply(job([device(0, { state: 'Pending' }), device(1, { state: 'Succeeded' })], { paused: 'signInRequired', auditMissed: 2 })),
  },
  {
    name: 'contain-tracking-ended',
    kind: 'contain',
    reply: () =>
      containProgressReply(job([device(0, { state: 'Pending' }), device(1, { state: 'Succeeded' })], { phase: 'finished', watchEnded: true, endedAt: '2025-03-02T12:00:00.000Z' })),
  },
  {
    name: 'contain-all-succeeded',
    kind: 'contain',
    reply: () =>
      containProgressReply(
        job(
          sightings(2).map((_, i) => device(i, { state: 'Succeeded' })),
          { phase: 'finished', endedAt: T0 },
        ),
      ),
  },
  { name: 'contain-20-devices', kind: 'contain', reply: () => containProgressReply(job(Array.from({ length: 20 }, (_, i) => device(i, { state: 'Pending' })))) },
  // Containment: follow-up.
  { name: 'follow-up-in-force', kind: 'result', reply: () => followUpReply(followUp, report({ kind: 'inForce', status }), 'offer-1') },
  { name: 'follow-up-in-force-none-left', kind: 'result', reply: () => followUpReply(followUp, report({ kind: 'inForce', status }, { seenSince: [], remaining: [], jobs: [] })) },
  {
    name: 'follow-up-lifted-by',
    kind: 'result',
    reply: () => followUpReply(followUp, report({ kind: 'lifted', by: HOSTILE, at: '2025-03-01T18:00:00Z', how: 'unblock' }), 'offer-1'),
  },
  {
    name: 'follow-up-lifted-outside',
    kind: 'result',
    reply: () => followUpReply(followUp, report({ kind: 'lifted', how: 'portal' }, { seenSince: undefined, remaining: undefined })),
  },
  { name: 'follow-up-expired', kind: 'result', reply: () => followUpReply(followUp, report({ kind: 'expired', at: '2025-03-02T00:00:00Z' }), 'offer-1') },
  {
    name: 'follow-up-unknown',
    kind: 'result',
    reply: () => followUpReply(followUp, report({ kind: 'unknown', detail: `Defender answered 503 ServiceUnavailable ${HOSTILE}` }), 'offer-1'),
  },
  { name: 'follow-up-not-checked', kind: 'notice', reply: () => followUpNotCheckedReply(followUp) },
  // Fair use.
  { name: 'slow-down-command', kind: 'notice', reply: () => slowDownReply('command', { retryAfterSeconds: 37 }) },
  { name: 'slow-down-press', kind: 'notice', reply: () => slowDownReply('press', { retryAfterSeconds: 1 }) },
  { name: 'slow-down-bulk', kind: 'notice', reply: () => slowDownReply('bulkJobs', { max: 1 }) },
  { name: 'slow-down-exports', kind: 'notice', reply: () => slowDownReply('exports', { max: 2 }) },
  // Bulk files.
  {
    name: 'bulk-precheck',
    kind: 'bulk',
    reply: () =>
      bulkPrecheckReply(
        [
          {
            hash: sha256,
            concerns: [
              { kind: 'existingBlock', status: { ...status, actionType: 'Audit' } },
              { kind: 'widespread', orgPrevalence: 12_345, threshold: 100 },
            ],
          },
          { hash: sha1, concerns: [{ kind: 'microsoftSigned', signer: 'Microsoft Windows Production PCA 2011' }] },
          { hash: { value: SHA256.replace(/a/g, 'b'), type: 'Sha256' }, concerns: [{ kind: 'existingUnchecked', reason: `Defender answered 429 TooManyRequests ${HOSTILE}` }] },
          ...Array.from({ length: 22 }, (_, i) => ({
            hash: { value: `${SHA256.slice(0, 62)}${String(i).padStart(2, '0')}`, type: 'Sha256' as const },
            concerns: [{ kind: 'detailsUnchecked' as const, reason: 'throttled' }],
          })),
        ],
        500,
        { allId: 'all-1', restId: 'rest-1' },
      ),
  },
  {
    name: 'bulk-interrupted',
    kind: 'bulk',
    reply: () =>
      bulkInterruptedReply(
        { total: 500, blocked: 320, failed: 3, notSent: 152, unknown: Array.from({ length: 25 }, (_, i) => `${SHA256.slice(0, 62)}${String(i).padStart(2, '0')}`) },
        'resume-1',
      ),
  },
  { name: 'bulk-interrupted-nothing-left', kind: 'bulk', reply: () => bulkInterruptedReply({ total: 30, blocked: 28, failed: 2, notSent: 0, unknown: [] }, 'resume-2') },
  { name: 'bulk-one-file', kind: 'notice', reply: () => bulkOneFileReply(3) },
  { name: 'bulk-file-not-read', kind: 'notice', reply: () => bulkFileNotReadReply() },
  // Message action.
  {
    name: 'message-action-dialog',
    kind: 'dialog',
    reply: () => ({
      card: messageActionDialogCard({ hashes: dialogHashes, more: true, author: HOSTILE, firstLine: COMMENT_400, supportsOptions: true, defaultExpiryDays: 30 }),
      summary: '',
    }),
  },
  {
    name: 'message-action-dialog-contain',
    kind: 'dialog',
    reply: () => ({
      card: messageActionDialogCard({ hashes: dialogHashes, more: false, author: HOSTILE, firstLine: COMMENT_400, supportsOptions: true, defaultExpiryDays: 30, canContain: true }),
      summary: '',
    }),
  },
  { name: 'message-action-not-contained', kind: 'notice', reply: () => notContainedReply(12, 50) },
  { name: 'message-action-contain-unknown', kind: 'notice', reply: () => containUnknownReply({ type: 'Sha256', value: SHA256 }) },
  {
    name: 'message-action-dialog-files-api',
    kind: 'dialog',
    reply: () => ({
      card: messageActionDialogCard({ hashes: [sha1], more: false, author: LONG_UPN, firstLine: 'see attached', supportsOptions: false, defaultExpiryDays: 0 }),
      summary: '',
    }),
  },
  { name: 'pasted-review-comment', kind: 'bulk', reply: () => pastedReviewReply(pasted, 'review-1', 25, true) },
  {
    name: 'pasted-review-no-comment',
    kind: 'bulk',
    reply: () =>
      pastedReviewReply(
        pasted.map((l) => (l.hash ? { ...l, comment: COMMENT_400.slice(0, 80) } : l)),
        'review-2',
        25,
        false,
      ),
  },
  // The contain offer on the block result, the form's switch, the approval of containment.
  { name: 'blocked-contain-offer', kind: 'result', reply: () => fileStatusReply(status, { contain: { offerId: 'offer-1', orgPrevalence: 12_345 } }) },
  {
    name: 'form-contain',
    kind: 'form',
    reply: () =>
      blockFormReply({
        hashTypes: ['Sha1', 'Sha256', 'Md5'],
        supportsOptions: true,
        defaultExpiryDays: 30,
        canContain: true,
        values: { hash: SHA256, comment: COMMENT_400, contain: 'true' },
      }),
  },
  ...(['contain', 'block+contain'] as const).flatMap((action) => [
    ...(['shared', 'requester'] as const).map((viewer) => ({
      name: `approval-${action}-pending-${viewer}`,
      kind: 'approval' as const,
      reply: () => approvalCardReply(containApproval(action, 'pending'), viewer, ['29:1', '29:2']),
    })),
    ...(['approved', 'failed'] as const).map((s) => ({
      name: `approval-${action}-${s}`,
      kind: 'approval' as const,
      reply: () => approvalCardReply(containApproval(action, s), 'shared'),
    })),
    { name: `requester-notice-${action}-approved`, kind: 'notice' as const, reply: () => requesterNoticeReply(containApproval(action, 'approved')) },
  ]),
];
