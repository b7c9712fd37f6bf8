import type { ActionDeps } from '../../src/domain/block-file';
import type { Caller } from '../../src/domain/caller';
import type { RoleDirectory, Store } from '../../src/domain/ports';
import { BLOCKING_ROLES, DirectoryRole } from '../../src/domain/roles';
import type { FileStatus } from '../../src/domain/file-status';
import { unblockFile } from '../../src/domain/unblock-file';
import { offerUndo, undoBlock, type UndoRecord } from '../../src/domain/undo';
import { SimulatedDefender } from '../../src/defender/simulated-defender';
import { DefenderError, TokenError } from '../../src/errors';
import { delegationOf, domainKit } from '../fixtures/domain-kit';

const WINDOW_MS = 10 * 60_000;
const KEPT_AFTER_WINDOW_MS = 24 * 60 * 60_000;
const HASH = { value: 'abcdef0123456789abcdef0123456789abcdef01', type: 'Sha1' as const };

const ana: Caller = { userId: '29:ana', aadObjectId: 'oid-ana', name: 'Ana Analyst', tenantId: 'tenant-a' };
const bob: Caller = { userId: '29:bob', aadObjectId: 'oid-bob', name: 'Bob Analyst', tenantId: 'tenant-a' };
const riley: Caller = { userId: '29:riley', aadObjectId: 'oid-riley', name: 'Riley Reader', tenantId: 'tenant-a' };

const CREATED = '2025-03-01T11:59:59.1234567Z';
const blockStatus: FileStatus = {
  fileIdentifier: HASH.value,
  fileIdentifierType: 'Sha1',
  actionType: 'Block',
  fileStatus: 'Blocked',
  creationDateTimeUtc: CREATED,
  requestor: 'ana@contoso.example',
  requestorComment: 'dropper',
  confirmed: true,
  source: 'files',
};
const made = { comment: 'dropper', createdAt: CREATED, requestor: 'ana@contoso.example' };

const record: UndoRecord = {
  id: 'undo-1',
  hash: HASH,
  tenantId: 'tenant-a',
  blockedBy: 'Ana Analyst',
  blockedAt: '2025-03-01T12:00:00.000Z',
  made,
  until: '2025-03-01T12:10:00.000Z',
};

async function setUp() {
  const { clock, defender, roles, store, audit, actions } = domainKit({
    held: {
      'oid-ana': [DirectoryRole.SecurityAdministrator],
      'oid-bob': [DirectoryRole.GlobalAdministrator],
      'oid-riley': [DirectoryRole.SecurityReader],
    },
    defender: { kind: 'files' },
  });
  const deps: ActionDeps & { store: Store } = { ...actions, store };
  const offered = await offerUndo(store, { hash: HASH, comment: 'dropper', caller: ana, status: blockStatus }, 'undo-1', clock.now(), WINDOW_MS);
  return {
    deps,
    defender,
    roles,
    store,
    audit,
    offered,
    advance: clock.advance,
    press: (presser: Caller) => undoBlock(deps, 'undo-1', presser, delegationOf(presser)),
    stored: async () => (await store.get<UndoRecord>('undo/undo-1'))?.value,
  };
}

const undoComment = (presser: Caller) => `Undo of the block by Ana Analyst at 2025-03-01 12:00:00 UTC, pressed by ${presser.name} in Teams.`;

describe('offerUndo', () => {
  it('remembers who blocked what and until when Undo works', async () => {
    const { offered, stored } = await setUp();
    expect(offered).toEqual(record);
    expect(await stored()).toEqual(record);
  });

  it('keeps the record a day past the window, then forgets it', async () => {
    const { advance, press, stored, defender } = await setUp();
    advance(WINDOW_MS + KEPT_AFTER_WINDOW_MS - 1);
    expect(await press(bob)).toEqual({ kind: 'expired', record });
    advance(1);
    expect(await stored()).toBeUndefined();
    expect(await press(bob)).toEqual({ kind: 'unknown' });
    expect(defender.calls).toEqual([]);
  });
});

