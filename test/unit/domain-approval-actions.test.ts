import { undoToApprove } from '../../src/domain/approval-actions';
import { requestApproval } from '../../src/domain/approval-requests';
import { approvalKey, type ApprovalDeps, type ApprovalRequest } from '../../src/domain/approval-record';
import { decide } from '../../src/domain/approvals';
import type { ApprovalAsk } from '../../src/domain/approval-actions';
import type { Caller } from '../../src/domain/caller';
import type { FileStatus } from '../../src/domain/file-status';
import type { LiftableBlock } from '../../src/domain/ports';
import { DirectoryRole } from '../../src/domain/roles';
import { offerUndo } from '../../src/domain/undo';
import { DefenderError } from '../../src/errors';
import { delegationOf, domainKit } from '../fixtures/domain-kit';

const TTL_MS = 60 * 60_000;
const HASH = { value: 'abcdef0123456789abcdef0123456789abcdef01', type: 'Sha1' as const };
const ana: Caller = { userId: '29:ana', aadObjectId: 'oid-ana', name: 'Ana Requester', tenantId: 'tenant-a' };
const bob: Caller = { userId: '29:bob', aadObjectId: 'oid-bob', name: 'Bob Approver', tenantId: 'tenant-a' };
const cy: Caller = { userId: '29:cy', aadObjectId: 'oid-cy', name: 'Cy Approver', tenantId: 'tenant-a' };
const ALLOWED = { action: 'Allowed' as const, expiresAt: '2025-04-01T12:00:00.000Z' };
const ours: LiftableBlock = { id: 'ind-ours', action: 'Block', createdBy: 'Defender Block Bot', foreign: false };
const theirs: LiftableBlock = { id: 'ind-theirs', action: 'Warn', createdBy: 'colleague@contoso.example', foreign: true };

function setUp() {
  const kit = domainKit({
    held: { 'oid-ana': [DirectoryRole.SecurityAdministrator], 'oid-bob': [DirectoryRole.SecurityAdministrator], 'oid-cy': [DirectoryRole.GlobalAdministrator] },
  });
  const deps: ApprovalDeps = { ...kit.actions, store: kit.store, requestTtlMs: TTL_MS };
  return {
    ...kit,
    deps,
    /** Ana asks for `ask`; the Defender record starts empty after it. */
    async ask(ask: ApprovalAsk, comment = 'false positive, cleared by IR'): Promise<ApprovalRequest> {
      const outcome = await requestApproval(deps, { id: 'req-1', hash: HASH, comment, ask, requester: ana }, delegationOf(ana));
      if (outcome.kind !== 'requested') throw new Error(`not requested: ${outcome.kind}`);
      kit.defender.calls.length = 0;
      return outcome.request;
    },
    stored: async () => (await kit.store.get<ApprovalRequest>(approvalKey('req-1')))?.value,
  };
}

describe('an approved run the audit trail refuses', () => {
  it('saves the decision as failed (nothing sent) and answers, even though the trail refuses the decision entry too', async () => {
    const { deps, defender, stored, audit } = setUp();
    defender.script('liftable', [ours]);
    await requestApproval(deps, { id: 'req-1', hash: HASH, comment: 'cleared by IR', ask: { action: 'unblock' }, requester: ana }, delegationOf(ana));
    defender.calls.length = 0;
    defender.script('liftable', [ours]);
    const broken: ApprovalDeps = { ...deps, audit: { recent: (q) => audit.recent(q), all: (q) => audit.all(q), record: () => Promise.reject(new Error('disk full')) } };

    const outcome = await decide(broken, 'req-1', bob, delegationOf(bob), { kind: 'approve' });

    expect(outcome).toMatchObject({
      kind: 'decided',
      request: { status: 'failed', failure: { notSent: true, detail: 'The bot could not write its audit trail, so nothing was sent to Defender.' } },
    });
    expect(defender.callsOf('unblock')).toEqual([]);
    expect((await stored())?.status).toBe('failed');
  });
});

