import { approvalKey, attachCard, findRequest, type ApprovalDeps, type ApprovalRequest } from '../../src/domain/approval-record';
import { expireDue, indexLegacyRequests } from '../../src/domain/approval-sweep';
import { cancelRequest, decide } from '../../src/domain/approvals';
import { requestApproval, withdrawRequest } from '../../src/domain/approval-requests';
import type { Caller } from '../../src/domain/caller';
import type { FileStatus } from '../../src/domain/file-status';
import type { Delegation, RoleDirectory, RoleLookup, Store } from '../../src/domain/ports';
import { StoreKey, StorePrefix } from '../../src/domain/store-keys';
import { BLOCKING_ROLES, DirectoryRole } from '../../src/domain/roles';
import { DefenderError } from '../../src/errors';
import { MemoryStore } from '../../src/storage/memory-store';
import { headlineOf } from '../../src/cards/approval-words';
import { delegationOf, domainKit, heldAnswer, manualClock } from '../fixtures/domain-kit';

const TTL_MS = 60 * 60_000;
const FIVE_MINUTES = 5 * 60_000;
const HASH = { value: 'abcdef0123456789abcdef0123456789abcdef01', type: 'Sha1' as const };

const ana: Caller = { userId: '29:ana', aadObjectId: 'oid-ana', name: 'Ana Requester', tenantId: 'tenant-a' };
const bob: Caller = { userId: '29:bob', aadObjectId: 'oid-bob', name: 'Bob Approver', tenantId: 'tenant-a' };
const cy: Caller = { userId: '29:cy', aadObjectId: 'oid-cy', name: 'Cy Approver', tenantId: 'tenant-a' };
const riley: Caller = { userId: '29:riley', aadObjectId: 'oid-riley', name: 'Riley Reader', tenantId: 'tenant-a' };

function setUp() {
  const { clock, defender, roles, store, audit, actions } = domainKit({
    held: {
      'oid-ana': [DirectoryRole.SecurityAdministrator],
      'oid-bob': [DirectoryRole.SecurityAdministrator],
      'oid-cy': [DirectoryRole.GlobalAdministrator],
      'oid-riley': [DirectoryRole.SecurityReader],
    },
  });
  const deps: ApprovalDeps = { ...actions, store, requestTtlMs: TTL_MS };
  return {
    deps,
    defender,
    roles,
    store,
    audit,
    advance: clock.advance,
    ask: (id = 'req-1', requester: Caller = ana) =>
      requestApproval(deps, { id, hash: HASH, comment: 'dropper seen on 3 hosts', requester, origin: { conversation: 'c-1' } }, delegationOf(requester)),
    /** A pending request of Ana's; the requestApproval tests check its lookup, so the Defender record starts empty after it. */
    request: async (id = 'req-1') => {
      const outcome = await requestApproval(deps, { id, hash: HASH, comment: 'dropper seen on 3 hosts', requester: ana, origin: { conversation: 'c-1' } }, delegationOf(ana));
      if (outcome.kind !== 'requested') throw new Error(`request ${id} was not made: ${outcome.kind}`);
      defender.calls.length = 0;
      return outcome.request;
    },
    stored: async (id = 'req-1') => (await store.get<ApprovalRequest>(approvalKey(id)))?.value,
    audited: async () => (await audit.all({})).map((e) => [e.action, e.outcome, e.actor.aadObjectId, e.detail]),
  };
}

const at = manualClock().at;