describe('undoBlock', () => {
  it("lifts the block inside the window with the presser's token, forgets the offer and audits an undo", async () => {
    const { advance, press, stored, defender, roles, audit } = await setUp();
    advance(9 * 60_000);

    const outcome = await press(bob);

    expect(outcome).toEqual({
      kind: 'unblocked',
      record,
      status: expect.objectContaining({ fileIdentifier: HASH.value, fileStatus: 'Unblocked', cancellationRequestor: 'Bob Analyst', cancellationComment: undoComment(bob) }),
    });
    expect(defender.calls).toEqual([{ method: 'liftBlock', made, request: { hash: HASH, comment: undoComment(bob), caller: bob }, token: 'token-of-oid-bob' }]);
    expect(roles.lookups).toEqual(['graph-token-of-oid-bob', 'graph-token-of-oid-bob']);
    expect(await stored()).toBeUndefined();
    expect(await audit.all({})).toEqual([
      expect.objectContaining({ action: 'undo', outcome: 'requested', actor: { userId: '29:bob', aadObjectId: 'oid-bob', name: 'Bob Analyst' }, comment: undoComment(bob) }),
      expect.objectContaining({
        action: 'undo',
        outcome: 'done',
        actor: { userId: '29:bob', aadObjectId: 'oid-bob', name: 'Bob Analyst' },
        hash: HASH.value,
        comment: undoComment(bob),
        api: 'files',
        at: '2025-03-01T12:09:00.000Z',
      }),
    ]);
  });

  it('still works at the last millisecond of the window and refuses one after it, with nothing sent', async () => {
    const late = await setUp();
    late.advance(WINDOW_MS + 1);
    expect(await late.press(bob)).toEqual({ kind: 'expired', record });
    expect(late.defender.calls).toEqual([]);
    expect(late.roles.lookups).toEqual([]);
    expect(await late.stored()).toEqual(record);

    const onTime = await setUp();
    onTime.advance(WINDOW_MS);
    expect((await onTime.press(bob)).kind).toBe('unblocked');
    expect(onTime.defender.callsOf('liftBlock')).toHaveLength(1);
  });

  it('refuses a second press after the undo, sending nothing more', async () => {
    const { press, defender } = await setUp();
    expect((await press(bob)).kind).toBe('unblocked');
    expect(await press(ana)).toEqual({ kind: 'unknown' });
    expect(defender.callsOf('liftBlock').map((c) => c.token)).toEqual(['token-of-oid-bob']);
  });

  it('lets only one of two simultaneous presses through, the other told it was already undone', async () => {
    const { press, defender } = await setUp();
    const outcomes = await Promise.all([press(bob), press(ana)]);
    expect(outcomes.map((o) => o.kind).sort()).toEqual(['alreadyUndone', 'unblocked']);
    expect(outcomes.find((o) => o.kind === 'alreadyUndone')).toEqual({ kind: 'alreadyUndone', record });
    const winner = outcomes[0].kind === 'unblocked' ? bob : ana;
    expect(defender.callsOf('liftBlock').map((c) => c.token)).toEqual([`token-of-${winner.aadObjectId}`]);
  });

  it('restores the offer when the unblock fails, so Undo can be pressed again, for the rest of the window', async () => {
    const { advance, press, stored, defender, audit } = await setUp();
    const unavailable = new DefenderError('unavailable', 'Defender is busy', { httpStatus: 503, correlationId: 'corr-3' });
    defender.script('liftBlock', unavailable);
    advance(2 * 60_000);

    expect(await press(bob)).toEqual({ kind: 'failed', error: unavailable, record, offerKept: true });
    expect(await stored()).toEqual(record);

    advance(60_000);
    expect(await press(ana)).toMatchObject({ kind: 'unblocked', record, status: { fileStatus: 'Unblocked', cancellationRequestor: 'Ana Analyst' } });
    expect(defender.callsOf('liftBlock').map((c) => c.token)).toEqual(['token-of-oid-bob', 'token-of-oid-ana']);
    expect(await stored()).toBeUndefined();
    expect((await audit.all({})).map((e) => [e.action, e.outcome, e.actor.aadObjectId, e.detail, e.correlationId])).toEqual([
      ['undo', 'requested', 'oid-bob', undefined, undefined],
      ['undo', 'failed', 'oid-bob', 'unavailable: Defender is busy', 'corr-3'],
      ['undo', 'requested', 'oid-ana', undefined, undefined],
      ['undo', 'done', 'oid-ana', undefined, undefined],
    ]);
  });

  it('keeps the Undo pressable when its intent cannot be recorded: nothing is lifted, the answer says nothing was sent', async () => {
    const { deps, stored, defender, audit } = await setUp();
    let failing = true;
    const watched: typeof deps = {
      ...deps,
      audit: { recent: (q) => audit.recent(q), all: (q) => audit.all(q), record: (entry) => (failing ? Promise.reject(new Error('disk full')) : audit.record(entry)) },
    };

    expect(await undoBlock(watched, 'undo-1', bob, delegationOf(bob))).toMatchObject({ kind: 'failed', error: { reason: 'notSent' }, record, offerKept: true });
    expect(defender.calls).toEqual([]);
    expect(await stored()).toEqual(record);

    failing = false;
    expect((await undoBlock(watched, 'undo-1', bob, delegationOf(bob))).kind).toBe('unblocked');
    expect(defender.callsOf('liftBlock')).toHaveLength(1);
  });

  it('keeps the Undo pressable when the lift fails and its audit entry cannot be written either', async () => {
    const { deps, stored, defender, audit } = await setUp();
    defender.script('liftBlock', new Error('a bug in the client'));
    let writes = 0;
    const watched: typeof deps = {
      ...deps,
      audit: { recent: (q) => audit.recent(q), all: (q) => audit.all(q), record: (entry) => (++writes > 1 ? Promise.reject(new Error('disk full')) : audit.record(entry)) },
    };
    await expect(undoBlock(watched, 'undo-1', bob, delegationOf(bob))).rejects.toThrow('disk full');
    expect(defender.callsOf('liftBlock')).toHaveLength(1);
    expect(await stored()).toEqual(record);
  });

  it('still answers "nothing was sent" when the store fails with the trail and the Undo cannot be kept', async () => {
    const { deps, defender, audit, store } = await setUp();
    const broken: typeof deps = {
      ...deps,
      audit: { recent: (q) => audit.recent(q), all: (q) => audit.all(q), record: () => Promise.reject(new Error('disk full')) },
      store: Object.assign(Object.create(store) as Store, { put: () => Promise.reject(new Error('disk full')) }),
    };
    expect(await undoBlock(broken, 'undo-1', bob, delegationOf(bob))).toMatchObject({ kind: 'failed', error: { reason: 'notSent' }, offerKept: false });
    expect(defender.calls).toEqual([]);
  });

  it('answers "already lifted" and does not bring the Undo back when the trail fails after Defender said the block is gone', async () => {
    const { deps, stored, defender, audit } = await setUp();
    defender.script('liftBlock', undefined);
    let writes = 0;
    const watched: typeof deps = {
      ...deps,
      audit: { recent: (q) => audit.recent(q), all: (q) => audit.all(q), record: (entry) => (++writes > 1 ? Promise.reject(new Error('disk full')) : audit.record(entry)) },
    };
    expect(await undoBlock(watched, 'undo-1', bob, delegationOf(bob))).toEqual({ kind: 'alreadyLifted', record });
    expect(await stored()).toBeUndefined();
  });

  it('keeps a restored offer as long as the original one', async () => {
    const { advance, press, stored, defender } = await setUp();
    defender.script('liftBlock', new DefenderError('timeout', 'no answer'));
    advance(2 * 60_000);
    expect((await press(bob)).kind).toBe('failed');
    advance(WINDOW_MS - 2 * 60_000 + KEPT_AFTER_WINDOW_MS - 1);
    expect(await stored()).toEqual(record);
    advance(1);
    expect(await stored()).toBeUndefined();
  });

  it('answers "already lifted" and forgets the offer when its block is no longer in force, lifting nothing else', async () => {
    const { press, stored, defender, audit } = await setUp();
    defender.script('liftBlock', undefined);
    expect(await press(bob)).toEqual({ kind: 'alreadyLifted', record });
    expect(defender.calls.map((c) => c.method)).toEqual(['liftBlock']);
    expect(await stored()).toBeUndefined();
    expect((await audit.all({})).map((e) => [e.action, e.outcome, e.detail])).toEqual([
      ['undo', 'requested', undefined],
      ['undo', 'not-found', 'the block this Undo made is no longer in force'],
    ]);
  });

  it('refuses a presser without a blocking role, sending nothing, keeping the offer and auditing the denial', async () => {
    const { press, stored, defender, roles, audit } = await setUp();
    expect(await press(riley)).toEqual({ kind: 'denied', heldRoles: [DirectoryRole.SecurityReader], neededRoles: BLOCKING_ROLES });
    expect(roles.lookups).toEqual(['graph-token-of-oid-riley']);
    expect(defender.calls).toEqual([]);
    expect(await stored()).toEqual(record);
    expect(await audit.all({})).toEqual([
      expect.objectContaining({
        action: 'undo',
        outcome: 'denied',
        tenantId: 'tenant-a',
        actor: { userId: '29:riley', aadObjectId: 'oid-riley', name: 'Riley Reader' },
        hash: HASH.value,
        hashType: 'Sha1',
        comment: undoComment(riley),
        api: 'files',
        detail: 'caller lacks the directory role',
      }),
    ]);
    expect((await press(bob)).kind).toBe('unblocked');
    expect((await audit.all({})).map((e) => [e.action, e.outcome, e.actor.aadObjectId])).toEqual([
      ['undo', 'denied', 'oid-riley'],
      ['undo', 'requested', 'oid-bob'],
      ['undo', 'done', 'oid-bob'],
    ]);
  });

  it("fails closed when the presser's roles cannot be read, keeping the offer and auditing the failure", async () => {
    const { deps, stored, defender, audit } = await setUp();
    const unreadable: RoleDirectory = { rolesOf: async () => ({ ok: false, detail: 'Graph answered 503' }) };
    expect(await undoBlock({ ...deps, roles: unreadable }, 'undo-1', bob, delegationOf(bob))).toEqual({ kind: 'rolesUnavailable', detail: 'Graph answered 503' });
    expect(defender.calls).toEqual([]);
    expect(await stored()).toEqual(record);
    expect((await audit.all({})).map((e) => [e.action, e.outcome, e.actor.aadObjectId, e.hash, e.detail])).toEqual([
      ['undo', 'failed', 'oid-bob', HASH.value, 'roles could not be checked: Graph answered 503'],
    ]);
  });

  it('audits as failed an Undo whose role check could not get a Graph token', async () => {
    const { deps, stored, defender, audit } = await setUp();
    const noToken = new TokenError('interactionRequired', 'sign in again');
    const delegation = { ...delegationOf(bob), graph: () => Promise.reject(noToken) };
    expect(await undoBlock(deps, 'undo-1', bob, delegation)).toEqual({ kind: 'tokenFailed', error: noToken });
    expect(defender.calls).toEqual([]);
    expect(await stored()).toEqual(record);
    expect((await audit.all({})).map((e) => [e.action, e.outcome, e.detail])).toEqual([['undo', 'failed', 'token: interactionRequired']]);
  });

  it('treats an offer of another tenant, or none, as unknown', async () => {
    const { deps, press, defender, stored } = await setUp();
    expect(await press({ ...bob, tenantId: 'tenant-b' })).toEqual({ kind: 'unknown' });
    expect(await undoBlock(deps, 'undo-404', bob, delegationOf(bob))).toEqual({ kind: 'unknown' });
    expect(defender.calls).toEqual([]);
    expect(await stored()).toEqual(record);
  });
});

