import { TestAdapter, TurnContext, type Activity, type ResourceResponse } from 'botbuilder';
import { ApprovalBoard } from '../../src/bot/approval-board';
import { BackgroundWork } from '../../src/bot/background-work';
import { BlockActions } from '../../src/bot/block-actions';
import { BulkRunner } from '../../src/bot/bulk-runner';
import { callerOf } from '../../src/bot/caller-of';
import { approvalActions } from '../../src/bot/card-actions/approval-actions';
import { historyActions } from '../../src/bot/card-actions/history-actions';
import { containActions } from '../../src/bot/card-actions/contain-actions';
import { CardActionRouter } from '../../src/bot/card-actions/card-action-router';
import { CardReplies } from '../../src/bot/card-actions/card-replies';
import { decisionActions } from '../../src/bot/card-actions/decision-actions';
import { unblockActions } from '../../src/bot/card-actions/unblock-actions';
import { formActions } from '../../src/bot/card-actions/form-actions';
import { pastedActions } from '../../src/bot/card-actions/pasted-actions';
import { StoredDecisions } from '../../src/bot/card-actions/stored-decisions';
import { CardSurface, type CardActionPath } from '../../src/bot/card-surface';
import { continuationFrom, type Proactive } from '../../src/bot/continuation';
import { SessionGate } from '../../src/bot/session-gate';
import type { SessionResult, UserSessions } from '../../src/bot/user-sessions';
import type { RunsWork } from '../../src/bot/work-runner';
import type { PendingConfirmation } from '../../src/bot/block-actions';
import { CardVerb, type CardVerbName } from '../../src/cards/card-verbs';
import { signInAgainText } from '../../src/cards/session-views';
import type { FileHash } from '../../src/domain/file-hash';
import type { Logger, OnceStore, Store } from '../../src/domain/ports';
import { DirectoryRole } from '../../src/domain/roles';
import { DefenderError, TokenError } from '../../src/errors';
import { StoreKey, StorePrefix } from '../../src/domain/store-keys';
import type { MemoryStore } from '../../src/storage/memory-store';
import { ANA, GALE, NICO, TENANT_ID, executeActivity, submitActivity, type TeamsUser } from '../fixtures/activities';
import { cardTexts } from '../fixtures/card-texts';
import { buttons } from '../fixtures/cards';
import { delegationOf, domainKit } from '../fixtures/domain-kit';

const SERVICE_URL = 'https://smba.test.example/emea/';
const CARD_MESSAGE = 'card-message-1';
const SHA1: FileHash = { value: 'abcdef0123456789abcdef0123456789abcdef01', type: 'Sha1' };
const UNREADABLE = 'This card sent data the bot cannot read. Nothing was done.';
const quiet: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

/** A TestAdapter that also keeps every message update (TestAdapter only swaps what it sent itself). */
class RecordingAdapter extends TestAdapter {
  readonly updates: Partial<Activity>[] = [];

  override async updateActivity(_context: TurnContext, activity: Partial<Activity>): Promise<ResourceResponse | void> {
    this.updates.push(activity);
    return { id: activity.id ?? '' };
  }
}

/** UserSessions the test controls: who is signed in, and every sign-in prompt. */
class FakeSessions implements UserSessions {
  readonly prompts: Array<{ readonly userId: string; readonly text: string }> = [];
  private readonly signedIn = new Set<string>();

  signIn(user: TeamsUser): void {
    this.signedIn.add(user.id);
  }

  /** Every token the sessions hand out fails with this, once set. */
  tokensFail?: TokenError;

  async open(context: TurnContext): Promise<SessionResult> {
    const caller = callerOf(context.activity);
    if (!this.signedIn.has(caller.userId)) return { ok: false, reason: 'signInRequired' };
    const failure = this.tokensFail;
    if (!failure) return { ok: true, delegation: delegationOf(caller) };
    const fail = () => Promise.reject(failure);
    return { ok: true, delegation: { graph: fail, defender: fail } };
  }

  /** Set: the token service fails every sign-in prompt. */
  promptsFail = false;

  async promptSignIn(context: TurnContext, text: string): Promise<void> {
    if (this.promptsFail) throw new Error('token service unavailable');
    this.prompts.push({ userId: context.activity.from.id, text });
  }