describe('requestApproval', () => {
  it("stores the request as pending until the request TTL and audits it; Defender is only asked, with the requester's token, what is already in force", async () => {
    const { ask, stored, audit, defender } = setUp();
    const outcome = await ask();
    const expected: ApprovalRequest = {
      id: 'req-1',
      tenantId: 'tenant-a',
      action: 'block',
      hash: HASH,
      comment: 'dropper seen on 3 hosts',
      requester: { userId: '29:ana', aadObjectId: 'oid-ana', name: 'Ana Requester' },
      requestedAt: at(0),
      expiresAt: at(TTL_MS),
      status: 'pending',
      origin: { conversation: 'c-1' },
      decisions: [],
      attempts: 0,
    };
    expect(outcome).toEqual({ kind: 'requested', request: expected });
    expect(await stored()).toEqual(expected);
    expect(await audit.all({})).toEqual([
      expect.objectContaining({
        action: 'approval-request',
        outcome: 'done',
        tenantId: 'tenant-a',
        actor: { userId: '29:ana', aadObjectId: 'oid-ana', name: 'Ana Requester' },
        hash: HASH.value,
        hashType: 'Sha1',
        comment: 'dropper seen on 3 hosts',
        api: 'indicators',
        correlationId: 'req-1',
      }),
    ]);
    expect(defender.tokens()).toEqual([['currentBlock', 'token-of-oid-ana']]);
  });

  it('keeps the indicator already in force on the request, or why it could not be looked up', async () => {
    const { ask, stored, defender } = setUp();
    const existing: FileStatus = {
      fileIdentifier: HASH.value,
      fileIdentifierType: 'Sha1',
      actionType: 'Audit',
      fileStatus: 'Audited',
      requestor: 'lee@contoso.example',
      creationDateTimeUtc: '2026-11-01T08:00:00Z',
      confirmed: true,
      source: 'indicators',
    };
    defender.script('currentBlock', existing, new DefenderError('unavailable', 'Defender answered 503', { httpStatus: 503 }));
    await ask('req-1');
    await ask('req-2');
    expect(await stored('req-1')).toMatchObject({ status: 'pending', existing });
    expect(await stored('req-2')).toMatchObject({ status: 'pending', existingUnknown: 'Defender answered 503' });
    expect((await stored('req-2'))?.existing).toBeUndefined();
  });

  it('refuses a request once the requester has the most pending at once, counting only their pending ones', async () => {
    const { deps, ask, stored, audit, defender } = setUp();
    const capped = { ...deps, maxOpenPerUser: 2 };
    const askCapped = (id: string, requester: Caller = ana) => requestApproval(capped, { id, hash: HASH, comment: 'dropper seen on 3 hosts', requester }, delegationOf(requester));
    await askCapped('a-1');
    await askCapped('a-2');
    await ask('r-1', riley);
    defender.calls.length = 0;

    expect(await askCapped('a-3')).toEqual({ kind: 'tooMany', open: 2, max: 2 });
    expect(await stored('a-3')).toBeUndefined();
    expect(defender.calls).toEqual([]);
    expect((await audit.all({})).at(-1)).toMatchObject({
      action: 'approval-request',
      outcome: 'denied',
      actor: { aadObjectId: 'oid-ana' },
      detail: '2 requests already wait for approval (at most 2)',
    });
    expect((await askCapped('r-2', riley)).kind).toBe('requested');

    await cancelRequest(deps, 'a-1', ana);
    expect((await askCapped('a-4')).kind).toBe('requested');
  });

  it('does not count a request past its expiry that the sweep has not reached yet', async () => {
    const { deps, stored, advance } = setUp();
    const capped = { ...deps, maxOpenPerUser: 1 };
    const askCapped = (id: string) => requestApproval(capped, { id, hash: HASH, comment: 'dropper seen on 3 hosts', requester: ana }, delegationOf(ana));
    await askCapped('a-1');
    advance(TTL_MS - 1);
    expect((await askCapped('a-2')).kind).toBe('tooMany');
    advance(1);
    expect((await askCapped('a-3')).kind).toBe('requested');
    expect((await stored('a-1'))?.status).toBe('pending');
  });

  it('allows ten pending requests per person by default', async () => {
    const { ask } = setUp();
    for (let i = 0; i < 10; i++) expect((await ask(`req-${i}`)).kind).toBe('requested');
    expect(await ask('req-10')).toEqual({ kind: 'tooMany', open: 10, max: 10 });
  });

  it('refuses a second request with the same id and keeps the first', async () => {
    const { request, stored, audit } = setUp();
    await request();
    await expect(request()).rejects.toThrow('approval req-1 already exists');
    expect((await stored())?.comment).toBe('dropper seen on 3 hosts');
    expect(await audit.all({})).toHaveLength(1);
  });
});

describe('withdrawRequest', () => {
  it('deletes a request whose card could not be posted, so it never waits, and audits why', async () => {
    const { deps, request, stored, audited, ask } = setUp();
    const made = await request();
    await withdrawRequest(deps, made, 'the approval card could not be posted: the channel was not found (404 ConversationNotFound)');
    expect(await stored()).toBeUndefined();
    expect(await audited()).toEqual([
      ['approval-request', 'done', 'oid-ana', undefined],
      ['approval-request', 'failed', 'oid-ana', 'no approval was requested: the approval card could not be posted: the channel was not found (404 ConversationNotFound)'],
    ]);
    expect(await expireDue(deps)).toEqual([]);
    expect((await ask('req-2')).kind).toBe('requested');
  });
});

describe('decide: who may decide', () => {
  it('refuses the requester approving their own request, whatever the letter case of the object id', async () => {
    const { deps, request, stored, defender, roles } = setUp();
    await request();
    const sameAna = { ...ana, aadObjectId: 'OID-ANA', userId: '29:ana-on-another-client' };
    const outcome = await decide(deps, 'req-1', sameAna, delegationOf(ana), { kind: 'approve' });
    expect(outcome).toEqual({ kind: 'selfApproval', request: await stored() });
    expect((await stored())?.status).toBe('pending');
    expect(defender.calls).toEqual([]);
    expect(roles.lookups).toEqual([]);
  });

  it('refuses the requester rejecting their own request (they cancel instead)', async () => {
    const { deps, request, stored, defender } = setUp();
    await request();
    expect((await decide(deps, 'req-1', ana, delegationOf(ana), { kind: 'reject', reason: 'no' })).kind).toBe('selfApproval');
    expect((await stored())?.status).toBe('pending');
    expect(defender.calls).toEqual([]);
  });

  it('refuses an approver without a blocking role after a live lookup with their own token, sending nothing to Defender', async () => {
    const { deps, request, stored, defender, roles, audited } = setUp();
    await request();
    const outcome = await decide(deps, 'req-1', riley, delegationOf(riley), { kind: 'approve' });
    expect(outcome).toEqual({ kind: 'denied', heldRoles: [DirectoryRole.SecurityReader], neededRoles: BLOCKING_ROLES, request: await stored() });
    expect(roles.lookups).toEqual(['graph-token-of-oid-riley']);
    expect((await stored())?.status).toBe('pending');
    expect(defender.calls).toEqual([]);
    expect(await audited()).toEqual([['approval-request', 'done', 'oid-ana', undefined]]);
  });

  it("fails closed when the approver's roles cannot be read", async () => {
    const { deps, request, stored, defender } = setUp();
    await request();
    const unreadable: RoleDirectory = { rolesOf: async () => ({ ok: false, detail: 'Graph answered 503' }) };
    const outcome = await decide({ ...deps, roles: unreadable }, 'req-1', bob, delegationOf(bob), { kind: 'approve' });
    expect(outcome).toEqual({ kind: 'rolesUnavailable', detail: 'Graph answered 503', request: await stored() });
    expect((await stored())?.status).toBe('pending');
    expect(defender.calls).toEqual([]);
  });

  it('treats a request of another tenant, or none, as unknown', async () => {
    const { deps, request, stored, defender } = setUp();
    await request();
    const outsider = { ...bob, tenantId: 'tenant-b' };
    expect(await decide(deps, 'req-1', outsider, delegationOf(outsider), { kind: 'approve' })).toEqual({ kind: 'unknown' });
    expect(await decide(deps, 'req-404', bob, delegationOf(bob), { kind: 'approve' })).toEqual({ kind: 'unknown' });
    expect(await cancelRequest(deps, 'req-1', { ...ana, tenantId: 'tenant-b' })).toEqual({ kind: 'unknown' });
    expect((await stored())?.status).toBe('pending');
    expect(defender.calls).toEqual([]);
  });
});

