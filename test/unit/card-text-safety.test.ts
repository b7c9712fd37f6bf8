import { approvalCardReply, notRequestedReply, requesterNoticeReply, requestPendingReply, requestSignInReply, undoRequestedReply } from '../../src/cards/approval-views';
import { fileStatusReply, unblockOutcomeReply, undoOutcomeReply } from '../../src/cards/block-views';
import { bulkProgressReply, bulkReviewReply } from '../../src/cards/bulk-views';
import { confirmBlockReply, confirmationClosedReply, confirmUnblockReply } from '../../src/cards/confirm-views';
import { blockFormReply } from '../../src/cards/form-views';
import { helpReply, parseErrorReply } from '../../src/cards/help-views';
import { historyReply } from '../../src/cards/history-views';
import { deniedReply, refusalReply } from '../../src/cards/refusal-views';
import type { Reply } from '../../src/cards/render';
import { fileReportReply } from '../../src/cards/report-views';
import { NAME_MAX, shown, shownInRun, TEXT_MAX } from '../../src/cards/safe-text';
import {
  accountMismatchReply,
  pendingDroppedReply,
  signedInReply,
  signedOutReply,
  signInFailedReply,
  signInUnavailableReply,
  tenantRefusedReply,
} from '../../src/cards/session-views';
import type { ApprovalRequest } from '../../src/domain/approval-record';
import { containDevicesReply, containProgressReply, followUpNotCheckedReply, followUpReply } from '../../src/cards/contain-views';
import { newJob, type ContainDevice, type ContainJob } from '../../src/domain/containment';
import type { FollowUp } from '../../src/domain/follow-up';
import type { FileStatus } from '../../src/domain/file-status';
import type { AuditEntry, LiftableBlock } from '../../src/domain/ports';
import { DirectoryRole } from '../../src/domain/roles';
import { DefenderError, TokenError } from '../../src/errors';

const SHA1 = '7327b54fd718525cbca07dacde913b5ac3c85673';
const hash = { value: SHA1, type: 'Sha1' as const };

/** Every hostile trick at once: hidden joiners inside "Ana", an override that flips "txt.exe", a link, bold, a mention, a URL, NUL. */
const HOSTILE =
  'A\u200dn\u200ca \u202etxt.exe\u202c \u2066[click](https://evil.example)\u2069 **bold** <at>x</at> see https://evil.example/x and www.evil.example \u0000\u200e\u200f\u061c\ufff9\ufffa\ufffb\u2067\u2068\u202a\u202b\u202d\ufeff\u2060end';
const LONG = 'L'.repeat(5000);

type Shown = { kind: 'block' | 'run' | 'fact'; text: string };

/** Every TextBlock text, TextRun text and FactSet title and value of a card. */
function shownTexts(content: unknown): Shown[] {
  const out: Shown[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      if (o.type === 'TextBlock' && typeof o.text === 'string') out.push({ kind: 'block', text: o.text });
      if (o.type === 'TextRun' && typeof o.text === 'string') out.push({ kind: 'run', text: o.text });
      if (o.type === 'FactSet' && Array.isArray(o.facts)) {
        for (const f of o.facts as { title: string; value: string }[]) out.push({ kind: 'fact', text: f.title }, { kind: 'fact', text: f.value });
      }
      Object.values(o).forEach(walk);
    }
  };
  walk(content);
  return out;
}

function status(text: string): FileStatus {
  return {
    fileIdentifier: SHA1,
    fileIdentifierType: 'Sha1',
    actionType: 'Block',
    fileStatus: 'Blocked',
    creationDateTimeUtc: '2017-12-04T13:06:23Z',
    requestor: text,
    requestorComment: text,
    cancellationRequestor: text,
    cancellationComment: text,
    cancellationDateTimeUtc: '2017-12-05T10:00:00Z',
    indicatorId: text,
    confirmed: true,
    source: 'indicators',
  };
}

