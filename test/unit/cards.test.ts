import { fileStatusReply, unblockOutcomeReply, undoOutcomeReply } from '../../src/cards/block-views';
import { deniedReply, refusalReply } from '../../src/cards/refusal-views';
import { helpReply, parseErrorReply } from '../../src/cards/help-views';
import { MAX_CARD_BYTES, type Reply } from '../../src/cards/render';
import { inertText, markdownSafe } from '../../src/cards/safe-text';
import { MAX_COMMENT_LENGTH } from '../../src/commands/parse';
import type { FileStatus } from '../../src/domain/file-status';
import { DirectoryRole } from '../../src/domain/roles';
import { DefenderError, TokenError } from '../../src/errors';
import { cardTexts } from '../fixtures/card-texts';
import { bulkProgressReply, bulkReviewReply } from '../../src/cards/bulk-views';
import { blockFormReply } from '../../src/cards/form-views';
import { historyReply } from '../../src/cards/history-views';
import { fileReportReply } from '../../src/cards/report-views';
import { approvalCardReply, decisionRefusedText, notRequestedReply, requesterNoticeReply, requestPendingReply } from '../../src/cards/approval-views';
import type { ApprovalRequest } from '../../src/domain/approval-record';

const SHA1 = '7327b54fd718525cbca07dacde913b5ac3c85673';
const hash = { value: SHA1, type: 'Sha1' as const };
const caller = { userId: '29:1', aadObjectId: 'oid-1', name: 'Ana Analyst', tenantId: 't1' };

const status: FileStatus = {
  fileIdentifier: SHA1,
  fileIdentifierType: 'Sha1',
  actionType: 'Block',
  fileStatus: 'Blocked',
  creationDateTimeUtc: '2017-12-04T13:06:23.4502191Z',
  requestor: 'Analyst@contoso.com',
  requestorComment: 'Dropper [click](https://evil.example/x) **bold** {{DATE(2017-02-14T06:08:39Z, SHORT)}}',
  cancellationDateTimeUtc: '2017-12-05T10:00:00Z',
  cancellationRequestor: 'Lead@contoso.com',
  cancellationComment: 'False positive, see http://intranet/x',
  lastUpdateDateTimeUtc: '2017-12-05T10:00:00Z',
  confirmed: true,
  source: 'files',
};

function texts(reply: Reply): string[] {
  return cardTexts(reply.card.content);
}

function bytes(reply: Reply): number {
  return JSON.stringify(reply.card.content).length * 2;
}

