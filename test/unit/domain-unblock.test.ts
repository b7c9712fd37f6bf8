import { BlockActions, type PendingUnblock } from '../../src/bot/block-actions';
import type { ActionDeps } from '../../src/domain/block-file';
import { CardVerb } from '../../src/cards/card-verbs';
import type { Caller } from '../../src/domain/caller';
import type { LiftableBlock } from '../../src/domain/ports';
import { DirectoryRole } from '../../src/domain/roles';
import { DefenderError } from '../../src/errors';
import { StoreKey } from '../../src/domain/store-keys';
import { unblockFile } from '../../src/domain/unblock-file';
import { cardTexts } from '../fixtures/card-texts';
import { buttons } from '../fixtures/cards';
import { delegationOf, domainKit } from '../fixtures/domain-kit';

const HASH = { value: 'abcdef0123456789abcdef0123456789abcdef01', type: 'Sha1' as const };
const ana: Caller = { userId: '29:ana', aadObjectId: 'oid-ana', name: 'Ana Analyst', tenantId: 'tenant-a' };
const riley: Caller = { userId: '29:riley', aadObjectId: 'oid-riley', name: 'Riley Reader', tenantId: 'tenant-a' };
const request = { hash: HASH, comment: 'false positive', caller: ana };

const ours: LiftableBlock = { id: '1001', action: 'Block', createdBy: 'Ana Analyst (ana@contoso.example)', createdAt: '2025-03-01T10:00:00Z', foreign: false };
const theirs: LiftableBlock = {
  id: '1002',
  action: 'Audit',
  createdBy: 'Sam Soc (sam@contoso.example)',
  createdAt: '2025-02-20T08:00:00Z',
  title: 'Hunting watch',
  comment: 'keep an eye on it',
  foreign: true,
};

function setUp() {
  const kit = domainKit({ held: { 'oid-ana': [DirectoryRole.SecurityAdministrator], 'oid-riley': [DirectoryRole.SecurityReader] } });
  let ids = 0;
  const blocks = new BlockActions({ actions: kit.actions, store: kit.store, undoWindowMs: 60_000, decisionTtlMs: 15 * 60_000, approvalPolicy: 'off', newId: () => `id-${++ids}` });
  return { ...kit, blocks, unblock: (acknowledged?: readonly string[]) => unblockFile(kit.actions, request, delegationOf(ana), acknowledged) };
}