function liftable(text: string, foreign: boolean): LiftableBlock {
  return { id: text, action: text, createdBy: text, createdAt: '2026-11-30T09:00:00Z', title: text, comment: text, foreign };
}

function entry(text: string, outcome: AuditEntry['outcome']): AuditEntry {
  return {
    id: 'e1',
    at: '2026-11-28T10:00:00Z',
    actor: { name: text, userId: 'u' },
    action: 'unblock',
    outcome,
    hash: SHA1,
    hashType: 'Sha1',
    comment: text,
    api: 'indicators',
    detail: text,
  };
}

function request(text: string): ApprovalRequest {
  const person = { userId: '29:x', aadObjectId: 'oid-x', name: text };
  return {
    id: 'req-1',
    tenantId: 't1',
    action: 'block',
    hash,
    comment: text,
    requester: person,
    requestedAt: '2026-12-01T10:00:00Z',
    expiresAt: '2026-12-02T10:00:00Z',
    status: 'pending',
    decisions: [],
    attempts: 0,
    options: { action: 'Block', deviceGroups: [text, 'SOC'], severity: 'High' },
  };
}

/** The containment and follow-up cards, with `text` as every device name, detail, platform, name and comment. */
function containViews(text: string, caller: { userId: string; aadObjectId: string; name: string; tenantId: string }): [string, Reply][] {
  const devices = [{ id: text, name: text, lastSeen: '2026-11-30T10:00:00Z', osPlatform: text }];
  const base = newJob({ id: 'j', hash, sha1: SHA1, comment: text, caller, devices }, new Date('2026-12-01T10:00:00Z'), { confirmAbove: 25, pollMs: 30_000, watchMs: 3_600_000 });
  const states: ContainDevice[] = [
    { machineId: text, name: text, state: 'refused', reason: 'missing-permission', detail: text },
    { machineId: text, name: text, state: 'refused', reason: 'other', detail: text },
    { machineId: text, name: text, state: 'unknown', detail: text },
    { machineId: text, name: text, state: 'Pending', alreadyRunning: true, detail: text },
    { machineId: text, name: text, state: 'Succeeded' },
  ];
  const job: ContainJob = { ...base, phase: 'finished', devices: states, paused: 'signInRequired', auditMissed: 2 };
  const followUp: FollowUp = { id: 'f', dueAt: '2026-12-01T12:00:00Z', hash, blockedBy: caller, blockedAt: '2026-12-01T10:00:00Z', comment: text, where: {} };
  return [
    ['contain: confirm', containDevicesReply({ hash, comment: text, plan: { kind: 'confirm', above: 25 }, devices, draftId: 'd', expiresAt: '2026-12-01T10:30:00Z' })],
    ['contain: too many', containDevicesReply({ hash, comment: text, plan: { kind: 'tooMany', limit: 1000 }, devices })],
    ['contain: progress', containProgressReply(job, text)],
    ['contain: progress, sending', containProgressReply(base, text)],
    [
      'follow-up: lifted',
      followUpReply(
        followUp,
        { kind: 'report', block: { kind: 'lifted', by: text, at: '2026-12-01T11:00:00Z', how: 'unblock' }, seenSince: devices, remaining: devices, jobs: [job] },
        'o',
      ),
    ],
    ['follow-up: unknown', followUpReply(followUp, { kind: 'report', block: { kind: 'unknown', detail: text }, jobs: [] })],
    ['follow-up: not checked', followUpNotCheckedReply(followUp)],
  ];
}