  async signInLink(): Promise<string> {
    return 'https://token.example/sign-in';
  }

  async signOut(context: TurnContext): Promise<void> {
    this.signedIn.delete(context.activity.from.id);
  }
}

/** The store, with every read and write it was asked for. */
class WatchedStore implements Store, OnceStore {
  readonly asked: string[] = [];

  constructor(private readonly inner: MemoryStore) {}

  get<T>(key: string) {
    this.asked.push(`get ${key}`);
    return this.inner.get<T>(key);
  }

  /** Puts of keys it matches fail, as a store that is down does. */
  putsFail?: (key: string) => boolean;

  put<T>(key: string, value: T, condition?: Parameters<Store['put']>[2]) {
    this.asked.push(`put ${key}`);
    if (this.putsFail?.(key)) return Promise.reject(new Error('storage unavailable'));
    return this.inner.put(key, value, condition);
  }

  delete(key: string, condition?: { readonly ifMatch?: string }) {
    this.asked.push(`delete ${key}`);
    return this.inner.delete(key, condition);
  }

  list<T>(prefix: string) {
    this.asked.push(`list ${prefix}`);
    return this.inner.list<T>(prefix);
  }

  claim(key: string, ttlMs: number) {
    this.asked.push(`claim ${key}`);
    return this.inner.claim(key, ttlMs);
  }

  durable(key: string) {
    return this.inner.durable(key);
  }
}

function setUp() {
  const kit = domainKit({ held: { [ANA.aadObjectId]: [DirectoryRole.SecurityAdministrator], [GALE.aadObjectId]: [DirectoryRole.GlobalAdministrator] } });
  const { actions, defender, clock } = kit;
  const store = new WatchedStore(kit.store);
  const adapter = new RecordingAdapter();
  const sessions = new FakeSessions();
  const background = new BackgroundWork(quiet);
  const proactive: Proactive = async (reference, logic) => {
    await logic(new TurnContext(adapter, TurnContext.applyConversationReference({ type: 'event', name: 'continue' }, reference, true)));
  };
  let ids = 0;
  const newId = () => `id-${++ids}`;
  const nobodyWaits: RunsWork = { run: async () => ({}) };
  const gate = new SessionGate({ sessions, store, background, proactive, runner: nobodyWaits, logger: quiet, timeoutMs: 60_000, now: clock.now });
  const blocks = new BlockActions({ actions, store, undoWindowMs: 10 * 60_000, decisionTtlMs: 15 * 60_000, approvalPolicy: 'off', newId });
  const bulk = new BulkRunner({ actions, timing: { sleep: async () => undefined, patienceMs: 0 }, logger: quiet, reviews: { store, newId, decisionTtlMs: 15 * 60_000 } });
  const board = new ApprovalBoard({ approvals: { ...actions, store, requestTtlMs: 60 * 60_000 }, store, sessions, gate, proactive, logger: quiet, newId });
  const replies = new CardReplies({ gate, background, invokeBudgetMs: 30_000 });
  const decisions = new StoredDecisions({ store, replies });
  const continuation = (context: TurnContext) => continuationFrom(proactive, TurnContext.getConversationReference(context.activity));
  const form = { hashTypes: defender.hashTypes, supportsOptions: defender.supportsOptions, defaultExpiryDays: 30 };
  const router = new CardActionRouter({
    registry: {
      ...formActions({ form, blocks, board, replies, gate, approvalPolicy: 'off', now: clock.now, continuation }),
      ...decisionActions({ decisions, blocks, bulk, board, replies, continuation, approvalPolicy: 'off' }),
      ...unblockActions({ decisions, blocks, replies }),
      ...pastedActions({ decisions, bulk, replies, continuation }),
      ...approvalActions(board),
      ...historyActions({ blocks, replies }),
      ...containActions({ decisions, store, gate, board, approvalPolicy: 'off', replies, continuation }),
    },
    logger: quiet,
  });

  /** Presses a button as `user`, the way BlockBot hands it over; returns the surface and what the turn sent. */
  const press = async (path: CardActionPath, user: TeamsUser, verb: CardVerbName, data: Record<string, unknown>) => {
    const activity = (
      path === 'execute' ? executeActivity(SERVICE_URL, CARD_MESSAGE, verb, data, { user }) : submitActivity(SERVICE_URL, CARD_MESSAGE, { ...data, verb }, { user })
    ) as Partial<Activity>;
    const context = new TurnContext(adapter, activity);
    const surface = new CardSurface(path, context.activity.replyToId, continuation(context));
    const sentBefore = adapter.activeQueue.length;
    const updatedBefore = adapter.updates.length;
    await router.handle(context, verb, path === 'execute' ? data : { ...data, verb }, surface, callerOf(context.activity));
    return { answer: surface.invokeResponse(), sent: adapter.activeQueue.slice(sentBefore), updated: adapter.updates.slice(updatedBefore) };
  };

  /** Ana, signed in, blocks a Microsoft-signed file: the bot stores a confirmation and shows its card. */
  const askToConfirm = async () => {
    defender.script('fileDetails', { info: { signer: 'Microsoft Windows' } }, { info: { signer: 'Microsoft Windows' } });
    const ana = { userId: ANA.id, aadObjectId: ANA.aadObjectId, name: ANA.name, tenantId: TENANT_ID };
    const { reply } = await blocks.block({ hash: SHA1, comment: 'dropper on 3 hosts', caller: ana }, delegationOf(ana));
    const confirmId = buttons(reply.card.content)['Block anyway']?.data?.confirmId as string;
    return { confirmId, stored: async () => (await kit.store.get<PendingConfirmation>(StoreKey.confirmation(confirmId)))?.value };
  };

  return { kit, defender, store, adapter, sessions, press, askToConfirm };
}