describe('Undo lifts only the block it belongs to', () => {
  it('keeps what the block created: the indicator id, and the FileAction identity only when Defender described it', async () => {
    const { store, clock } = domainKit({ held: {} });
    const indicator = await offerUndo(
      store,
      { hash: HASH, comment: 'x', caller: ana, status: { ...blockStatus, source: 'indicators', indicatorId: '1001', lastUpdateDateTimeUtc: CREATED } },
      'u-1',
      clock.now(),
      WINDOW_MS,
    );
    const undescribed = await offerUndo(store, { hash: HASH, comment: 'y', caller: ana, status: { ...blockStatus, confirmed: false } }, 'u-2', clock.now(), WINDOW_MS);
    expect(indicator.made).toEqual({ comment: 'x', indicatorId: '1001', updatedAt: CREATED, createdAt: CREATED, requestor: 'ana@contoso.example' });
    expect(undescribed.made).toEqual({ comment: 'y' });
  });

  it('in local mode, the Undo of a block that unblock already lifted leaves a later Audit of the same hash in force', async () => {
    const { actions, store, clock, audit } = domainKit({ held: { 'oid-ana': [DirectoryRole.SecurityAdministrator], 'oid-bob': [DirectoryRole.GlobalAdministrator] } });
    const sim = new SimulatedDefender(clock.now);
    const deps = { ...actions, defender: sim, store };
    const token = delegationOf(ana).defender;
    const first = await sim.block({ hash: HASH, comment: 'dropper', caller: ana }, token);
    await offerUndo(store, { hash: HASH, comment: 'dropper', caller: ana, status: first }, 'undo-first', clock.now(), WINDOW_MS);
    clock.advance(60_000);
    expect((await unblockFile(deps, { hash: HASH, comment: 'false positive', caller: bob }, delegationOf(bob))).kind).toBe('unblocked');
    clock.advance(60_000);
    const audited = await sim.block({ hash: HASH, comment: 'watch it', caller: bob, options: { action: 'Audit' } }, token);
    expect(audited.indicatorId).not.toBe(first.indicatorId);

    const outcome = await undoBlock(deps, 'undo-first', ana, delegationOf(ana));

    expect(outcome.kind).toBe('alreadyLifted');
    expect(await sim.currentBlock(HASH, token)).toMatchObject({ actionType: 'Audit', requestor: 'Bob Analyst', requestorComment: 'watch it', fileStatus: 'Audit' });
    expect((await audit.all({})).map((e) => [e.action, e.outcome])).toEqual([
      ['unblock', 'requested'],
      ['unblock', 'done'],
      ['undo', 'requested'],
      ['undo', 'not-found'],
    ]);

    await offerUndo(store, { hash: HASH, comment: 'watch it', caller: bob, status: audited }, 'undo-audit', clock.now(), WINDOW_MS);
    expect(await undoBlock(deps, 'undo-audit', bob, delegationOf(bob))).toMatchObject({ kind: 'unblocked', status: { indicatorId: audited.indicatorId, fileStatus: 'Unblocked' } });
    expect(await sim.currentBlock(HASH, token)).toBeUndefined();
  });

  it('treats a record kept before Undo knew what its block created as unknown, sending nothing', async () => {
    const { store, defender, deps } = await setUp();
    const { made: _made, ...legacy } = record;
    await store.put('undo/undo-old', { ...legacy, id: 'undo-old' });
    expect(await undoBlock(deps, 'undo-old', bob, delegationOf(bob))).toEqual({ kind: 'unknown' });
    expect(defender.calls).toEqual([]);
  });
});