describe('decide: approve', () => {
  it("blocks with the approver's token, acknowledging every concern, and records approved with Defender's answer", async () => {
    const { deps, request, stored, defender, roles, audit, advance } = setUp();
    await request();
    advance(60_000);
    const existing: FileStatus = { fileIdentifier: HASH.value, fileIdentifierType: 'Sha1', actionType: 'Audit', fileStatus: 'Audited', confirmed: true, source: 'indicators' };
    const result: FileStatus = { ...existing, actionType: 'Block', fileStatus: 'Blocked', requestor: 'Bob Approver', indicatorId: 'ind-42' };
    defender
      .script('currentBlock', existing)
      .script('fileDetails', { info: { signer: 'Microsoft Corporation' }, stats: { orgPrevalence: 5000 } })
      .script('block', result);

    const outcome = await decide(deps, 'req-1', bob, delegationOf(bob), { kind: 'approve' });

    expect(outcome.kind).toBe('decided');
    expect(await stored()).toEqual({
      id: 'req-1',
      tenantId: 'tenant-a',
      action: 'block',
      hash: HASH,
      comment: 'dropper seen on 3 hosts',
      requester: { userId: '29:ana', aadObjectId: 'oid-ana', name: 'Ana Requester' },
      requestedAt: at(0),
      expiresAt: at(TTL_MS),
      status: 'approved',
      origin: { conversation: 'c-1' },
      decisions: [{ by: { userId: '29:bob', aadObjectId: 'oid-bob', name: 'Bob Approver' }, action: 'approve', at: at(60_000), outcome: 'blocked' }],
      result,
      attempts: 1,
    });
    expect(outcome).toEqual({ kind: 'decided', request: expect.objectContaining({ status: 'approved', result, attempts: 1 }) });
    expect(roles.lookups).toEqual(['graph-token-of-oid-bob', 'graph-token-of-oid-bob']);
    expect(defender.tokens()).toEqual([
      ['currentBlock', 'token-of-oid-bob'],
      ['fileDetails', 'token-of-oid-bob'],
      ['block', 'token-of-oid-bob'],
    ]);
    expect(defender.callsOf('block')[0].request).toEqual({ hash: HASH, comment: 'dropper seen on 3 hosts', caller: bob, requestedBy: { name: ana.name }, options: undefined });
    const trail = await audit.all({});
    expect(trail.map((e) => [e.action, e.outcome, e.actor.aadObjectId, e.detail, e.correlationId])).toEqual([
      ['approval-request', 'done', 'oid-ana', undefined, 'req-1'],
      ['block', 'requested', 'oid-bob', undefined, undefined],
      ['block', 'done', 'oid-bob', undefined, 'ind-42'],
      ['approval-decision', 'done', 'oid-bob', 'approved and blocked', 'ind-42'],
    ]);
  });

  it('lets exactly one of two approvers racing on the same request block, the other told it is already decided', async () => {
    const { deps, request, stored, defender, roles, audit } = setUp();
    await request();

    const outcomes = await Promise.all([decide(deps, 'req-1', bob, delegationOf(bob), { kind: 'approve' }), decide(deps, 'req-1', cy, delegationOf(cy), { kind: 'approve' })]);

    expect(outcomes.map((o) => o.kind).sort()).toEqual(['alreadyDecided', 'decided']);
    const winner = outcomes[0].kind === 'decided' ? bob : cy;
    // Both read the request as pending and passed their role check (the winner's block checks again): the eTag settled it.
    expect([...roles.lookups].sort()).toEqual(['graph-token-of-oid-bob', 'graph-token-of-oid-cy', `graph-token-of-${winner.aadObjectId}`].sort());
    const loser = outcomes.find((o) => o.kind === 'alreadyDecided');
    expect(defender.callsOf('block').map((c) => c.token)).toEqual([`token-of-${winner.aadObjectId}`]);
    expect(loser).toMatchObject({ kind: 'alreadyDecided', request: { decisions: [{ by: { aadObjectId: winner.aadObjectId }, action: 'approve' }] } });
    expect(await stored()).toMatchObject({ status: 'approved', decisions: [{ by: { aadObjectId: winner.aadObjectId }, action: 'approve', outcome: 'blocked' }], attempts: 1 });
    const decisions = (await audit.all({})).filter((e) => e.action === 'approval-decision');
    expect(decisions.map((e) => [e.outcome, e.actor.aadObjectId])).toEqual([['done', winner.aadObjectId]]);
  });

  it('refuses a second approval of an approved request without calling Defender again', async () => {
    const { deps, request, defender } = setUp();
    await request();
    await decide(deps, 'req-1', bob, delegationOf(bob), { kind: 'approve' });
    const again = await decide(deps, 'req-1', cy, delegationOf(cy), { kind: 'approve' });
    expect(again).toMatchObject({
      kind: 'alreadyDecided',
      request: { status: 'approved', decisions: [{ by: { aadObjectId: 'oid-bob' }, action: 'approve', outcome: 'blocked' }] },
    });
    expect(defender.callsOf('block')).toHaveLength(1);
  });

  it("records a failed block with Defender's correlation id, and a retry by another approver blocks with their token", async () => {
    const { deps, request, stored, defender, audit, advance } = setUp();
    await request();
    defender.script('block', new DefenderError('forbidden', 'Missing Machine.ReadWrite.All', { httpStatus: 403, correlationId: 'corr-7' }));

    const failed = await decide(deps, 'req-1', bob, delegationOf(bob), { kind: 'approve' });

    expect(failed).toEqual({
      kind: 'decided',
      request: expect.objectContaining({
        status: 'failed',
        attempts: 1,
        failure: { detail: 'Defender answered HTTP 403: Missing Machine.ReadWrite.All', audited: 'forbidden: Missing Machine.ReadWrite.All', correlationId: 'corr-7' },
      }),
    });
    expect((await decide(deps, 'req-1', cy, delegationOf(cy), { kind: 'approve' })).kind).toBe('alreadyDecided');
    expect((await decide(deps, 'req-1', ana, delegationOf(ana), { kind: 'retry' })).kind).toBe('selfApproval');

    advance(1000);
    const retried = await decide(deps, 'req-1', cy, delegationOf(cy), { kind: 'retry' });

    expect(retried.kind).toBe('decided');
    expect(await stored()).toMatchObject({
      status: 'approved',
      attempts: 2,
      decisions: [
        { by: { aadObjectId: 'oid-bob' }, action: 'approve', at: at(0), outcome: 'failed' },
        { by: { aadObjectId: 'oid-cy' }, action: 'retry', at: at(1000), outcome: 'blocked' },
      ],
    });
    expect((await stored())?.failure).toBeUndefined();
    expect((await stored())?.result).toMatchObject({ fileStatus: 'Blocked', requestor: 'Cy Approver' });
    expect(defender.callsOf('block').map((c) => c.token)).toEqual(['token-of-oid-bob', 'token-of-oid-cy']);
    const decisions = (await audit.all({})).filter((e) => e.action === 'approval-decision');
    expect(decisions.map((e) => [e.outcome, e.actor.aadObjectId, e.detail, e.correlationId])).toEqual([
      ['failed', 'oid-bob', 'approved, block failed: forbidden: Missing Machine.ReadWrite.All', 'corr-7'],
      ['done', 'oid-cy', 'retried (approved by Bob Approver) and blocked', 'req-1'],
    ]);
  });

  it('records an approved block whose answer was lost as outcome unknown (it may be blocked), never as NOT blocked', async () => {
    const { deps, request, defender, audit } = setUp();
    await request();
    defender.script('block', new DefenderError('outcomeUnknown', 'Defender answered HTTP 500 after the request was sent', { httpStatus: 500, correlationId: 'corr-9' }));
    const outcome = await decide(deps, 'req-1', bob, delegationOf(bob), { kind: 'approve' });
    if (outcome.kind !== 'decided') throw new Error(`not decided: ${outcome.kind}`);
    expect(outcome.request).toMatchObject({ status: 'failed', failure: { unknown: true, correlationId: 'corr-9' } });
    expect(headlineOf(outcome.request).text).toBe("Approved, but the block's outcome is unknown: check its status");
    const decisions = (await audit.all({})).filter((e) => e.action === 'approval-decision');
    expect(decisions.map((e) => [e.outcome, e.detail])).toEqual([['unknown', expect.stringMatching(/^approved, block outcome unknown: /)]]);
  });

  it('refuses a retry of a request still pending (it must be approved first)', async () => {
    const { deps, request, stored, defender } = setUp();
    await request();
    expect(await decide(deps, 'req-1', bob, delegationOf(bob), { kind: 'retry' })).toEqual({ kind: 'alreadyDecided', request: await stored() });
    expect(defender.calls).toEqual([]);
  });
});