describe('approving an unblock', () => {
  it('keeps what Defender listed (asked as the requester) on the request, and lifts it as the approver, acknowledging the listing the card showed', async () => {
    const { deps, defender, stored, audit } = setUp();
    defender.script('liftable', [ours, theirs]);
    const request = await requestApproval(deps, { id: 'req-1', hash: HASH, comment: 'cleared by IR', ask: { action: 'unblock' }, requester: ana }, delegationOf(ana));
    expect(request).toMatchObject({ kind: 'requested', request: { action: 'unblock', listed: [ours, theirs], status: 'pending' } });
    expect(defender.tokens()).toEqual([['liftable', 'token-of-oid-ana']]);
    expect(defender.callsOf('unblock')).toEqual([]);

    defender.calls.length = 0;
    defender.script('liftable', [ours, theirs]);
    const outcome = await decide(deps, 'req-1', bob, delegationOf(bob), { kind: 'approve' });

    expect(outcome).toMatchObject({ kind: 'decided', request: { status: 'approved', result: { fileStatus: 'Unblocked', cancellationRequestor: 'Bob Approver' } } });
    expect(defender.tokens()).toEqual([
      ['liftable', 'token-of-oid-bob'],
      ['unblock', 'token-of-oid-bob'],
    ]);
    expect(defender.callsOf('unblock')[0]).toMatchObject({ request: { hash: HASH, comment: 'cleared by IR', caller: bob }, listed: [ours, theirs] });
    expect((await stored())?.decisions.map((d) => [d.by?.name, d.action, d.outcome])).toEqual([['Bob Approver', 'approve', 'blocked']]);
    expect((await audit.all({})).map((e) => [e.action, e.outcome, e.actor.name, e.detail])).toEqual([
      ['approval-request', 'done', 'Ana Requester', 'asks to approve: unblock'],
      ['unblock', 'requested', 'Bob Approver', 'lifting indicators ind-ours, ind-theirs'],
      ['unblock', 'done', 'Bob Approver', 'lifted indicators ind-ours, ind-theirs'],
      ['approval-decision', 'done', 'Bob Approver', 'approved and unblocked'],
    ]);
  });

  it('lifts nothing when an indicator the card did not show appeared since, and fails the request saying so', async () => {
    const { deps, defender, ask, stored } = setUp();
    defender.script('liftable', [ours]);
    await ask({ action: 'unblock' });
    defender.script('liftable', [ours, theirs]);
    const outcome = await decide(deps, 'req-1', bob, delegationOf(bob), { kind: 'approve' });
    expect(outcome).toMatchObject({ kind: 'decided', request: { status: 'failed' } });
    expect((await stored())?.failure?.detail).toContain('this card did not show');
    expect(defender.callsOf('unblock')).toEqual([]);
  });

  it('refuses the requester approving their own unblock, sending nothing to Defender', async () => {
    const { deps, defender, ask, stored } = setUp();
    await ask({ action: 'unblock' });
    expect((await decide(deps, 'req-1', ana, delegationOf(ana), { kind: 'approve' })).kind).toBe('selfApproval');
    expect(defender.calls).toEqual([]);
    expect((await stored())?.status).toBe('pending');
  });

  it('records "nothing to lift" as approved with a note, and a failed unblock can be retried by another approver', async () => {
    const { deps, defender, ask, stored } = setUp();
    await ask({ action: 'unblock' });
    defender.script('liftable', new DefenderError('unavailable', 'Defender answered 503', { httpStatus: 503 }));
    expect(await decide(deps, 'req-1', bob, delegationOf(bob), { kind: 'approve' })).toMatchObject({
      request: { status: 'failed', failure: { detail: 'Defender answered 503' } },
    });
    defender.script('liftable', []);
    const retried = await decide(deps, 'req-1', cy, delegationOf(cy), { kind: 'retry' });
    expect(retried).toMatchObject({ kind: 'decided', request: { status: 'approved', note: 'No block was in force any more: nothing was lifted.' } });
    expect((await stored())?.decisions.map((d) => [d.by?.name, d.action, d.outcome])).toEqual([
      ['Bob Approver', 'approve', 'failed'],
      ['Cy Approver', 'retry', 'blocked'],
    ]);
  });
});