/** Every view a card comes from, fed `text` wherever a person or Defender supplies text. */
function views(text: string): [string, Reply][] {
  const caller = { userId: '29:1', aadObjectId: 'oid-1', name: text, tenantId: 't1' };
  const person = { userId: '29:y', aadObjectId: 'oid-y', name: text };
  const record = { id: 'u-1', hash, tenantId: 't1', blockedBy: text, blockedAt: '2025-03-01T12:00:00Z', made: { comment: text, indicatorId: text }, until: '2025-03-01T12:15:00Z' };
  const pending = request(text);
  const decided = (status: ApprovalRequest['status'], extra: Partial<ApprovalRequest> = {}): ApprovalRequest => ({
    ...pending,
    status,
    decisions: [
      { by: person, action: 'approve', at: '2026-12-01T10:05:00Z', outcome: 'failed' },
      { by: person, action: status === 'rejected' ? 'reject' : 'retry', at: '2026-12-01T10:07:00Z', outcome: status === 'rejected' ? 'rejected' : 'failed' },
    ],
    ...extra,
  });
  const approvals: [string, ApprovalRequest][] = [
    ['pending', pending],
    ['stop & quarantine', { ...pending, action: 'contain' }],
    ['block and stop & quarantine', { ...pending, action: 'block+contain' }],
    ['pending with existing block', { ...pending, existing: status(text) }],
    ['pending, existing unknown', { ...pending, existingUnknown: text }],
    ['unblock listing indicators', { ...pending, action: 'unblock', listed: [liftable(text, true), liftable(text, false)] }],
    ['undo', { ...pending, action: 'undo', undo: { blockedBy: text, blockedAt: '2025-03-01T12:00:00Z', made: { comment: text, indicatorId: text } } } as ApprovalRequest],
    ['approved', decided('approved', { result: { fileStatus: text, indicatorId: text } } as Partial<ApprovalRequest>)],
    ['approved with note', decided('approved', { note: 'No block was in force any more: nothing was lifted.' })],
    ['rejected', decided('rejected', { reason: text })],
    ['failed', decided('failed', { failure: { detail: text, correlationId: text } })],
    ['expired', decided('expired')],
    ['cancelled', { ...pending, status: 'cancelled', decisions: [{ by: person, action: 'cancel', at: '2026-12-01T10:05:00Z', outcome: 'cancelled' }] }],
  ];
  const error = new DefenderError('invalidRequest', text, { httpStatus: 400, upstreamCode: text, correlationId: text, attempts: 2 });
  return [
    ['file status', fileStatusReply(status(text), { notes: [], undo: record })],
    ['file status, unknown status', fileStatusReply({ ...status(text), fileStatus: text, actionType: text })],
    [
      'unblocked several',
      unblockOutcomeReply({ kind: 'unblocked', status: { ...status(text), fileStatus: 'Unblocked' }, lifted: [liftable(text, false), liftable(text, true)] }, hash, caller),
    ],
    ['nothing to unblock', unblockOutcomeReply({ kind: 'notBlocked' }, hash, caller)],
    ['undo: unknown', undoOutcomeReply({ kind: 'unknown' }, caller)],
    ['undo: expired', undoOutcomeReply({ kind: 'expired', record }, caller)],
    ['undo: already undone', undoOutcomeReply({ kind: 'alreadyUndone', record }, caller)],
    ['undo: already lifted', undoOutcomeReply({ kind: 'alreadyLifted', record }, caller)],
    ['undo: unblocked', undoOutcomeReply({ kind: 'unblocked', status: { ...status(text), fileStatus: 'Unblocked' }, record }, caller)],
    [
      'confirm block',
      confirmBlockReply(
        hash,
        [
          { kind: 'existingBlock', status: status(text) },
          { kind: 'microsoftSigned', signer: text },
          { kind: 'widespread', orgPrevalence: 5000, threshold: 100 },
          { kind: 'allowed' },
        ],
        'c-1',
        { notes: [], expiresAt: '2026-12-01T10:15:00Z' },
      ),
    ],
    ['confirm unblock', confirmUnblockReply(hash, [liftable(text, true), liftable(text, false)], 'c-1', '2026-12-01T10:15:00Z')],
    ...(['cancelled', 'unknown', 'notYours'] as const).map((r): [string, Reply] => [`confirmation ${r}`, confirmationClosedReply(r)]),
    [
      'refusal: denied',
      refusalReply({ kind: 'denied', heldRoles: [DirectoryRole.SecurityReader, text], neededRoles: [DirectoryRole.SecurityAdministrator] }, 'block', caller, hash, {
        approvalDraftId: 'draft-1',
      }),
    ],
    ['refusal: denied (direct)', deniedReply([text], [DirectoryRole.SecurityAdministrator], caller, 'unblock')],
    ['refusal: roles unavailable', refusalReply({ kind: 'rolesUnavailable', detail: text }, 'block', caller, hash)],
    ['refusal: token failed', refusalReply({ kind: 'tokenFailed', error: new TokenError('invalidGrant', text) }, 'undo', caller, hash)],
    ['refusal: Defender failed', refusalReply({ kind: 'failed', error }, 'block', caller, hash)],
    ['refusal: unsupported hash', refusalReply({ kind: 'unsupportedHash', api: 'files', supported: ['Sha1'], hash: { value: 'a'.repeat(64), type: 'Sha256' } }, 'block', caller)],
    ...approvals.flatMap(([name, r]) =>
      (['shared', 'approver', 'requester', 'observer'] as const).map((viewer): [string, Reply] => [`approval card ${name}, ${viewer}`, approvalCardReply(r, viewer, ['29:x'])]),
    ),
    ...approvals.map(([name, r]): [string, Reply] => [`requester notice ${name}`, requesterNoticeReply(r)]),
    ['request pending', requestPendingReply(pending, true)],
    ['undo requested', undoRequestedReply(text)],
    ['request sign-in', requestSignInReply()],
    ['not requested: no channel', notRequestedReply({ kind: 'noApprovalChannel' })],
    ['not requested: unreachable', notRequestedReply({ kind: 'channelUnreachable', approvalChannel: true, detail: text })],
    ['not requested: too many', notRequestedReply({ kind: 'tooMany', open: 10, max: 10 })],
    ['history', historyReply([entry(text, 'failed'), entry(text, 'done'), entry(text, 'denied')])],
    ['history of a hash', historyReply([entry(text, 'not-found')], hash)],
    [
      'bulk review',
      bulkReviewReply(
        [
          { line: 1, text, problem: text },
          { line: 2, text: SHA1, hash },
        ],
        'review-1',
        1,
      ),
    ],
    ['bulk progress', bulkProgressReply({ total: 3, done: 3, blocked: 1, failures: [{ hash, reason: text }], finished: true }, text)],
    [
      'status report, blocked',
      fileReportReply(
        {
          hash,
          block: status(text),
          info: { signer: text, fileProductName: text, fileType: text, determinationType: text, size: 10, isValidCertificate: false },
          stats: { orgPrevalence: 3, topFileNames: [text, text] },
        },
        undefined,
        true,
      ),
    ],
    ['status report, lifted', fileReportReply({ hash, info: { filePublisher: text } }, entry(text, 'done'), true)],
    ...containViews(text, caller),
    ['signed in', signedInReply(text)],
    ['signed out', signedOutReply()],
    ['account mismatch', accountMismatchReply({ signedInAs: text, teamsAccount: text, otherTenant: true, signedOut: true, dropped: 'block of SHA-1 7327' })],
    ['tenant refused', tenantRefusedReply()],
    ['sign-in unavailable', signInUnavailableReply()],
    ['sign-in failed', signInFailedReply()],
    ['pending dropped', pendingDroppedReply('block of SHA-1 7327', 200_000)],
    ['help', helpReply('production')],
    ['parse error: not a hash', parseErrorReply({ reason: 'notAHash', verb: 'block', given: text })],
    ['parse error: bad option', parseErrorReply({ reason: 'badOption', verb: 'block', key: text, value: text, hint: 'use one of Block' })],
    ['parse error: export format', parseErrorReply({ reason: 'unknownExportFormat', given: text })],
    ['parse error: unknown command', parseErrorReply({ reason: 'unknownCommand', word: text })],
    ['block form', blockFormReply({ hashTypes: ['Sha1'], supportsOptions: false, defaultExpiryDays: 90, values: { comment: text, hash: text, groups: text } })],
  ];
}