describe('decide: expiry and stalled approvals', () => {
  it('expires a pending request decided at or after its expiry, with no role check and no Defender call', async () => {
    const { deps, request, stored, defender, roles, advance } = setUp();
    await request();
    advance(TTL_MS);
    const outcome = await decide(deps, 'req-1', bob, delegationOf(bob), { kind: 'approve' });
    expect(outcome).toEqual({ kind: 'expired', request: expect.objectContaining({ id: 'req-1', status: 'expired' }) });
    expect(await stored()).toMatchObject({ status: 'expired' });
    expect(roles.lookups).toEqual([]);
    expect(defender.calls).toEqual([]);
    expect((await decide(deps, 'req-1', bob, delegationOf(bob), { kind: 'approve' })).kind).toBe('alreadyDecided');
  });

  it('still approves one millisecond before expiry', async () => {
    const { deps, request, stored, advance } = setUp();
    await request();
    advance(TTL_MS - 1);
    expect((await decide(deps, 'req-1', bob, delegationOf(bob), { kind: 'approve' })).kind).toBe('decided');
    expect((await stored())?.status).toBe('approved');
  });

  it('refuses a retry of a failed block after the request expired, records the expiry, and keeps the failed approval', async () => {
    const { deps, request, stored, defender, roles, advance } = setUp();
    await request();
    defender.script('block', new DefenderError('unavailable', 'Defender answered 503', { httpStatus: 503 }));
    await decide(deps, 'req-1', bob, delegationOf(bob), { kind: 'approve' });
    defender.calls.length = 0;
    roles.lookups.length = 0;
    advance(TTL_MS);

    const outcome = await decide(deps, 'req-1', cy, delegationOf(cy), { kind: 'retry' });

    expect(outcome).toMatchObject({ kind: 'expired', request: { status: 'expired' } });
    expect(await stored()).toMatchObject({
      status: 'expired',
      attempts: 1,
      decisions: [
        { by: { aadObjectId: 'oid-bob' }, action: 'approve', at: at(0), outcome: 'failed' },
        { action: 'expire', at: at(TTL_MS), outcome: 'expired' },
      ],
    });
    expect((await stored())?.decisions[1].by).toBeUndefined();
    expect(roles.lookups).toEqual([]);
    expect(defender.calls).toEqual([]);
    expect((await decide(deps, 'req-1', cy, delegationOf(cy), { kind: 'retry' })).kind).toBe('alreadyDecided');
  });

  it('still retries a failed block one millisecond before expiry', async () => {
    const { deps, request, stored, defender, advance } = setUp();
    await request();
    defender.script('block', new DefenderError('unavailable', 'Defender answered 503', { httpStatus: 503 }));
    await decide(deps, 'req-1', bob, delegationOf(bob), { kind: 'approve' });
    advance(TTL_MS - 1);
    expect((await decide(deps, 'req-1', cy, delegationOf(cy), { kind: 'retry' })).kind).toBe('decided');
    expect((await stored())?.status).toBe('approved');
  });

  it('reads a request stored before decisions and actions were kept as a block with no decisions', async () => {
    const { deps, request, store, defender, advance } = setUp();
    await request();
    const current = await store.get<ApprovalRequest>(approvalKey('req-1'));
    if (!current) throw new Error('setup failed');
    const { decisions: _dropped, action: _none, ...legacy } = current.value;
    await store.put(approvalKey('req-1'), legacy, { ifMatch: current.etag });
    expect((await findRequest(store, 'req-1'))?.value).toMatchObject({ decisions: [], action: 'block' });
    expect((await decide(deps, 'req-1', bob, delegationOf(bob), { kind: 'approve' })).kind).toBe('decided');
    expect(defender.callsOf('block')).toHaveLength(1);
    advance(TTL_MS);
    expect(await expireDue(deps)).toEqual([]);
  });

  it('lets an approval whose instance died mid-block be retried only once more than five minutes have passed', async () => {
    const { deps, request, store, stored, defender, advance } = setUp();
    await request();
    const pending = await store.get<ApprovalRequest>(approvalKey('req-1'));
    if (!pending) throw new Error('setup failed');
    // What an instance that died between claiming the request and hearing from Defender leaves behind.
    const dead: ApprovalRequest = {
      ...pending.value,
      status: 'approving',
      decisions: [{ by: { userId: '29:bob', aadObjectId: 'oid-bob', name: 'Bob Approver' }, action: 'approve', at: at(0), outcome: 'blocking' }],
      attempts: 1,
    };
    expect((await store.put(approvalKey('req-1'), dead, { ifMatch: pending.etag })).ok).toBe(true);

    advance(FIVE_MINUTES);
    expect(await decide(deps, 'req-1', cy, delegationOf(cy), { kind: 'retry' })).toEqual({ kind: 'alreadyDecided', request: dead });
    expect(await decide(deps, 'req-1', cy, delegationOf(cy), { kind: 'approve' })).toEqual({ kind: 'alreadyDecided', request: dead });
    expect(defender.calls).toEqual([]);

    advance(1);
    const retried = await decide(deps, 'req-1', cy, delegationOf(cy), { kind: 'retry' });
    expect(retried.kind).toBe('decided');
    expect(await stored()).toMatchObject({
      status: 'approved',
      attempts: 2,
      decisions: [
        { by: { aadObjectId: 'oid-bob' }, action: 'approve', outcome: 'blocking' },
        { by: { aadObjectId: 'oid-cy' }, action: 'retry', at: at(FIVE_MINUTES + 1), outcome: 'blocked' },
      ],
    });
    expect(defender.callsOf('block').map((c) => c.token)).toEqual(['token-of-oid-cy']);
  });
});