describe('unblockFile lists what it would lift first', () => {
  it("lifts the bot's own indicators at once, handing Defender exactly what it listed, and audits the ids", async () => {
    const { defender, audit, unblock } = setUp();
    defender.script('liftable', [ours]);
    const outcome = await unblock();
    expect(outcome).toMatchObject({ kind: 'unblocked', lifted: [ours], status: { fileStatus: 'Unblocked' } });
    expect(defender.calls.map((c) => c.method)).toEqual(['liftable', 'unblock']);
    expect(defender.callsOf('unblock')[0]).toMatchObject({ listed: [ours], token: 'token-of-oid-ana' });
    expect((await audit.all({})).map((e) => [e.action, e.outcome, e.detail])).toEqual([
      ['unblock', 'requested', 'lifting indicator 1001'],
      ['unblock', 'done', 'lifted indicator 1001'],
    ]);
  });

  it('asks first, deleting nothing and auditing nothing yet, when an indicator someone else created would go too', async () => {
    const { defender, audit, unblock } = setUp();
    defender.script('liftable', [ours, theirs]);
    expect(await unblock()).toEqual({ kind: 'needsConfirmation', listed: [ours, theirs] });
    expect(defender.calls.map((c) => c.method)).toEqual(['liftable']);
    expect(await audit.all({})).toEqual([]);
  });

  it('lifts them all once the foreign ones were acknowledged, and asks again if another foreign one appeared meanwhile', async () => {
    const { defender, audit, unblock } = setUp();
    const newcomer: LiftableBlock = { ...theirs, id: '1003', createdBy: 'Patch tool' };
    defender.script('liftable', [ours, theirs], [ours, theirs, newcomer]);
    expect(await unblock(['1002'])).toMatchObject({ kind: 'unblocked', lifted: [ours, theirs] });
    expect(defender.callsOf('unblock')[0].listed).toEqual([ours, theirs]);
    expect(await unblock(['1002'])).toEqual({ kind: 'needsConfirmation', listed: [ours, theirs, newcomer] });
    expect(defender.callsOf('unblock')).toHaveLength(1);
    expect((await audit.all({})).map((e) => [e.outcome, e.detail])).toEqual([
      ['requested', 'lifting indicators 1001, 1002'],
      ['done', 'lifted indicators 1001, 1002'],
    ]);
  });

  it('says nothing was blocked without sending an unblock when the list is empty', async () => {
    const { defender, audit, unblock } = setUp();
    defender.script('liftable', []);
    expect(await unblock()).toEqual({ kind: 'notBlocked' });
    expect(defender.calls.map((c) => c.method)).toEqual(['liftable']);
    expect((await audit.all({})).map((e) => [e.outcome, e.detail])).toEqual([['not-found', 'no block in force']]);
  });

  it('records the intent before Defender is asked to lift, so a lift whose answer is lost still shows in the trail', async () => {
    const { defender, audit, actions } = setUp();
    defender.script('liftable', [ours]);
    const lost = new DefenderError('outcomeUnknown', 'The request was sent, but Defender closed the connection before answering.');
    defender.script('unblock', lost);
    const seen: string[] = [];
    const watched: ActionDeps = {
      ...actions,
      audit: {
        recent: (q) => audit.recent(q),
        all: (q) => audit.all(q),
        record: async (entry) => (seen.push(`${entry.outcome} (${defender.callsOf('unblock').length} sent)`), audit.record(entry)),
      },
    };
    expect(await unblockFile(watched, request, delegationOf(ana))).toEqual({ kind: 'failed', error: lost });
    expect(seen).toEqual(['requested (0 sent)', 'unknown (1 sent)']);
    expect((await audit.all({})).map((e) => [e.action, e.outcome, e.actor.aadObjectId, e.comment])).toEqual([
      ['unblock', 'requested', 'oid-ana', 'false positive'],
      ['unblock', 'unknown', 'oid-ana', 'false positive'],
    ]);
  });

  it('sends no unblock when its intent cannot be recorded, and says nothing was sent (not a Defender failure)', async () => {
    const { defender, audit, actions } = setUp();
    defender.script('liftable', [ours]);
    const failing: ActionDeps = { ...actions, audit: { recent: (q) => audit.recent(q), all: (q) => audit.all(q), record: () => Promise.reject(new Error('disk full')) } };
    const outcome = await unblockFile(failing, request, delegationOf(ana));
    expect(outcome).toMatchObject({ kind: 'failed', error: { reason: 'notSent', message: 'The bot could not write its audit trail, so nothing was sent to Defender.' } });
    expect(defender.calls.map((c) => c.method)).toEqual(['liftable']);
  });

  it('audits the unsent unblock when the trail takes writes again by then', async () => {
    const { defender, audit, actions } = setUp();
    defender.script('liftable', [ours]);
    let writes = 0;
    const once: ActionDeps = {
      ...actions,
      audit: { recent: (q) => audit.recent(q), all: (q) => audit.all(q), record: (entry) => (++writes === 1 ? Promise.reject(new Error('disk full')) : audit.record(entry)) },
    };
    expect((await unblockFile(once, request, delegationOf(ana))).kind).toBe('failed');
    expect((await audit.all({})).map((e) => [e.action, e.outcome, e.detail])).toEqual([
      ['unblock', 'failed', 'notSent: The bot could not write its audit trail, so nothing was sent to Defender.'],
    ]);
    expect(defender.callsOf('unblock')).toEqual([]);
  });

  it('refuses someone without a blocking role before listing anything', async () => {
    const { defender, actions } = setUp();
    expect(await unblockFile(actions, { ...request, caller: riley }, delegationOf(riley))).toMatchObject({ kind: 'denied' });
    expect(defender.calls).toEqual([]);
  });
});

describe('BlockActions.unblock with foreign indicators', () => {
  it('keeps the pending unblock by id for its requester and shows every indicator it would delete, who made it, when and its action', async () => {
    const { defender, blocks, store } = setUp();
    defender.script('liftable', [ours, theirs]);
    const { reply } = await blocks.unblock(request, delegationOf(ana));
    const texts = cardTexts(reply.card.content);
    expect(texts[0]).toBe('Check before unblocking');
    expect(texts.join('\n')).toContain('2 indicators; one was not created by this bot');
    expect(texts).toEqual(
      expect.arrayContaining([
        'Block by Ana Analyst (ana@contoso.example)',
        'Audit by Sam Soc (sam@contoso.example) (not created by this bot)',
        'Created on 2025-02-20 08:00:00 UTC · indicator 1002 · "Hunting watch"',
        'keep an eye on it',
      ]),
    );
    const shown = buttons(reply.card.content);
    expect(shown['Delete all 2']).toMatchObject({ verb: CardVerb.UnblockConfirm, data: { confirmId: 'id-1' } });
    expect(shown.Cancel).toMatchObject({ verb: CardVerb.UnblockCancel, data: { confirmId: 'id-1' } });
    expect((await store.get<PendingUnblock>(StoreKey.unblockConfirmation('id-1')))?.value).toEqual({ request, acknowledged: ['1002'] });
    expect(await store.get(StoreKey.confirmation('id-1'))).toBeUndefined();
    expect(defender.callsOf('unblock')).toEqual([]);
  });
});