describe('file-status card', () => {
  const reply = fileStatusReply(status);
  const shown = texts(reply);

  it('shows every field of the FileAction', () => {
    expect(shown).toEqual(
      expect.arrayContaining([
        'File blocked',
        SHA1,
        'SHA-1 of the file',
        'Status: Blocked',
        'Action: Block',
        'Hash type: SHA-1',
        'Requested by: Analyst@contoso.com',
        'Created: 2017-12-04 13:06:23 UTC',
        'Cancelled by: Lead@contoso.com',
        'Cancelled: 2017-12-05 10:00:00 UTC',
        'Last update: 2017-12-05 10:00:00 UTC',
        'Via: Files API',
      ]),
    );
    expect(shown.some((t) => t.includes('15 minutes to 2 hours'))).toBe(true);
    expect(reply.summary).toBe(`File blocked: SHA-1 ${SHA1}`);
    expect(reply.card.content.version).toBe('1.5');
  });

  it('shows user text inert: no live link, no markdown, no date function', () => {
    const comment = shown.find((t) => t.startsWith('Dropper'));
    expect(comment).toBe('Dropper [click](hxxps://evil[.]example/x) **bold** {\u200b{DATE(2017-02-14T06:08:39Z, SHORT)}}');
    const runs = JSON.stringify(reply.card.content);
    expect(runs).not.toContain('https://evil');
    expect(runs).not.toContain('http://intranet');
    expect(shown).toContain('False positive, see hxxp://intranet/x');
  });

  it('user text sits in TextRuns, which Adaptive Cards never parse as Markdown', () => {
    const body = reply.card.content.body as Array<Record<string, unknown>>;
    const rich = body.filter((b) => b.type === 'RichTextBlock');
    expect(rich.map((b) => (b.inlines as Array<{ type: string }>)[0].type)).toEqual(['TextRun', 'TextRun']);
  });

  it('leaves out cancellation fields when there are none, and leaves no ${} behind', () => {
    const plain = fileStatusReply({ ...status, cancellationComment: undefined, cancellationRequestor: undefined, cancellationDateTimeUtc: undefined });
    const shownPlain = texts(plain);
    expect(shownPlain.some((t) => t.startsWith('Cancel'))).toBe(false);
    expect(JSON.stringify(plain.card.content)).not.toMatch(/\$\{/);
  });

  it('says so when Defender accepted without details (200, empty body)', () => {
    const unconfirmed = texts(fileStatusReply({ ...status, confirmed: false }));
    expect(unconfirmed[0]).toBe('Block sent, not confirmed by Defender');
    expect(unconfirmed).toContain('Status: Not confirmed');
    expect(unconfirmed.some((t) => t.includes('returned no details'))).toBe(true);
  });

  it('says plainly that the simulator affected no device', () => {
    expect(texts(fileStatusReply({ ...status, source: 'simulator' })).some((t) => t.includes('No real device was affected'))).toBe(true);
  });

  it('stays under 40 KB with the longest comment', () => {
    const long = fileStatusReply({ ...status, requestorComment: 'x'.repeat(MAX_COMMENT_LENGTH), cancellationComment: 'y'.repeat(MAX_COMMENT_LENGTH) });
    expect(bytes(long)).toBeLessThan(MAX_CARD_BYTES);
  });
});

describe('failure and denial cards', () => {
  it('a persistent 500 says the file was NOT blocked, why, and the correlation id', () => {
    const error = new DefenderError('unavailable', 'Internal error', { httpStatus: 500, upstreamCode: 'InternalServerError', correlationId: 'corr-42', attempts: 3 });
    const reply = refusalReply({ kind: 'failed', error }, 'block', caller, hash);
    const shown = texts(reply);
    expect(shown[0]).toBe('File NOT blocked');
    expect(shown).toEqual(expect.arrayContaining([SHA1, 'Correlation id: corr-42', 'HTTP status: 500', 'Attempts: 3', 'Defender code: InternalServerError', 'Internal error']));
    expect(shown.some((t) => t.includes('server error (3 attempts)'))).toBe(true);
    expect(reply.summary).toMatch(/^File NOT blocked/);
  });

  it('a 429 says when to try again', () => {
    const error = new DefenderError('rateLimited', 'Too many', { httpStatus: 429, retryAfterSeconds: 120, correlationId: 'c' });
    const shown = texts(refusalReply({ kind: 'failed', error }, 'block', caller, hash));
    expect(shown).toContain('Defender asked to wait 120 seconds; send the command again after that.');
  });

  it.each([
    ['block', 'File NOT blocked', 'Treat the file as not blocked.'],
    ['unblock', 'Block NOT lifted', 'Treat the block as still in force.'],
    ['undo', 'Undo failed: the block is still in force', 'Treat the block as still in force.'],
  ] as const)('an intent the trail could not take: %s says nothing was sent, never that Defender failed', (action, headline, advice) => {
    const error = new DefenderError('notSent', 'The bot could not write its audit trail, so nothing was sent to Defender.');
    const shown = texts(refusalReply({ kind: 'failed', error }, action, caller, hash));
    expect(shown[0]).toBe(headline);
    expect(shown).toContain(`The bot could not write its audit trail, so the ${action} was not sent to Defender: nothing changed.`);
    expect(shown.join('\n')).toContain(advice);
    expect(shown.join('\n')).not.toMatch(/Defender (had|did not|rejected|refused)|unexpected/);
  });

  it('a role lookup failure fails closed and says so', () => {
    const shown = texts(refusalReply({ kind: 'rolesUnavailable', detail: 'Graph answered 500' }, 'block', caller, hash));
    expect(shown[0]).toBe('File NOT blocked');
    expect(shown.some((t) => t.includes('could not check your directory roles'))).toBe(true);
  });

  it('a token failure is not blocked and asks to sign in again', () => {
    const shown = texts(refusalReply({ kind: 'tokenFailed', error: new TokenError('invalidGrant', 'x') }, 'block', caller, hash));
    expect(shown[0]).toBe('File NOT blocked');
    expect(shown.some((t) => t.includes('expired or was revoked'))).toBe(true);
  });

  it('the denial names the needed roles and the ones held', () => {
    const reply = deniedReply([DirectoryRole.SecurityReader], [DirectoryRole.SecurityAdministrator, DirectoryRole.GlobalAdministrator], caller);
    const shown = texts(reply);
    expect(shown).toEqual(expect.arrayContaining(['Your roles: Security Reader', 'Needed: Security Administrator or Global Administrator', 'You: Ana Analyst']));
    expect(shown.some((t) => t.includes('Nothing was sent to Defender'))).toBe(true);
  });
});

describe('help and input problems', () => {
  it('help lists the commands with an example', () => {
    const shown = texts(helpReply('production'));
    expect(shown).toEqual(
      expect.arrayContaining([
        'block ‹hash› ‹comment›',
        'unblock ‹hash› ‹comment›',
        'status ‹hash›',
        'block 7327b54fd718525cbca07dacde913b5ac3c85673 Dropper from phishing alert 32123',
      ]),
    );
  });

  it('shows no <word> placeholders, which Teams would swallow as HTML tags', () => {
    const all = [helpReply('production'), parseErrorReply({ reason: 'missingHash', verb: 'block' }), parseErrorReply({ reason: 'missingComment', verb: 'block', hash })].flatMap(
      (reply) => texts(reply),
    );
    expect(all.filter((t) => /<[a-z0-9]+>/i.test(t))).toEqual([]);
    expect(all.join(' ')).toContain('block ‹hash› ‹comment›');
  });

  it.each([
    [{ reason: 'notAHash', verb: 'block', given: '1234' } as const, 'This is not a file hash', 'is not a SHA-1 (40 hexadecimal characters), SHA-256 (64) or MD5 (32)'],
    [{ reason: 'badOption', verb: 'block', key: 'action', value: 'nuke', hint: 'use one of Block' } as const, 'The option action is not valid', '"nuke": use one of Block'],
    [{ reason: 'missingComment', verb: 'block', hash } as const, 'A comment is required', 'Nothing was blocked'],
    [{ reason: 'unknownCommand', word: '[x](https://e)' } as const, 'I did not understand that', '\\[x\\](hxxps://e)'],
    [{ reason: 'tooLong', length: 70000, max: 65536 } as const, 'The message is too long', 'The message has 70000 characters; the bot reads at most 65536. Nothing was done.'],
    [{ reason: 'tooLong', length: 70000, max: 65536 } as const, 'The message is too long', 'attach it as a CSV file'],
  ])('%j', (error, headline, line) => {
    const shown = texts(parseErrorReply(error));
    expect(shown[0]).toBe(headline);
    expect(shown.some((t) => t.includes(line))).toBe(true);
  });
});

describe('safe text', () => {
  it.each([
    ['[click](https://evil)', '[click](hxxps://evil)'],
    ['see www.evil.com now', 'see www[.]evil[.]com now'],
    ['ftp://files.evil/x', 'fxp://files[.]evil/x'],
    ['a\u0007b', 'ab'],
  ])('inertText(%j) = %j', (input, output) => {
    expect(inertText(input)).toBe(output);
  });

  it('markdownSafe escapes formatting but not ordinary punctuation', () => {
    expect(markdownSafe("**x** _y_ [z](a) 2017-12-04 O'Brien")).toBe("\\*\\*x\\*\\* \\_y\\_ \\[z\\](a) 2017-12-04 O'Brien");
    expect(markdownSafe('- item\n1. one')).toBe('\\- item\n1\\. one');
  });
});

describe('toolkit cards stay readable and under 40 KB at their worst', () => {
  const longComment = 'y'.repeat(MAX_COMMENT_LENGTH);

  it('history: fifteen entries with the longest comments', () => {
    const entries = Array.from({ length: 15 }, (_, i) => ({
      id: `e${i}`,
      at: '2026-11-28T10:00:00Z',
      tenantId: 't',
      actor: { name: 'Ana [x](https://evil)', userId: 'u' },
      action: 'block' as const,
      outcome: i % 2 ? ('done' as const) : ('failed' as const),
      hash: SHA1,
      hashType: 'Sha1' as const,
      comment: longComment,
      api: 'indicators' as const,
      detail: 'unavailable: boom',
    }));
    const reply = historyReply(entries);
    expect(bytes(reply)).toBeLessThan(MAX_CARD_BYTES);
    const shown = texts(reply);
    expect(shown).toEqual(expect.arrayContaining(['Block: done', 'Block: FAILED']));
    expect(shown.join(' ')).toContain('Ana \\[x\\](hxxps://evil)');
    expect(shown.find((t) => t.startsWith('yyy'))?.length).toBe(120);
  });

  it('bulk progress: ten thousand failures list twenty and count the rest', () => {
    const failures = Array.from({ length: 10_000 }, (_, i) => ({ hash: { value: SHA1, type: 'Sha1' as const }, reason: `reason ${i} ${'r'.repeat(300)}` }));
    const reply = bulkProgressReply({ total: 10_000, done: 10_000, blocked: 0, failures, finished: true }, 'Indicators API');
    expect(bytes(reply)).toBeLessThan(MAX_CARD_BYTES);
    expect(texts(reply)[0]).toBe('Bulk block done: 0 blocked, 10,000 NOT blocked');
    expect(texts(reply)).toContain('…and 9,980 more; "history export" lists every one.');
  });

  it('bulk progress while Defender asks the bot to wait', () => {
    const reply = bulkProgressReply({ total: 1200, done: 500, blocked: 500, failures: [], finished: false, waitingUntil: '2026-11-28T10:00:30Z' }, 'Indicators API');
    expect(texts(reply)).toEqual(
      expect.arrayContaining(['Bulk block running: 500 of 1,200', '41% done. Defender asked the bot to slow down; it resumes by itself at 2026-11-28 10:00:30 UTC.']),
    );
  });

  it('bulk review lists bad lines inertly', () => {
    const lines = Array.from({ length: 100 }, (_, i) => ({ line: i + 1, text: `[x](https://evil/${i})`, problem: 'not a hash' }));
    const reply = bulkReviewReply(lines, 'review-1', 3);
    expect(bytes(reply)).toBeLessThan(MAX_CARD_BYTES);
    expect(texts(reply)).toEqual(expect.arrayContaining(["100 of 100 lines can't be used", 'Line 1', '\\[x\\](hxxps://evil/0)', '…and 80 more.']));
  });

  it('the block form validates the hash on the card and offers the options', () => {
    const card = blockFormReply({ hashTypes: ['Sha1', 'Sha256', 'Md5'], supportsOptions: true, defaultExpiryDays: 90, values: { comment: longComment } }).card.content;
    expect(bytes({ card: { content: card } } as never)).toBeLessThan(MAX_CARD_BYTES);
    const body = card.body as Array<Record<string, unknown>>;
    const hashInput = body.find((b) => b.id === 'hash')!;
    expect(new RegExp(hashInput.regex as string).test(SHA1)).toBe(true);
    expect(new RegExp(hashInput.regex as string).test('a'.repeat(64))).toBe(true);
    expect(new RegExp(hashInput.regex as string).test('xyz')).toBe(false);
    expect(body.find((b) => b.id === 'expires')).toMatchObject({ value: '90d' });
    expect(body.find((b) => b.id === 'comment')).toMatchObject({ isRequired: true, maxLength: MAX_COMMENT_LENGTH });
  });

  it('the status card shows the file facts and offers a block only to those who may', () => {
    const report = { hash: { value: SHA1, type: 'Sha1' as const }, info: { signer: 'Contoso', size: 1024 }, stats: { orgPrevalence: 12345, topFileNames: ['a.exe'] } };
    expect(texts(fileReportReply(report, undefined, true))).toEqual(
      expect.arrayContaining(['Not blocked', 'Devices in your org: 12,345', 'Signer: Contoso', 'Size: 1,024 bytes', 'Names: a.exe']),
    );
    expect((fileReportReply(report, undefined, true).card.content.actions as unknown[]).length).toBe(1);
    expect((fileReportReply(report, undefined, false).card.content.actions as unknown[]).length).toBe(0);
  });
});

describe('approval card', () => {
  const bob = { userId: '29:bob', aadObjectId: 'oid-bob', name: 'Bob Approver' };
  const cy = { userId: '29:cy', aadObjectId: 'oid-cy', name: 'Cy [Approver](https://evil.example)' };
  const pending: ApprovalRequest = {
    id: 'req-1',
    tenantId: 't1',
    action: 'block',
    hash,
    comment: 'dropper [click](https://evil.example/x)',
    requester: { userId: caller.userId, aadObjectId: caller.aadObjectId, name: caller.name },
    requestedAt: '2026-12-01T10:00:00Z',
    expiresAt: '2026-12-02T10:00:00Z',
    status: 'pending',
    decisions: [],
    attempts: 0,
  };
  const failed: ApprovalRequest = {
    ...pending,
    status: 'failed',
    attempts: 2,
    failure: { detail: 'unavailable: Defender answered 503', correlationId: 'corr-9' },
    decisions: [
      { by: bob, action: 'approve', at: '2026-12-01T10:05:00Z', outcome: 'failed' },
      { by: cy, action: 'retry', at: '2026-12-01T10:07:00Z', outcome: 'failed' },
    ],
  };

  it('lists every decision in order, who, what and how it ended', () => {
    const shown = texts(approvalCardReply(failed, 'shared'));
    expect(shown).toEqual(
      expect.arrayContaining([
        'Approved, but the block FAILED: NOT blocked',
        'Approvers can retry the block until 2026-12-02 10:00:00 UTC.',
        'Decisions',
        '2026-12-01 10:05:00 UTC: Bob Approver approved: block FAILED',
        '2026-12-01 10:07:00 UTC: Cy \\[Approver\\](hxxps://evil\\[.\\]example) retried: block FAILED',
        'Failure: unavailable: Defender answered 503',
      ]),
    );
    expect(Object.keys(buttonsOf(approvalCardReply(failed, 'shared')))).toEqual(['Retry the block']);
  });

  it('tells the requester why the approved block failed in one sentence, for worded and older stored failures alike', () => {
    const worded = { ...failed, failure: { detail: 'The sign-in of the approver has expired or was revoked.' } };
    expect(texts(requesterNoticeReply(worded))).toEqual([
      'Your block request was approved, but the block failed',
      `SHA-1 ${hash.value} is NOT blocked. The sign-in of the approver has expired or was revoked. Approvers can retry from the approval card.`,
    ]);
    expect(texts(requesterNoticeReply(failed))[1]).toBe(`SHA-1 ${hash.value} is NOT blocked. unavailable: Defender answered 503. Approvers can retry from the approval card.`);
  });

  it('shows an expiry nobody decided, and a cancel as "Cancelled by"', () => {
    const expired = texts(
      approvalCardReply({ ...failed, status: 'expired', decisions: [...failed.decisions, { action: 'expire', at: '2026-12-02T10:00:30Z', outcome: 'expired' }] }, 'shared'),
    );
    expect(expired).toEqual(
      expect.arrayContaining([
        'Expired: NOT blocked',
        '2026-12-02 10:00:30 UTC: Expired: NOT blocked',
        '2026-12-01 10:07:00 UTC: Cy \\[Approver\\](hxxps://evil\\[.\\]example) retried: block FAILED',
      ]),
    );
    const cancelled = texts(
      approvalCardReply(
        { ...pending, status: 'cancelled', decisions: [{ by: pending.requester, action: 'cancel', at: '2026-12-01T10:01:00Z', outcome: 'cancelled' }] },
        'requester',
      ),
    );
    expect(cancelled).toEqual(expect.arrayContaining(['Cancelled by the requester: NOT blocked', '2026-12-01 10:01:00 UTC: Ana Analyst cancelled: NOT blocked']));
    expect(cancelled.find((t) => t.startsWith('Decided'))).toBeUndefined();
  });

  it('a pending request with no decisions has no decision section; buttons follow the viewer', () => {
    const shown = texts(approvalCardReply(pending, 'shared'));
    expect(shown).not.toContain('Decisions');
    expect(shown.find((t) => t.startsWith('Decided'))).toBeUndefined();
    expect(Object.keys(buttonsOf(approvalCardReply(pending, 'approver')))).toEqual(['Approve and block', 'Reject']);
    expect(Object.keys(buttonsOf(approvalCardReply(pending, 'requester')))).toEqual(['Cancel my request']);
    expect(Object.keys(buttonsOf(approvalCardReply(pending, 'observer')))).toEqual([]);
  });

  it('shows the indicator already in force, inertly, or that it could not be checked', () => {
    const withExisting = texts(
      approvalCardReply({ ...pending, existing: { ...status, actionType: 'Audit', fileStatus: 'Audited', expirationTime: '2027-01-31T00:00:00Z' } }, 'shared'),
    );
    expect(withExisting).toEqual(
      expect.arrayContaining([
        'Already in Defender: an approved block replaces this',
        'Current action: Audit (audited)',
        'Set by: Analyst@contoso.com',
        'Set: 2017-12-04 13:06:23 UTC',
        'It expires: 2027-01-31 00:00:00 UTC',
      ]),
    );
    expect(withExisting.find((t) => t.startsWith('Its comment: '))).not.toContain('https://evil');
    const unknown = texts(approvalCardReply({ ...pending, existingUnknown: 'unavailable: Defender answered 503' }, 'shared'));
    expect(unknown).toEqual(expect.arrayContaining(['Defender could not be asked whether this file already has an indicator', 'Why: unavailable: Defender answered 503']));
    expect(texts(approvalCardReply(pending, 'shared')).find((t) => t.startsWith('Already in Defender'))).toBeUndefined();
  });

  it.each([
    ['unblock', 'Unblock requested: waiting for approval', 'Approve and unblock', 'Approved and unblocked', 'Approved, but the unblock FAILED: NOT unblocked', 'Retry the unblock'],
    ['undo', 'Undo of a block requested: waiting for approval', 'Approve and undo', 'Approved and undone', 'Approved, but the undo FAILED: NOT undone', 'Retry the undo'],
    ['allow', 'Allow requested: waiting for approval', 'Approve and allow', 'Approved and allowed', 'Approved, but the allow FAILED: NOT allowed', 'Retry the allow'],
  ] as const)('words a %s request by what it asks: headline, buttons, decisions and the requester notices', (action, headline, approve, approved, failedHeadline, retry) => {
    const asked: ApprovalRequest = { ...pending, action };
    expect(texts(approvalCardReply(asked, 'shared'))[0]).toBe(headline);
    expect(Object.keys(buttonsOf(approvalCardReply(asked, 'approver')))).toEqual([approve, 'Reject']);
    const done: ApprovalRequest = { ...asked, status: 'approved', decisions: [{ by: bob, action: 'approve', at: '2026-12-01T10:05:00Z', outcome: 'blocked' }] };
    expect(texts(approvalCardReply(done, 'shared'))).toEqual(
      expect.arrayContaining([approved, `2026-12-01 10:05:00 UTC: Bob Approver approved: ${approved.slice('Approved and '.length)}`]),
    );
    expect(texts(approvalCardReply({ ...failed, action }, 'shared'))[0]).toBe(failedHeadline);
    expect(Object.keys(buttonsOf(approvalCardReply({ ...failed, action }, 'shared')))).toEqual([retry]);
    expect(texts(requesterNoticeReply(done))[0]).toBe(`Your ${action} request was approved`);
    expect(texts(requestPendingReply(asked, true))[0]).toBe(`Approval requested: NOT ${approved.slice('Approved and '.length)} yet`);
    expect(decisionRefusedText({ kind: 'selfApproval', request: asked }, caller)).toBe(
      `You asked for this ${action}, so someone else must approve it (four eyes). Nothing was done.`,
    );
  });

  it('shows what an approved unblock lifts, and the block an Undo lifts', () => {
    const listed = [
      { id: 'ind-1', action: 'Block', createdBy: 'Defender Block Bot', createdAt: '2026-11-30T09:00:00Z', foreign: false },
      { id: 'ind-2', action: 'Warn', createdBy: 'Cole [League](https://evil.example)', foreign: true },
    ];
    const unblock = texts(approvalCardReply({ ...pending, action: 'unblock', listed }, 'shared'));
    expect(unblock).toEqual(
      expect.arrayContaining([
        'An approved unblock lifts these 2 indicators',
        'Indicator ind-1: Block by Defender Block Bot, 2026-11-30 09:00:00 UTC',
        'Indicator ind-2: Warn by Cole \\[League\\](hxxps://evil\\[.\\]example) (not created by this bot)',
      ]),
    );
    const undo = texts(
      approvalCardReply(
        { ...pending, action: 'undo', undo: { undoId: 'u-1', made: { indicatorId: 'ind-7', comment: 'oops' }, blockedBy: 'Gale Global', blockedAt: '2026-12-01T09:58:00Z' } },
        'shared',
      ),
    );
    expect(undo).toEqual(expect.arrayContaining(['Undoes the block by: Gale Global', 'Blocked: 2026-12-01 09:58:00 UTC', 'Its indicator id: ind-7']));
    const noted = texts(
      approvalCardReply(
        { ...pending, action: 'undo', status: 'approved', note: 'The block this Undo was for is no longer in force (lifted or replaced): nothing changed in Defender.' },
        'shared',
      ),
    );
    expect(noted).toContain('The block this Undo was for is no longer in force (lifted or replaced): nothing changed in Defender.');
  });

  it('says plainly when no approval was requested, and why', () => {
    expect(texts(notRequestedReply({ kind: 'tooMany', open: 10, max: 10 }))).toEqual([
      'Too many requests waiting',
      'You have 10 requests waiting for approval (at most 10 at once). Cancel one (the notice you got when you asked has the button), or wait until one is decided or expires, then ask again.',
      'Nothing was requested and nothing was blocked.',
    ]);
    expect(texts(notRequestedReply({ kind: 'channelUnreachable', approvalChannel: true, detail: 'the channel was not found (404 ConversationNotFound)' }))[0]).toBe(
      'No approval was requested',
    );
    expect(texts(notRequestedReply({ kind: 'noApprovalChannel' })).join(' ')).toContain('APPROVAL_CHANNEL');
  });
});

function buttonsOf(reply: Reply): Record<string, unknown> {
  return Object.fromEntries(((reply.card.content.actions ?? []) as Array<{ title: string }>).map((a) => [a.title, a]));
}

describe('the result card headline follows the action taken', () => {
  it.each([
    ['Block', 'Blocked', 'File blocked'],
    ['BlockAndRemediate', 'Blocked', 'File blocked'],
    ['Audit', 'Audit', 'Not blocked: only audited'],
    ['Warn', 'Warn', 'Not blocked: users are only warned'],
    ['Allowed', 'Allowed', 'File allowed'],
    ['Unblock', 'Unblocked', 'Block lifted'],
  ])('%s', (actionType, fileStatus, headline) => {
    const reply = fileStatusReply({ ...status, cancellationDateTimeUtc: undefined, cancellationRequestor: undefined, cancellationComment: undefined, actionType, fileStatus });
    expect(cardTexts(reply.card.content)[0]).toBe(headline);
    expect(reply.summary.startsWith(headline)).toBe(true);
  });

  it('does not tell someone an audit stops the file', () => {
    const texts = cardTexts(
      fileStatusReply({ ...status, cancellationDateTimeUtc: undefined, cancellationRequestor: undefined, cancellationComment: undefined, actionType: 'Audit', fileStatus: 'Audit' })
        .card.content,
    );
    expect(texts.join(' ')).toContain('Defender does not stop this file from running');
    expect(texts.join(' ')).not.toContain('sends the block to every onboarded device');
  });
});

describe('Undo and unblock answers', () => {
  const record = {
    id: 'u-1',
    hash,
    tenantId: 't1',
    blockedBy: 'Ana Analyst',
    blockedAt: '2025-03-01T12:00:00.000Z',
    made: { comment: 'x', indicatorId: '1001' },
    until: '2025-03-01T12:15:00.000Z',
  };

  it('a stale Undo says it changed nothing and how to lift whatever block is in force now', () => {
    const shown = texts(undoOutcomeReply({ kind: 'alreadyLifted', record }, caller));
    expect(shown[0]).toBe('Already lifted, nothing changed');
    expect(shown.join(' ')).toContain('The block Ana Analyst set at 2025-03-01 12:00:00 UTC is no longer in force');
    expect(shown.join(' ')).toContain(`unblock ${SHA1} ‹comment›`);
  });

  it('an unblock that deleted several indicators names each one and who created it', () => {
    const lifted = [
      { id: '1001', action: 'Block', createdBy: 'Ana Analyst', foreign: false },
      { id: '1002', action: 'Audit', createdBy: 'Sam Soc', foreign: true },
    ];
    const shown = texts(unblockOutcomeReply({ kind: 'unblocked', status: { ...status, fileStatus: 'Unblocked' }, lifted }, hash, caller));
    expect(shown[0]).toBe('Block lifted');
    expect(shown).toContain('2 indicators were deleted: 1001 (Block by Ana Analyst); 1002 (Audit by Sam Soc).');
  });
});