describe('attachCard while a decision is under way', () => {
  const card = { reference: { conversation: { id: '19:soc' } }, activityId: 'msg-approval-1' };

  it('keeps an approval whose card is saved while its block is in flight: approved, answered, audited and never blocked twice', async () => {
    const { deps, request, stored, defender, audit, advance } = setUp();
    await request();
    const answer = heldAnswer<FileStatus>();
    const result: FileStatus = {
      fileIdentifier: HASH.value,
      fileIdentifierType: 'Sha1',
      actionType: 'Block',
      fileStatus: 'Blocked',
      requestor: 'Bob Approver',
      confirmed: true,
      source: 'indicators',
      indicatorId: 'ind-9',
    };
    defender.script('block', answer.answer);

    const deciding = decide(deps, 'req-1', bob, delegationOf(bob), { kind: 'approve' });
    await answer.asked;
    await attachCard(deps, 'req-1', card);
    expect(await stored()).toMatchObject({ status: 'approving', card });
    answer.release(result);
    const outcome = await deciding;

    const approved = { status: 'approved', result, card, attempts: 1, decisions: [{ by: { aadObjectId: 'oid-bob' }, action: 'approve', at: at(0), outcome: 'blocked' }] };
    expect(outcome).toMatchObject({ kind: 'decided', request: approved });
    expect(await stored()).toMatchObject(approved);
    expect((await audit.all({})).map((e) => [e.action, e.outcome, e.actor.aadObjectId, e.detail, e.correlationId])).toEqual([
      ['approval-request', 'done', 'oid-ana', undefined, 'req-1'],
      ['block', 'requested', 'oid-bob', undefined, undefined],
      ['block', 'done', 'oid-bob', undefined, 'ind-9'],
      ['approval-decision', 'done', 'oid-bob', 'approved and blocked', 'ind-9'],
    ]);

    advance(FIVE_MINUTES + 1);
    expect(await decide(deps, 'req-1', cy, delegationOf(cy), { kind: 'retry' })).toEqual({ kind: 'alreadyDecided', request: await stored() });
    expect(defender.callsOf('block').map((c) => c.token)).toEqual(['token-of-oid-bob']);
  });

  it("keeps a press whose card is saved while the approver's role is checked, instead of calling it already decided", async () => {
    const { deps, request, stored, defender, roles } = setUp();
    await request();
    let saved = false;
    const savingMeanwhile: RoleDirectory = {
      rolesOf: async (caller: Caller, delegation: Delegation): Promise<RoleLookup> => {
        if (!saved) {
          saved = true;
          await attachCard(deps, 'req-1', card);
        }
        return roles.rolesOf(caller, delegation);
      },
    };

    const outcome = await decide({ ...deps, roles: savingMeanwhile }, 'req-1', bob, delegationOf(bob), { kind: 'approve' });

    expect(outcome).toEqual({ kind: 'decided', request: expect.objectContaining({ status: 'approved', card }) });
    expect(await stored()).toMatchObject({ status: 'approved', card, attempts: 1, decisions: [{ by: { aadObjectId: 'oid-bob' }, outcome: 'blocked' }] });
    expect(defender.callsOf('block').map((c) => c.token)).toEqual(['token-of-oid-bob']);
  });

  it("still lets a late answer lose to a retry of the stalled approval, whose decision is not the late one's", async () => {
    const { deps, request, stored, defender, audit, advance } = setUp();
    await request();
    const first = heldAnswer<FileStatus>();
    const second = heldAnswer<FileStatus>();
    const answered = (by: string): FileStatus => ({
      fileIdentifier: HASH.value,
      fileIdentifierType: 'Sha1',
      actionType: 'Block',
      fileStatus: 'Blocked',
      requestor: by,
      confirmed: true,
      source: 'indicators',
    });
    defender.script('block', first.answer, second.answer);

    const stalledApproval = decide(deps, 'req-1', bob, delegationOf(bob), { kind: 'approve' });
    await first.asked;
    advance(FIVE_MINUTES + 1);
    const retry = decide(deps, 'req-1', cy, delegationOf(cy), { kind: 'retry' });
    await second.asked;
    first.release(answered('Bob Approver'));

    expect(await stalledApproval).toEqual({
      kind: 'alreadyDecided',
      request: expect.objectContaining({
        status: 'approving',
        attempts: 2,
        decisions: [
          expect.objectContaining({ action: 'approve' }),
          expect.objectContaining({ by: expect.objectContaining({ aadObjectId: 'oid-cy' }), action: 'retry', outcome: 'blocking' }),
        ],
      }),
    });
    second.release(answered('Cy Approver'));
    expect((await retry).kind).toBe('decided');
    expect(await stored()).toMatchObject({
      status: 'approved',
      attempts: 2,
      decisions: [{ by: { aadObjectId: 'oid-bob' } }, { by: { aadObjectId: 'oid-cy' }, outcome: 'blocked' }],
      result: { requestor: 'Cy Approver' },
    });
    const decisions = (await audit.all({})).filter((e) => e.action === 'approval-decision');
    expect(decisions.map((e) => [e.outcome, e.actor.aadObjectId])).toEqual([['done', 'oid-cy']]);
    expect(defender.callsOf('block').map((c) => c.token)).toEqual(['token-of-oid-bob', 'token-of-oid-cy']);
  });
});