// eslint-disable-next-line no-control-regex -- finding control characters is the point
const INVISIBLE = /[\p{Cf}\u0000-\u0009\u000b-\u001f\u007f-\u009f]/u;
/** The renderer's `{{` is broken with a zero-width space on purpose. */
const withoutBrokenBraces = (text: string) => text.replace(/\{\u200b\{/g, '{{');

describe.each(views(HOSTILE))('hostile text on %s', (_name, reply) => {
  const texts = shownTexts(reply.card.content);

  it('shows no format or control character', () => {
    expect(texts.filter((t) => INVISIBLE.test(withoutBrokenBraces(t.text)))).toEqual([]);
  });

  it('shows no live link or URL', () => {
    expect(texts.filter((t) => /https?:\/\/|ftp:\/\/|evil\.example|www\.evil/i.test(t.text))).toEqual([]);
  });

  it('renders no Markdown where Markdown renders', () => {
    const markdown = texts.filter((t) => t.kind !== 'run').filter((t) => /(^|[^\\])\[[^\]]*(^|[^\\])\]\(|(^|[^\\])\*\*|(^|[^\\])<at>/.test(t.text));
    expect(markdown).toEqual([]);
  });

  it('keeps the words readable', () => {
    const all = texts.map((t) => t.text).join('\n');
    if (all.includes('txt.exe')) {
      expect(all).toContain('Ana');
      expect(all).toContain('end');
    }
  });
});

it('hostile text reaches the cards that show it, readable', () => {
  const shownAna = views(HOSTILE).filter(([, reply]) => shownTexts(reply.card.content).some((t) => t.text.includes('Ana') && t.text.includes('txt.exe')));
  // every card that takes a name, comment, reason or Defender field shows it
  expect(shownAna.length).toBeGreaterThan(50);
});

describe.each(views(LONG))('a 5,000-character text on %s', (_name, reply) => {
  it('is cut to its cap', () => {
    const runs = shownTexts(reply.card.content).flatMap((t) => t.text.match(/L{2,}…?/g) ?? []);
    expect(runs.filter((r) => r.length > TEXT_MAX)).toEqual([]);
  });
});

describe('the safe path', () => {
  it.each([
    ['A\u200dn\u200da', 'Ana'],
    ['report\u202etxt.exe', 'reporttxt.exe'],
    ['\u2066x\u2069\u200e\u200f\u061c\ufff9y\ufffb', 'xy'],
    ['a\u0000b\u0085c', 'abc'],
    ['[click](https://evil.example)', '\\[click\\](hxxps://evil\\[.\\]example)'],
    ['**bold** <at>x</at>', '\\*\\*bold\\*\\* \\<at\\>x\\</at\\>'],
    ['# h\n- a\n+ b\n12. c\n`x`', '\\# h\n\\- a\n\\+ b\n12\\. c\n\\`x\\`'],
  ])('shown(%j) = %j', (input, output) => {
    expect(shown(input)).toBe(output);
  });

  it('leaves TextRun text unescaped but clean and defanged', () => {
    expect(shownInRun('A\u200dna [x](https://evil.example) **b**')).toBe('Ana [x](hxxps://evil[.]example) **b**');
  });

  it('caps with an ellipsis, by code point', () => {
    expect(shown(LONG, { max: NAME_MAX })).toBe(`${'L'.repeat(NAME_MAX - 1)}…`);
    expect(shown(LONG)).toHaveLength(TEXT_MAX);
    expect(Array.from(shownInRun('😀'.repeat(10), { max: 5 }))).toHaveLength(5);
    expect(shown('short', { max: 5 })).toBe('short');
  });
});
