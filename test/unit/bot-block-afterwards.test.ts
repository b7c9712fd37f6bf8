import { BlockActions } from '../../src/bot/block-actions';
import { blockedFallbackReply } from '../../src/cards/block-views';
import { historyReply } from '../../src/cards/history-views';
import { refusalReply } from '../../src/cards/refusal-views';
import type { ActionDeps } from '../../src/domain/block-file';
import type { Caller } from '../../src/domain/caller';
import type { AuditEntry, BlockFileRequest, Store } from '../../src/domain/ports';
import { DirectoryRole } from '../../src/domain/roles';
import { StorePrefix } from '../../src/domain/store-keys';
import { DefenderError } from '../../src/errors';
import { cardTexts } from '../fixtures/card-texts';
import { buttons } from '../fixtures/cards';
import { delegationOf, domainKit } from '../fixtures/domain-kit';

const HASH = { value: 'abcdef0123456789abcdef0123456789abcdef01', type: 'Sha1' as const };
const ana: Caller = { userId: '29:ana', aadObjectId: 'oid-ana', name: 'Ana Analyst', tenantId: 'tenant-a' };
const request: BlockFileRequest = { hash: HASH, comment: 'dropper', caller: ana };

function setUp(faults: { audit?: boolean; undo?: boolean; auditLifts?: boolean; intents?: boolean } = {}) {
  const kit = domainKit({ held: { 'oid-ana': [DirectoryRole.SecurityAdministrator] } });
  const actions: ActionDeps = {
    ...kit.actions,
    audit: {
      recent: (query) => kit.audit.recent(query),
      all: (query) => kit.audit.all(query),
      record: async (entry) => {
        if (faults.audit && entry.outcome === 'done') throw new Error('audit disk full');
        if (faults.intents && entry.outcome === 'requested') throw new Error('audit disk full');
        if (faults.auditLifts && entry.outcome === 'done' && entry.action !== 'block') throw new Error('audit disk full');
        return kit.audit.record(entry);
      },
    },
  };
  const store: Store = Object.assign(Object.create(kit.store) as Store, {
    put: (key: string, value: unknown, condition?: Parameters<Store['put']>[2]) => {
      if (faults.undo && key.startsWith(StorePrefix.undo)) return Promise.reject(new Error('store unavailable'));
      return kit.store.put(key, value, condition);
    },
  });
  let ids = 0;
  const logged: string[] = [];
  const logger = {
    info: () => undefined,
    debug: () => undefined,
    warn: () => undefined,
    error: (fields: Record<string, unknown>, message: string) => void logged.push(`${String(fields.action)}: ${message}`),
  };
  const blocks = new BlockActions({ actions, store, undoWindowMs: 60_000, decisionTtlMs: 60_000, approvalPolicy: 'off', newId: () => `id-${++ids}`, logger });
  return { ...kit, blocks, logged };
}

describe('BlockActions: an intent the audit trail refuses', () => {
  it('answers "NOT blocked: nothing was sent", sends nothing to Defender, and tells the operators', async () => {
    const { blocks, defender, logged } = setUp({ intents: true });
    const { reply } = await blocks.block(request, delegationOf(ana));
    expect(cardTexts(reply.card.content).slice(0, 1)).toEqual(['File NOT blocked']);
    expect(reply.summary).toContain('so the block was not sent to Defender');
    expect(defender.callsOf('block')).toEqual([]);
    expect(logged).toEqual(['block: Audit trail unavailable: nothing was sent to Defender']);
  });
});