describe('decide: reject', () => {
  it('records the rejection with the trimmed reason and sends nothing to Defender', async () => {
    const { deps, request, stored, defender, audit, advance } = setUp();
    await request();
    advance(2000);
    const outcome = await decide(deps, 'req-1', bob, delegationOf(bob), { kind: 'reject', reason: '  known admin tool  ' });
    const rejected = {
      status: 'rejected',
      reason: 'known admin tool',
      decisions: [{ by: { userId: '29:bob', aadObjectId: 'oid-bob', name: 'Bob Approver' }, action: 'reject', at: at(2000), outcome: 'rejected' }],
      attempts: 0,
    };
    expect(outcome).toEqual({ kind: 'decided', request: expect.objectContaining(rejected) });
    expect(await stored()).toMatchObject(rejected);
    expect(defender.calls).toEqual([]);
    const decision = (await audit.all({})).find((e) => e.action === 'approval-decision');
    expect(decision).toMatchObject({
      outcome: 'cancelled',
      actor: { aadObjectId: 'oid-bob' },
      detail: 'rejected: known admin tool',
      comment: 'known admin tool',
      correlationId: 'req-1',
    });
    expect((await decide(deps, 'req-1', cy, delegationOf(cy), { kind: 'approve' })).kind).toBe('alreadyDecided');
    expect(defender.calls).toEqual([]);
  });

  it("drops a blank reason and audits the request's comment instead", async () => {
    const { deps, request, stored, audit } = setUp();
    await request();
    await decide(deps, 'req-1', bob, delegationOf(bob), { kind: 'reject', reason: '   ' });
    expect((await stored())?.reason).toBeUndefined();
    expect((await audit.all({})).find((e) => e.action === 'approval-decision')).toMatchObject({ detail: 'rejected', comment: 'dropper seen on 3 hosts' });
  });
});

