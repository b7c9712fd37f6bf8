import { BlockActions } from '../../src/bot/block-actions';
import { CardVerb } from '../../src/cards/card-verbs';
import { blockFile } from '../../src/domain/block-file';
import type { Caller } from '../../src/domain/caller';
import type { FileStatus } from '../../src/domain/file-status';
import type { BlockFileRequest } from '../../src/domain/ports';
import { DirectoryRole } from '../../src/domain/roles';
import { StorePrefix } from '../../src/domain/store-keys';
import { cardTexts } from '../fixtures/card-texts';
import { buttons } from '../fixtures/cards';
import { delegationOf, domainKit } from '../fixtures/domain-kit';

const HASH = { value: 'abcdef0123456789abcdef0123456789abcdef01', type: 'Sha1' as const };
const ana: Caller = { userId: '29:ana', aadObjectId: 'oid-ana', name: 'Ana Analyst', tenantId: 'tenant-a' };
const riley: Caller = { userId: '29:riley', aadObjectId: 'oid-riley', name: 'Riley Reader', tenantId: 'tenant-a' };
const allow: BlockFileRequest = { hash: HASH, comment: 'signed vendor updater', caller: ana, options: { action: 'Allowed', expiresAt: '2025-05-30T12:00:00.000Z' } };
const existing: FileStatus = {
  fileIdentifier: HASH.value,
  fileIdentifierType: 'Sha1',
  actionType: 'Block',
  fileStatus: 'Blocked',
  requestor: 'Sam Soc',
  requestorComment: 'dropper?',
  confirmed: true,
  source: 'indicators',
};

function setUp(kind: 'indicators' | 'files' = 'indicators') {
  const kit = domainKit({ held: { 'oid-ana': [DirectoryRole.SecurityAdministrator], 'oid-riley': [DirectoryRole.SecurityReader] }, defender: { kind }, widespreadThreshold: 10 });
  let ids = 0;
  const blocks = new BlockActions({
    actions: kit.actions,
    store: kit.store,
    undoWindowMs: 60_000,
    decisionTtlMs: 15 * 60_000,
    approvalPolicy: 'non-admins',
    newId: () => `id-${++ids}`,
  });
  return { ...kit, blocks };
}

describe('an allow is always confirmed', () => {
  it('asks first even when nothing else is of concern, sending nothing but lookups', async () => {
    const { actions, defender, audit } = setUp();
    expect(await blockFile(actions, allow, delegationOf(ana))).toEqual({ kind: 'needsConfirmation', concerns: [{ kind: 'allowed' }], notes: [] });
    expect(defender.calls.map((c) => c.method).sort()).toEqual(['currentBlock', 'fileDetails']);
    expect(await audit.all({})).toEqual([]);
  });

  it('shows the block it would replace, but not the block-only warnings (Microsoft signature, prevalence)', async () => {
    const { actions, defender } = setUp();
    defender.script('currentBlock', existing).script('fileDetails', { info: { signer: 'Microsoft Windows' }, stats: { orgPrevalence: 5000 } });
    expect(await blockFile(actions, allow, delegationOf(ana))).toMatchObject({
      kind: 'needsConfirmation',
      concerns: [{ kind: 'allowed' }, { kind: 'existingBlock', status: existing }],
    });
  });

  it('once confirmed, sends the Allowed indicator and audits it with its action', async () => {
    const { actions, defender, audit } = setUp();
    const outcome = await blockFile(actions, allow, delegationOf(ana), ['allowed']);
    expect(outcome.kind).toBe('blocked');
    expect(defender.callsOf('block').map((c) => c.request.options?.action)).toEqual(['Allowed']);
    expect((await audit.all({})).map((e) => [e.action, e.outcome, e.options?.action])).toEqual([
      ['block', 'requested', 'Allowed'],
      ['block', 'done', 'Allowed'],
    ]);
  });

  it('is refused on the files API, which has no Allowed indicators, and never becomes a block', async () => {
    const { actions, defender } = setUp('files');
    const outcome = await blockFile(actions, allow, delegationOf(ana), ['allowed']);
    expect(outcome).toMatchObject({ kind: 'failed', error: { reason: 'invalidRequest' } });
    expect(defender.callsOf('block')).toEqual([]);
  });
});

describe('BlockActions for an allow', () => {
  it('puts a confirmation card first that says what allowing means, then a result card headed "File allowed"', async () => {
    const { blocks, defender } = setUp();
    const asked = await blocks.block(allow, delegationOf(ana));
    const texts = cardTexts(asked.reply.card.content);
    expect(texts[0]).toBe('Check before allowing');
    expect(texts).toContain('Nothing has been sent to Defender yet.');
    expect(texts.join(' ')).toContain('An Allowed indicator stops Defender from blocking or alerting on this file');
    expect(buttons(asked.reply.card.content)['Allow this file']).toMatchObject({ verb: CardVerb.Confirm });
    expect(defender.callsOf('block')).toEqual([]);

    defender.script('block', { ...existing, actionType: 'Allowed', fileStatus: 'Allowed', requestor: 'Ana Analyst', indicatorId: '1009' });
    const done = await blocks.block(allow, delegationOf(ana), ['allowed']);
    expect(cardTexts(done.reply.card.content)[0]).toBe('File allowed');
  });

  it('offers someone without the role a request for approval, as a denied block does, keeping the allow as the draft', async () => {
    const { blocks, store } = setUp();
    const { reply } = await blocks.block({ ...allow, caller: riley }, delegationOf(riley));
    expect(buttons(reply.card.content)['Request approval']).toBeDefined();
    expect((await store.list<{ request: BlockFileRequest }>(StorePrefix.draft)).map((d) => d.value.request)).toEqual([{ ...allow, caller: riley }]);
  });
});