/** What the presser sees: the card's texts, or the message, of an Action.Execute answer. */
function shown(answer: { statusCode: number; type: string; value: unknown }): string[] {
  return typeof answer.value === 'string' ? [answer.value] : cardTexts(answer.value);
}

/** The texts of the first card of each activity. */
function cards(activities: Partial<Activity>[]): string[][] {
  return activities.map((a) => cardTexts(a.attachments?.[0]?.content));
}

describe('card confirmations through the router', () => {
  it('keeps a confirmation pressed by someone else, telling them only the person who asked may answer', async () => {
    const { press, sessions, askToConfirm, defender } = setUp();
    const { confirmId, stored } = await askToConfirm();
    const before = await stored();
    sessions.signIn(GALE);

    const onExecute = await press('execute', GALE, CardVerb.Confirm, { confirmId });
    expect(onExecute.answer).toEqual({
      statusCode: 200,
      type: 'application/vnd.microsoft.activity.message',
      value: 'Only the person who asked can answer this Nothing was sent to Defender.',
    });
    expect(onExecute.sent).toEqual([]);

    const onSubmit = await press('submit', GALE, CardVerb.Cancel, { confirmId });
    expect(cards(onSubmit.sent)).toEqual([['Only the person who asked can answer this Nothing was sent to Defender.']]);
    expect(onSubmit.sent[0]?.recipient?.id).toBe(GALE.id);
    expect(onSubmit.updated).toEqual([]);

    expect(await stored()).toEqual(before);
    expect(before?.request.caller.userId).toBe(ANA.id);
    expect(defender.callsOf('block')).toEqual([]);
    expect(sessions.prompts).toEqual([]);
  });

  it("asks its owner to sign in first without using it up, then blocks with the owner's token once they are signed in", async () => {
    const { press, sessions, askToConfirm, defender, kit } = setUp();
    const { confirmId, stored } = await askToConfirm();
    const before = await stored();

    const early = await press('execute', ANA, CardVerb.Confirm, { confirmId });

    expect(early.answer).toEqual({
      statusCode: 200,
      type: 'application/vnd.microsoft.activity.message',
      value: 'Sign in first (see the card below), then press the button again.',
    });
    expect(sessions.prompts.map((p) => p.userId)).toEqual([ANA.id]);
    expect(await stored()).toEqual(before);
    expect(defender.callsOf('block')).toEqual([]);

    sessions.signIn(ANA);
    const confirmed = await press('execute', ANA, CardVerb.Confirm, { confirmId });

    expect(confirmed.answer.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(shown(confirmed.answer)[0]).toBe('Block sent, but Defender does not block Microsoft-signed files');
    expect(shown(confirmed.answer)).toContain(`Requested by: ${ANA.name}`);
    expect(defender.callsOf('block').map((c) => [c.token, c.request.hash.value, c.request.comment])).toEqual([[`token-of-${ANA.aadObjectId}`, SHA1.value, 'dropper on 3 hosts']]);
    expect(await stored()).toBeUndefined();
    expect((await kit.store.list(StorePrefix.undo)).map((e) => e.value)).toEqual([expect.objectContaining({ hash: SHA1, blockedBy: ANA.name })]);
    expect(sessions.prompts).toHaveLength(1);
  });

  it('consumes it on Cancel, sending nothing to Defender, so a later Confirm finds it closed', async () => {
    const { press, askToConfirm, defender, sessions } = setUp();
    const { confirmId, stored } = await askToConfirm();
    const callsBefore = defender.calls.length;

    const cancelled = await press('submit', ANA, CardVerb.Cancel, { confirmId });

    expect(cards(cancelled.updated)).toEqual([['Cancelled', `Nothing was sent to Defender for SHA-1 ${SHA1.value}.`]]);
    expect(cancelled.updated[0]?.id).toBe(CARD_MESSAGE);
    expect(await stored()).toBeUndefined();

    sessions.signIn(ANA);
    const late = await press('execute', ANA, CardVerb.Confirm, { confirmId });
    expect(shown(late.answer)[0]).toBe('This request is no longer open');
    expect(defender.calls).toHaveLength(callsBefore);
    expect(defender.callsOf('block')).toEqual([]);
  });
});

describe('a failed Undo keeps its button', () => {
  it('answers "Undo failed" with the same Undo button, which lifts the block once Defender answers again', async () => {
    const { press, sessions, askToConfirm, defender } = setUp();
    sessions.signIn(ANA);
    const { confirmId } = await askToConfirm();
    const blocked = await press('execute', ANA, CardVerb.Confirm, { confirmId });
    const undo = buttons(blocked.answer.value)['Undo'];
    const undoId = undo?.data?.undoId as string;
    expect(undo).toMatchObject({ type: 'Action.Execute', verb: CardVerb.Undo });

    defender.script('liftBlock', new DefenderError('unavailable', 'Defender answered 503', { httpStatus: 503 }));
    const failed = await press('execute', ANA, CardVerb.Undo, { undoId });

    expect(shown(failed.answer).slice(0, 1)).toEqual(['Undo failed: the block is still in force']);
    const again = buttons(failed.answer.value)['Undo'];
    expect(again).toMatchObject({ type: 'Action.Execute', verb: CardVerb.Undo, data: { undoId }, fallback: { type: 'Action.Submit', data: { undoId, verb: CardVerb.Undo } } });

    const lifted = await press('execute', ANA, CardVerb.Undo, again?.data ?? {});

    expect(shown(lifted.answer)[0]).toBe('Block lifted');
    const [first, second] = defender.callsOf('liftBlock');
    expect([first?.token, second?.token]).toEqual([`token-of-${ANA.aadObjectId}`, `token-of-${ANA.aadObjectId}`]);
    expect(second?.made).toEqual(first?.made);
    expect(second?.request.hash).toEqual(SHA1);
  });

  /** Ana blocks a file (confirming the Microsoft-signed warning); returns the Undo id of its result card. */
  const blockedByAna = async (kit: ReturnType<typeof setUp>) => {
    kit.sessions.signIn(ANA);
    const { confirmId } = await kit.askToConfirm();
    const blocked = await kit.press('execute', ANA, CardVerb.Confirm, { confirmId });
    return buttons(blocked.answer.value)['Undo']?.data?.undoId as string;
  };

  it('keeps Undo when the sign-in must be renewed first, and says to press it again afterwards', async () => {
    const kit = setUp();
    const undoId = await blockedByAna(kit);
    kit.sessions.tokensFail = new TokenError('interactionRequired', 'AADSTS50076');

    const refused = await kit.press('execute', ANA, CardVerb.Undo, { undoId });

    expect(shown(refused.answer)).toEqual(expect.arrayContaining(['Undo failed: the block is still in force', expect.stringContaining('Sign in again, then press Undo again.')]));
    expect(buttons(refused.answer.value)['Undo']).toMatchObject({ verb: CardVerb.Undo, data: { undoId } });
    expect(kit.defender.callsOf('liftBlock')).toEqual([]);
    // Signed out and asked to sign in again, with why.
    expect(kit.sessions.prompts.map((p) => [p.userId, p.text])).toEqual([[ANA.id, signInAgainText('interactionRequired')]]);
    kit.sessions.tokensFail = undefined;
    const before = await kit.press('execute', ANA, CardVerb.Undo, { undoId });
    expect(before.answer.value).toBe('Sign in first (see the card below), then press the button again.');

    kit.sessions.signIn(ANA);
    const lifted = await kit.press('execute', ANA, CardVerb.Undo, { undoId });
    expect(shown(lifted.answer)[0]).toBe('Block lifted');
  });

  it('still answers the press when the fresh sign-in cannot be asked for', async () => {
    const kit = setUp();
    const undoId = await blockedByAna(kit);
    kit.sessions.tokensFail = new TokenError('invalidGrant', 'AADSTS50173');
    kit.sessions.promptsFail = true;

    const refused = await kit.press('execute', ANA, CardVerb.Undo, { undoId });

    expect(shown(refused.answer)).toEqual(expect.arrayContaining(['Undo failed: the block is still in force', expect.stringContaining('Sign in again, then press Undo again.')]));
    expect(buttons(refused.answer.value)['Undo']).toMatchObject({ data: { undoId } });
  });

  it('says to press Undo again later, not to sign in, when the token service was unavailable', async () => {
    const kit = setUp();
    const undoId = await blockedByAna(kit);
    kit.sessions.tokensFail = new TokenError('unavailable', 'connect ECONNREFUSED');

    const refused = await kit.press('execute', ANA, CardVerb.Undo, { undoId });

    expect(shown(refused.answer)).toEqual(expect.arrayContaining([expect.stringContaining('Press Undo again in a minute.')]));
    expect(shown(refused.answer).join(' ')).not.toContain('Sign in again');
    expect(kit.sessions.prompts).toEqual([]);
    expect(buttons(refused.answer.value)['Undo']).toMatchObject({ data: { undoId } });
  });

  it('shows no Undo when the offer could not be put back after a failed lift', async () => {
    const kit = setUp();
    const undoId = await blockedByAna(kit);
    kit.store.putsFail = (key) => key === StoreKey.undo(undoId);
    kit.defender.script('liftBlock', new DefenderError('unavailable', 'Defender answered 503', { httpStatus: 503 }));

    const failed = await kit.press('execute', ANA, CardVerb.Undo, { undoId });

    expect(shown(failed.answer)[0]).toBe('Undo failed: the block is still in force');
    expect(Object.keys(buttons(failed.answer.value))).not.toContain('Undo');
    expect(await kit.kit.store.get(StoreKey.undo(undoId))).toBeUndefined();
  });

  it('shows no Undo to a presser without the role (the offer stays for those who hold it)', async () => {
    const kit = setUp();
    const undoId = await blockedByAna(kit);
    kit.sessions.signIn(NICO);

    const denied = await kit.press('execute', NICO, CardVerb.Undo, { undoId });

    expect(shown(denied.answer)[0]).toBe('Not allowed: you need a directory role');
    expect(Object.keys(buttons(denied.answer.value))).not.toContain('Undo');
    expect(kit.defender.callsOf('liftBlock')).toEqual([]);
    expect(await kit.kit.store.get(StoreKey.undo(undoId))).toBeDefined();

    // Through the Submit fallback the card is the shared message: it is left alone, and only a new message answers.
    const onSubmit = await kit.press('submit', NICO, CardVerb.Undo, { undoId });
    expect(onSubmit.updated).toEqual([]);
    expect(cards(onSubmit.sent).map((texts) => texts[0])).toEqual(['Not allowed: you need a directory role']);
    expect(await kit.kit.store.get(StoreKey.undo(undoId))).toBeDefined();
  });

  it('offers Status, not Undo, when the lift may have happened', async () => {
    const { press, sessions, askToConfirm, defender } = setUp();
    sessions.signIn(ANA);
    const { confirmId } = await askToConfirm();
    const blocked = await press('execute', ANA, CardVerb.Confirm, { confirmId });
    const undoId = buttons(blocked.answer.value)['Undo']?.data?.undoId as string;

    defender.script('liftBlock', new DefenderError('outcomeUnknown', 'The request was sent, but Defender closed the connection before answering; it may have been carried out.'));
    const unknown = await press('execute', ANA, CardVerb.Undo, { undoId });

    expect(shown(unknown.answer)[0]).toBe('Outcome unknown: the block may have been lifted');
    expect(Object.keys(buttons(unknown.answer.value))).toEqual(['Status']);
  });
});

describe('card payloads the router refuses', () => {
  it.each<[CardVerbName, Record<string, unknown>]>([
    [CardVerb.Confirm, { confirmId: 42 }],
    [CardVerb.Confirm, {}],
    [CardVerb.Cancel, { confirmId: '' }],
    [CardVerb.Undo, { undoId: ['undo-1'] }],
    [CardVerb.BulkConfirm, { reviewId: null }],
    [CardVerb.RequestApproval, {}],
    [CardVerb.Approve, { approvalId: 7 }],
    [CardVerb.Reject, { approvalId: 'req-1', reason: { text: 'no' } }],
    [CardVerb.SubmitForm, { hash: 42, comment: 'dropper' }],
  ])('refuses %s with %j without touching the store, the session or Defender', async (verb, data) => {
    const { press, store, sessions, defender, adapter } = setUp();
    sessions.signIn(ANA);

    const onExecute = await press('execute', ANA, verb, data);
    expect(onExecute.answer).toEqual({ statusCode: 400, type: 'application/vnd.microsoft.error', value: { code: 'BadRequest', message: UNREADABLE } });
    expect(onExecute.sent).toEqual([]);

    const onSubmit = await press('submit', ANA, verb, data);
    expect(cards(onSubmit.sent)).toEqual([[UNREADABLE]]);
    expect(onSubmit.updated).toEqual([]);

    expect(store.asked).toEqual([]);
    expect(sessions.prompts).toEqual([]);
    expect(defender.calls).toEqual([]);
    expect(adapter.updates).toEqual([]);
  });
});

describe("the block form's Submit", () => {
  const typed = { comment: 'dropper on 3 hosts', action: 'Block', expires: 'never', severity: '', groups: '' };

  it.each<CardActionPath>(['execute', 'submit'])('re-shows the form with the error and what was typed on a bad hash, sending nothing (%s)', async (path) => {
    const { press, sessions, defender, store } = setUp();
    sessions.signIn(ANA);

    const pressed = await press(path, ANA, CardVerb.SubmitForm, { ...typed, hash: 'not-a-hash' });

    const form = path === 'execute' ? pressed.answer.value : pressed.updated[0]?.attachments?.[0]?.content;
    expect(cardTexts(form).slice(0, 2)).toEqual([
      'Block a file',
      'This is not a file hash. "not-a-hash" is not a SHA-1 (40 hexadecimal characters), SHA-256 (64) or MD5 (32). Nothing was blocked.',
    ]);
    expect(form).toMatchObject({
      body: expect.arrayContaining([expect.objectContaining({ id: 'hash', value: 'not-a-hash' }), expect.objectContaining({ id: 'comment', value: typed.comment })]),
    });
    if (path === 'submit') expect(pressed.updated[0]?.id).toBe(CARD_MESSAGE);
    expect(defender.calls).toEqual([]);
    expect(store.asked).toEqual([]);
  });

  it("blocks a good hash with the presser's token, replacing the form with the result", async () => {
    const { press, sessions, defender } = setUp();
    sessions.signIn(GALE);

    const pressed = await press('execute', GALE, CardVerb.SubmitForm, { ...typed, hash: `  ${SHA1.value.toUpperCase()} ` });

    expect(shown(pressed.answer)[0]).toBe('File blocked');
    expect(defender.callsOf('block').map((c) => [c.token, c.request.hash, c.request.caller.userId])).toEqual([[`token-of-${GALE.aadObjectId}`, SHA1, GALE.id]]);
  });
});