describe('cancelRequest', () => {
  it('lets only the requester cancel a pending request, once', async () => {
    const { deps, request, stored, defender, audited, advance } = setUp();
    await request();
    expect(await cancelRequest(deps, 'req-1', bob)).toEqual({ kind: 'notRequester', request: await stored() });
    expect((await stored())?.status).toBe('pending');

    advance(3000);
    const cancelled = await cancelRequest(deps, 'req-1', ana);
    expect(cancelled).toMatchObject({ kind: 'decided', request: { status: 'cancelled', decisions: [{ at: at(3000) }] } });
    expect(await stored()).toMatchObject({ status: 'cancelled', decisions: [{ by: { aadObjectId: 'oid-ana' }, action: 'cancel', at: at(3000), outcome: 'cancelled' }] });
    expect(await cancelRequest(deps, 'req-1', ana)).toEqual({ kind: 'alreadyDecided', request: await stored() });
    expect((await decide(deps, 'req-1', bob, delegationOf(bob), { kind: 'approve' })).kind).toBe('alreadyDecided');
    expect(defender.calls).toEqual([]);
    expect(await audited()).toEqual([
      ['approval-request', 'done', 'oid-ana', undefined],
      ['approval-decision', 'cancelled', 'oid-ana', 'cancelled by the requester'],
    ]);
  });

  it('refuses to cancel a request already approved', async () => {
    const { deps, request, stored } = setUp();
    await request();
    await decide(deps, 'req-1', bob, delegationOf(bob), { kind: 'approve' });
    expect(await cancelRequest(deps, 'req-1', ana)).toEqual({ kind: 'alreadyDecided', request: await stored() });
    expect((await stored())?.status).toBe('approved');
  });
});

describe('expireDue', () => {
  it('expires a failed block not retried in time too, so its card loses the Retry button', async () => {
    const { deps, request, stored, defender, advance } = setUp();
    await request();
    defender.script('block', new DefenderError('unavailable', 'Defender answered 503', { httpStatus: 503 }));
    await decide(deps, 'req-1', bob, delegationOf(bob), { kind: 'approve' });
    advance(TTL_MS);
    expect((await expireDue(deps)).map((r) => [r.id, r.status, r.decisions.map((d) => d.action)])).toEqual([['req-1', 'expired', ['approve', 'expire']]]);
    expect((await stored())?.failure).toMatchObject({ detail: 'Defender answered 503' });
  });

  it('expires each pending request past its time exactly once, across two instances, and nothing else', async () => {
    const { deps, request, stored, store, advance } = setUp();
    await request('req-1');
    await request('req-2');
    await request('req-approved');
    await decide(deps, 'req-approved', bob, delegationOf(bob), { kind: 'approve' });
    advance(30 * 60_000);
    await request('req-later');
    advance(30 * 60_000);

    const otherInstance = { ...deps, store: new MemoryStore({ now: deps.now, sharing: store }) };
    const [first, second] = await Promise.all([expireDue(deps), expireDue(otherInstance)]);

    expect([...first, ...second].map((r) => [r.id, r.status]).sort()).toEqual([
      ['req-1', 'expired'],
      ['req-2', 'expired'],
    ]);
    expect(await expireDue(deps)).toEqual([]);
    expect(await Promise.all(['req-1', 'req-2', 'req-approved', 'req-later'].map(async (id) => (await stored(id))?.status))).toEqual(['expired', 'expired', 'approved', 'pending']);
    advance(30 * 60_000);
    expect((await expireDue(deps)).map((r) => r.id)).toEqual(['req-later']);
  });

  it('reads only the open-approval index up to now: no request that is not due, and never the whole store', async () => {
    const { deps, request, store, advance } = setUp();
    const lists: Array<[string, string | undefined]> = [];
    const gets: string[] = [];
    const watched: Store = Object.assign(Object.create(store) as Store, {
      list: (prefix: string, options?: { before?: string }) => (lists.push([prefix, options?.before]), store.list(prefix, options)),
      get: (key: string) => (gets.push(key), store.get(key)),
    });
    const sweeping = { ...deps, store: watched };
    await request('req-1');
    advance(30 * 60_000);
    await request('req-later');
    expect(await expireDue(sweeping)).toEqual([]);
    expect(gets).toEqual([]);
    advance(30 * 60_000);
    expect((await expireDue(sweeping)).map((r) => r.id)).toEqual(['req-1']);
    expect(gets).toEqual([approvalKey('req-1')]);
    expect(lists.map(([prefix]) => prefix)).toEqual([StorePrefix.openApproval, StorePrefix.openApproval]);
    expect(lists[1][1]).toBe(StoreKey.openApprovalDue(deps.now().getTime() + 1));
    expect((await store.list(StorePrefix.openApproval)).map((e) => e.key)).toEqual([StoreKey.openApproval(deps.now().getTime() + 30 * 60_000, 'req-later')]);
  });

  it('drops index entries of requests decided or withdrawn before they were due, without expiring them', async () => {
    const { deps, request, stored, store, advance } = setUp();
    await request('req-approved');
    await decide(deps, 'req-approved', bob, delegationOf(bob), { kind: 'approve' });
    const withdrawn = await request('req-withdrawn');
    await withdrawRequest(deps, withdrawn, 'card could not be posted');
    advance(TTL_MS);
    expect(await expireDue(deps)).toEqual([]);
    expect(await store.list(StorePrefix.openApproval)).toEqual([]);
    expect((await stored('req-approved'))?.status).toBe('approved');
  });
});