describe('BlockActions: a block Defender accepted is always reported as blocked', () => {
  it('says "Blocked, but" not audited when the audit write throws, keeping the Undo button', async () => {
    const { blocks, defender } = setUp({ audit: true });
    const { reply } = await blocks.block(request, delegationOf(ana));
    const texts = cardTexts(reply.card.content);
    expect(texts[0]).toBe('Blocked, but not recorded in the audit trail');
    expect(texts.join('\n')).toContain('The audit entry for this block could not be written');
    expect(texts.join('\n')).not.toMatch(/nothing was blocked/i);
    expect(Object.keys(buttons(reply.card.content))).toContain('Undo');
    expect(defender.callsOf('block')).toHaveLength(1);
  });

  it('shows no Undo button and says so when the Undo record cannot be written', async () => {
    const { blocks, audit } = setUp({ undo: true });
    const { reply } = await blocks.block(request, delegationOf(ana));
    const texts = cardTexts(reply.card.content);
    expect(texts[0]).toBe('Blocked, but Undo is not available');
    expect(texts.join('\n')).toContain('this card has no Undo button');
    expect(Object.keys(buttons(reply.card.content))).not.toContain('Undo');
    expect((await audit.all({})).map((e) => e.outcome)).toEqual(['requested', 'done']);
  });

  it('still renders the result card for a huge device group list: shown text is capped, so the card stays within its size', async () => {
    const { blocks } = setUp();
    const groups = Array.from({ length: 400 }, (_, i) => `group-${i}-${'x'.repeat(90)}`);
    const { reply } = await blocks.block({ ...request, options: { action: 'Block', deviceGroups: groups } }, delegationOf(ana));
    const texts = cardTexts(reply.card.content);
    expect(texts[0]).toBe('File blocked');
    expect(JSON.stringify(reply.card.content).length).toBeLessThan(40 * 1024);
    expect(texts.find((t) => t.includes('group-0-'))?.endsWith('…')).toBe(true);
  });
});

describe('BlockActions: a lift Defender carried out is always reported as done', () => {
  it('says "Unblocked, but" not audited when the audit write after an unblock throws, and says the block is lifted', async () => {
    const { blocks, defender } = setUp({ auditLifts: true });
    defender.script('liftable', [{ id: '1001', action: 'Block', foreign: false }]);
    const { reply } = await blocks.unblock({ hash: HASH, comment: 'false positive', caller: ana }, delegationOf(ana));
    const texts = cardTexts(reply.card.content);
    expect(texts[0]).toBe('Unblocked, but not recorded in the audit trail');
    expect(texts.join('\n')).toContain('The audit entry for this unblock could not be written');
    expect(texts.join('\n')).not.toMatch(/NOT (un)?blocked|nothing was/i);
    expect(defender.callsOf('unblock')).toHaveLength(1);
  });

  it('says "Unblocked, but" not audited when the audit write after an Undo throws', async () => {
    const faults = { auditLifts: false };
    const { blocks, defender, audit } = setUp(faults);
    const { reply: blocked } = await blocks.block(request, delegationOf(ana));
    const undo = buttons(blocked.card.content).Undo;
    faults.auditLifts = true;
    const { reply } = await blocks.undo(String((undo.data as { undoId: string }).undoId), ana, delegationOf(ana));
    const texts = cardTexts(reply.card.content);
    expect(texts[0]).toBe('Unblocked, but not recorded in the audit trail');
    expect(defender.callsOf('liftBlock')).toHaveLength(1);
    expect((await audit.all({})).map((e) => [e.action, e.outcome])).toEqual([
      ['block', 'requested'],
      ['block', 'done'],
      ['undo', 'requested'],
    ]);
  });
});

describe('cards for unknown outcomes and the audit intent', () => {
  it('says the outcome is unknown with a Status button, never "NOT blocked"', () => {
    const error = new DefenderError('outcomeUnknown', 'lost');
    const reply = refusalReply({ kind: 'failed', error }, 'block', ana, HASH);
    const texts = cardTexts(reply.card.content);
    expect(texts[0]).toBe('Outcome unknown: the file may be blocked');
    expect(texts.join('\n')).not.toMatch(/NOT blocked/);
    expect(JSON.stringify(reply.card.content)).toContain(`"value":"status ${HASH.value}"`);
  });

  it('labels the intent and the unknown outcome in the history', () => {
    const entry = (outcome: AuditEntry['outcome']): AuditEntry => ({
      id: outcome,
      at: '2025-01-01T00:00:00Z',
      actor: { name: 'Ana', userId: '29:ana' },
      action: 'block',
      outcome,
      api: 'indicators',
    });
    const texts = cardTexts(historyReply([entry('unknown'), entry('requested')]).card.content);
    expect(texts).toEqual(expect.arrayContaining(['Block: outcome unknown (may be done)', 'Block: requested']));
  });

  it('names the hash in the fallback card and what else failed', () => {
    const texts = cardTexts(blockedFallbackReply(HASH, [{ kind: 'undoNotOffered', detail: 'x' }]).card.content);
    expect(texts[0]).toBe('Blocked, but the result card could not be shown and Undo is not available');
  });
});