describe('approving an Undo', () => {
  const blocked: FileStatus = {
    fileIdentifier: HASH.value,
    fileIdentifierType: 'Sha1',
    actionType: 'Block',
    fileStatus: 'Blocked',
    indicatorId: 'ind-7',
    lastUpdateDateTimeUtc: '2025-03-01T12:00:00.000Z',
    confirmed: true,
    source: 'indicators',
  };

  it('asks to lift exactly the block the Undo record made, and the approved lift sends only that, as the approver', async () => {
    const { deps, defender, store, clock, ask, audit } = setUp();
    await offerUndo(store, { hash: HASH, comment: 'oops', caller: ana, status: blocked }, 'undo-1', clock.now(), 15 * 60_000);
    const target = await undoToApprove(store, 'undo-1', ana, clock.now());
    if (target.kind !== 'ok') throw new Error(target.kind);
    expect(target.ask.undo).toEqual({
      undoId: 'undo-1',
      made: expect.objectContaining({ indicatorId: 'ind-7' }),
      blockedBy: 'Ana Requester',
      blockedAt: clock.now().toISOString(),
    });
    const request = await ask(target.ask, 'Undo of the block by Ana Requester, asked by Ana Requester in Teams.');
    expect(request).toMatchObject({ action: 'undo', undo: target.ask.undo });

    const outcome = await decide(deps, 'req-1', bob, delegationOf(bob), { kind: 'approve' });

    expect(outcome).toMatchObject({ kind: 'decided', request: { status: 'approved', result: { indicatorId: 'ind-7', fileStatus: 'Unblocked' } } });
    expect(defender.tokens()).toEqual([['liftBlock', 'token-of-oid-bob']]);
    expect(defender.callsOf('liftBlock')[0]).toMatchObject({
      made: { indicatorId: 'ind-7' },
      request: { caller: bob, comment: expect.stringContaining('Approved by Bob Approver.') },
    });
    expect((await audit.all({})).filter((e) => e.action === 'undo').map((e) => [e.outcome, e.actor.name, e.correlationId])).toEqual([
      ['requested', 'Bob Approver', 'ind-7'],
      ['done', 'Bob Approver', 'ind-7'],
    ]);
  });

  it('refuses to ask again while a request for the same Undo is open, and asks again once it was rejected', async () => {
    const { deps, store, clock, ask } = setUp();
    await offerUndo(store, { hash: HASH, comment: 'oops', caller: ana, status: blocked }, 'undo-1', clock.now(), 15 * 60_000);
    const target = await undoToApprove(store, 'undo-1', ana, clock.now());
    if (target.kind !== 'ok') throw new Error(target.kind);
    await ask(target.ask);
    expect(await undoToApprove(store, 'undo-1', ana, clock.now())).toEqual({ kind: 'alreadyRequested', requestId: 'req-1' });
    await decide(deps, 'req-1', bob, delegationOf(bob), { kind: 'reject', reason: 'keep it' });
    expect((await undoToApprove(store, 'undo-1', ana, clock.now())).kind).toBe('ok');
  });

  it('is approved with a note, changing nothing, when the block is no longer in force', async () => {
    const { deps, defender, store, clock, ask } = setUp();
    await offerUndo(store, { hash: HASH, comment: 'oops', caller: ana, status: blocked }, 'undo-1', clock.now(), 15 * 60_000);
    const target = await undoToApprove(store, 'undo-1', ana, clock.now());
    if (target.kind !== 'ok') throw new Error(target.kind);
    await ask(target.ask);
    defender.script('liftBlock', undefined);
    expect(await decide(deps, 'req-1', bob, delegationOf(bob), { kind: 'approve' })).toMatchObject({
      request: { status: 'approved', note: expect.stringContaining('no longer in force') },
    });
  });

  it('refuses to ask for an Undo that is unknown, of another tenant, or past its window', async () => {
    const { store, clock } = setUp();
    await offerUndo(store, { hash: HASH, comment: 'oops', caller: ana, status: blocked }, 'undo-1', clock.now(), 15 * 60_000);
    expect(await undoToApprove(store, 'undo-404', ana, clock.now())).toEqual({ kind: 'unknown' });
    expect(await undoToApprove(store, 'undo-1', { ...ana, tenantId: 'tenant-b' }, clock.now())).toEqual({ kind: 'unknown' });
    clock.advance(15 * 60_000 + 1);
    expect(await undoToApprove(store, 'undo-1', ana, clock.now())).toMatchObject({ kind: 'expired', record: { id: 'undo-1' } });
  });
});

describe('approving an allow', () => {
  it('looks up what is in force as the requester, and the approved allow creates the Allowed indicator as the approver, its confirmation given by the approval', async () => {
    const { deps, defender, ask, stored } = setUp();
    const request = await ask({ action: 'allow', options: ALLOWED }, 'signed vendor updater');
    expect(request).toMatchObject({ action: 'allow', options: ALLOWED });

    const outcome = await decide(deps, 'req-1', bob, delegationOf(bob), { kind: 'approve' });

    expect(outcome).toMatchObject({ kind: 'decided', request: { status: 'approved', result: { actionType: 'Allowed' } } });
    expect(defender.callsOf('block').map((c) => [c.request.options, c.request.caller, c.token])).toEqual([[ALLOWED, bob, 'token-of-oid-bob']]);
    expect((await stored())?.status).toBe('approved');
  });

  it('records what the requester saw when asking: the indicator already in force', async () => {
    const { deps, defender } = setUp();
    const existing: FileStatus = { fileIdentifier: HASH.value, fileIdentifierType: 'Sha1', actionType: 'Block', fileStatus: 'Blocked', confirmed: true, source: 'indicators' };
    defender.script('currentBlock', existing);
    const asked = await requestApproval(deps, { id: 'req-1', hash: HASH, comment: 'vendor', ask: { action: 'allow', options: ALLOWED }, requester: ana }, delegationOf(ana));
    expect(asked).toMatchObject({ request: { existing } });
    expect(defender.tokens()).toEqual([['currentBlock', 'token-of-oid-ana']]);
  });
});