describe('questions about open requests read the open-approval index, not every request', () => {
  it("counts a requester's pending requests from the index, reading only that requester's requests", async () => {
    const { deps, request, store } = setUp();
    await request('req-1');
    await requestApproval(deps, { id: 'req-riley', hash: HASH, comment: 'c', requester: riley }, delegationOf(riley));
    const lists: string[] = [];
    const gets: string[] = [];
    const watched: Store = Object.assign(Object.create(store) as Store, {
      list: (prefix: string, options?: { before?: string }) => (lists.push(prefix), store.list(prefix, options)),
      get: (key: string) => (gets.push(key), store.get(key)),
    });
    const outcome = await requestApproval({ ...deps, store: watched, maxOpenPerUser: 1 }, { id: 'req-2', hash: HASH, comment: 'c', requester: ana }, delegationOf(ana));
    expect(outcome).toEqual({ kind: 'tooMany', open: 1, max: 1 });
    expect(lists).toEqual([StorePrefix.openApproval]);
    expect(gets).toEqual([approvalKey('req-1')]);
  });
});

describe('approval retention', () => {
  it('keeps a decided request (and its index entry) for 30 days after its expiry by default, then the store forgets it', async () => {
    const { deps, request, store, advance } = setUp();
    await request('req-1');
    await decide(deps, 'req-1', bob, delegationOf(bob), { kind: 'approve' });
    advance(TTL_MS + 30 * 24 * 60 * 60_000 - 1);
    expect((await findRequest(store, 'req-1'))?.value.status).toBe('approved');
    advance(1);
    expect(await findRequest(store, 'req-1')).toBeUndefined();
    expect(await store.list('')).toEqual([]);
  });

  it('keeps an expired request for the configured retention after its expiry, whichever write came last', async () => {
    const { deps, store, advance } = setUp();
    const days = 24 * 60 * 60_000;
    const kept = { ...deps, retentionMs: 2 * days };
    await requestApproval(kept, { id: 'req-2', hash: HASH, comment: 'c', requester: ana }, delegationOf(ana));
    await attachCard(kept, 'req-2', { activityId: 'm-1' });
    advance(TTL_MS);
    expect((await expireDue(kept)).map((r) => r.id)).toEqual(['req-2']);
    advance(2 * days - 1);
    expect((await findRequest(store, 'req-2'))?.value).toMatchObject({ status: 'expired', card: { activityId: 'm-1' } });
    advance(1);
    expect(await findRequest(store, 'req-2')).toBeUndefined();
  });
});

describe('requests stored before the open-approval index', () => {
  it('are indexed and given their retention once per store, so the sweep expires them and the store forgets them', async () => {
    const { deps, request, store, advance } = setUp();
    const pending = await request('req-old');
    const decided = { ...pending, id: 'req-done', status: 'approved' as const };
    for (const key of (await store.list('')).map((e) => e.key)) await store.delete(key);
    await store.put(approvalKey('req-old'), pending);
    await store.put(approvalKey('req-done'), decided);
    expect(await indexLegacyRequests(deps)).toBe(2);
    expect(await indexLegacyRequests(deps)).toBe(0);
    expect((await store.list(StorePrefix.openApproval)).map((e) => e.value)).toEqual([expect.objectContaining({ id: 'req-old', requester: pending.requester })]);
    advance(TTL_MS);
    expect((await expireDue(deps)).map((r) => r.id)).toEqual(['req-old']);
    advance(30 * 24 * 60 * 60_000);
    expect(await findRequest(store, 'req-old')).toBeUndefined();
    expect(await findRequest(store, 'req-done')).toBeUndefined();
  });
});
