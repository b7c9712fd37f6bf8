import { TestAdapter, TurnContext, type Activity } from 'botbuilder';
import { BackgroundWork } from '../../src/bot/background-work';
import { callerOf } from '../../src/bot/caller-of';
import type { Continuation, Proactive } from '../../src/bot/continuation';
import { SessionGate } from '../../src/bot/session-gate';
import type { SessionResult, UserSessions } from '../../src/bot/user-sessions';
import type { RunsWork, Work, WorkResult } from '../../src/bot/work-runner';
import type { Caller } from '../../src/domain/caller';
import type { Delegation, Logger } from '../../src/domain/ports';
import { StoreKey, StorePrefix } from '../../src/domain/store-keys';
import { MemoryStore } from '../../src/storage/memory-store';
import { ANA, GALE, OTHER_TENANT_ID, TENANT_ID, invokeActivity, messageActivity, type TeamsUser } from '../fixtures/activities';
import { cardTexts } from '../fixtures/card-texts';
import { delegationOf, manualClock } from '../fixtures/domain-kit';

const SERVICE_URL = 'https://smba.test.example/emea/';
const TIMEOUT_MS = 60_000;
const SIGN_IN_TEXT = 'Sign in so the bot can do the block as you.';
const quiet: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

/** UserSessions the test controls: who is signed in, every sign-in prompt and every sign-out. */
class FakeSessions implements UserSessions {
  readonly prompts: Array<{ readonly userId: string; readonly text: string }> = [];
  readonly signOuts: string[] = [];
  private readonly signedIn = new Set<string>();
  private readonly answers = new Map<string, SessionResult>();

  signIn(user: TeamsUser): void {
    this.signedIn.add(user.id);
  }

  /** From now on, `user`'s sessions open as `result` (e.g. bound to a token's identity, or refused). */
  answer(user: TeamsUser, result: SessionResult): void {
    this.answers.set(user.id, result);
  }

  async open(context: TurnContext): Promise<SessionResult> {
    const caller = callerOf(context.activity);
    const scripted = this.answers.get(caller.userId);
    if (scripted) return scripted;
    return this.signedIn.has(caller.userId) ? { ok: true, delegation: delegationOf(caller) } : { ok: false, reason: 'signInRequired' };
  }

  async promptSignIn(context: TurnContext, text: string): Promise<void> {
    this.prompts.push({ userId: context.activity.from.id, text });
  }

  async signInLink(): Promise<string> {
    return 'https://token.example/sign-in';
  }

  async signOut(context: TurnContext): Promise<void> {
    this.signedIn.delete(context.activity.from.id);
    this.signOuts.push(context.activity.from.id);
  }
}

/** Records every run (with the token its delegation gives) and says so in the conversation; answers as scripted, then `{}`. */
class RecordingRunner implements RunsWork {
  readonly runs: Array<{ readonly work: Work; readonly caller: Caller; readonly delegation: Delegation }> = [];
  private readonly results: WorkResult[] = [];

  answer(...results: WorkResult[]): void {
    this.results.push(...results);
  }

  async run(work: Work, caller: Caller, delegation: Delegation, continuation: Continuation): Promise<WorkResult> {
    this.runs.push({ work, caller, delegation });
    await continuation(async (context) => {
      await context.sendActivity(`ran ${work.describe}`);
    });
    return this.results.shift() ?? {};
  }

  async tokens(): Promise<string[]> {
    return Promise.all(this.runs.map((r) => r.delegation.defender()));
  }
}

const work = (user: TeamsUser): Work => ({
  describe: `block of SHA-1 for ${user.name}`,
  payload: {
    kind: 'block',
    request: { hash: { value: 'ab'.repeat(20), type: 'Sha1' }, comment: 'dropper', caller: { userId: user.id, aadObjectId: user.aadObjectId, name: user.name } },
  },
});

function setUp() {
  const clock = manualClock();
  const store = new MemoryStore({ now: clock.now });
  const adapter = new TestAdapter();
  const sessions = new FakeSessions();
  const runner = new RecordingRunner();
  const background = new BackgroundWork(quiet);
  const proactive: Proactive = async (reference, logic) => {
    await logic(new TurnContext(adapter, TurnContext.applyConversationReference({ type: 'event', name: 'continue' }, reference, true)));
  };
  const gateOver = (over: MemoryStore) => new SessionGate({ sessions, store: over, background, proactive, runner, logger: quiet, timeoutMs: TIMEOUT_MS, now: clock.now });
  const gate = gateOver(store);

  const message = (user: TeamsUser) => {
    const activity = messageActivity(SERVICE_URL, 'block abab… dropper', { user }) as Partial<Activity>;
    return new TurnContext(adapter, activity);
  };
  /** A sign-in completing in `user`'s personal chat (the verify-state invoke Teams sends). */
  const signInFinished = (user: TeamsUser) => new TurnContext(adapter, invokeActivity(SERVICE_URL, 'signin/verifyState', { state: '123456' }, { user }));
  const ask = async (user: TeamsUser) => {
    const context = message(user);
    const started = await gate.run(context, work(user), callerOf(context.activity), SIGN_IN_TEXT);
    return { started, context };
  };
  const waiting = async () => (await store.list<{ work: Work; until: string }>(StorePrefix.pending)).map((e) => [e.key, e.value.work.describe, e.value.until]);
  /** Messages the bot sent, as [conversation, recipient, what it said]. */
  const said = () => adapter.activeQueue.map((a) => [a.conversation?.id, a.recipient?.id, a.text ?? cardTexts(a.attachments?.[0]?.content).join(' | ')]);
  const settled = async () => expect(await background.drain(5_000)).toBe(true);

  return { clock, store, adapter, sessions, runner, gate, gateOver, ask, signInFinished, waiting, said, settled };
}

const conversationOf = (user: TeamsUser) => `a:1personal-${user.aadObjectId}`;
const pendingKey = (user: TeamsUser) => StoreKey.pending(conversationOf(user), user.id);

describe('SessionGate.run', () => {
  it('starts the work of a signed-in sender at once, with their delegation, keeping nothing and prompting nobody', async () => {
    const { adapter, sessions, runner, ask, waiting, said, settled } = setUp();
    sessions.signIn(ANA);

    const { started, context } = await ask(ANA);

    expect(started).toBe('started');
    expect(runner.runs.map((r) => [r.work, r.caller.userId])).toEqual([[work(ANA), ANA.id]]);
    expect(await runner.tokens()).toEqual([`token-of-${ANA.aadObjectId}`]);
    await settled();
    expect(said()).toEqual([[conversationOf(ANA), ANA.id, `ran ${work(ANA).describe}`]]);
    expect(adapter.activeQueue[0]?.replyToId).toBe(context.activity.id);
    expect(await waiting()).toEqual([]);
    expect(sessions.prompts).toEqual([]);
  });

  it('keeps the work of a sender who is not signed in and sends them the sign-in prompt', async () => {
    const { clock, sessions, runner, ask, waiting, settled } = setUp();

    const { started } = await ask(ANA);

    expect(started).toBe('waiting');
    expect(await waiting()).toEqual([[pendingKey(ANA), work(ANA).describe, clock.at(TIMEOUT_MS)]]);
    expect(sessions.prompts).toEqual([{ userId: ANA.id, text: SIGN_IN_TEXT }]);
    await settled();
    expect(runner.runs).toEqual([]);
  });
});

describe('SessionGate.complete', () => {
  it('runs the kept work exactly once, as the signer, though the sign-in is reported twice on two instances', async () => {
    const { clock, store, sessions, runner, gate, gateOver, ask, signInFinished, waiting, said, settled } = setUp();
    await ask(ANA);
    sessions.signIn(ANA);
    const otherInstance = gateOver(new MemoryStore({ now: clock.now, sharing: store }));

    await Promise.all([gate.complete(signInFinished(ANA)), otherInstance.complete(signInFinished(ANA))]);
    await gate.complete(signInFinished(ANA));
    await settled();

    expect(runner.runs.map((r) => [r.work, r.caller.userId])).toEqual([[work(ANA), ANA.id]]);
    expect(await runner.tokens()).toEqual([`token-of-${ANA.aadObjectId}`]);
    expect(await waiting()).toEqual([]);
    expect(
      said()
        .map(([, , text]) => text)
        .sort(),
    ).toEqual(['You are signed in | The bot acts on your behalf in Defender.', 'You are signed in | The bot acts on your behalf in Defender.', `ran ${work(ANA).describe}`]);
  });

  it('keeps the work when the sign-in did not produce a session, and says so', async () => {
    const { runner, gate, ask, signInFinished, waiting, said, settled } = setUp();
    await ask(ANA);

    await gate.complete(signInFinished(ANA));
    await settled();

    expect(runner.runs).toEqual([]);
    expect(await waiting()).toHaveLength(1);
    expect(said().map(([, , text]) => text)).toEqual(['Sign-in did not complete | The bot did not receive a token for you. Send the command again to get a new sign-in card.']);
  });
});

describe('SessionGate.sweep', () => {
  it('drops each wait past its time once across two instances, tells its sender, and leaves fresh waits to run', async () => {
    const { clock, store, sessions, runner, gate, gateOver, ask, signInFinished, waiting, said, settled } = setUp();
    await ask(ANA);
    clock.advance(30_000);
    await ask(GALE);
    clock.advance(TIMEOUT_MS - 30_000);

    const otherInstance = gateOver(new MemoryStore({ now: clock.now, sharing: store }));
    const dropped = await Promise.all([gate.sweep(), otherInstance.sweep()]);

    expect(dropped.reduce((a, b) => a + b)).toBe(1);
    expect(await waiting()).toEqual([[pendingKey(GALE), work(GALE).describe, clock.at(30_000 + TIMEOUT_MS)]]);
    expect(said()).toEqual([
      [
        conversationOf(ANA),
        ANA.id,
        `Dropped: sign-in did not complete | Your ${work(ANA).describe} waited 60 seconds for you to sign in and was dropped. Nothing was done; send the command again when you are ready.`,
      ],
    ]);
    expect(await gate.sweep()).toBe(0);

    sessions.signIn(ANA);
    sessions.signIn(GALE);
    await gate.complete(signInFinished(ANA));
    await gate.complete(signInFinished(GALE));
    await settled();
    expect(runner.runs.map((r) => r.caller.userId)).toEqual([GALE.id]);
    expect(
      said()
        .slice(1)
        .map(([conversation, , text]) => [conversation, text]),
    ).toEqual([
      [conversationOf(ANA), 'You are signed in | The bot acts on your behalf in Defender.'],
      [conversationOf(GALE), `ran ${work(GALE).describe}`],
    ]);
  });

  it('does not run a wait whose time has passed though no sweep has dropped it yet', async () => {
    const { clock, sessions, runner, gate, ask, signInFinished, settled } = setUp();
    await ask(ANA);
    clock.advance(TIMEOUT_MS);
    sessions.signIn(ANA);

    await gate.complete(signInFinished(ANA));
    await settled();

    expect(runner.runs).toEqual([]);
  });
});

describe('SessionGate when the work asks for a fresh sign-in', () => {
  it("signs the sender out, keeps the work again and prompts with the runner's text; the next sign-in runs it once more", async () => {
    const { clock, sessions, runner, gate, ask, signInFinished, waiting, settled } = setUp();
    const again = 'Not done yet: sign in again.';
    runner.answer({ signInAgain: again });
    sessions.signIn(ANA);
    clock.advance(5_000);

    expect((await ask(ANA)).started).toBe('started');
    await settled();

    expect(sessions.signOuts).toEqual([ANA.id]);
    expect(sessions.prompts).toEqual([{ userId: ANA.id, text: again }]);
    expect(await waiting()).toEqual([[pendingKey(ANA), work(ANA).describe, clock.at(5_000 + TIMEOUT_MS)]]);

    await gate.complete(signInFinished(ANA));
    await settled();
    expect(runner.runs).toHaveLength(1);

    sessions.signIn(ANA);
    await gate.complete(signInFinished(ANA));
    await settled();
    expect(runner.runs.map((r) => r.work)).toEqual([work(ANA), work(ANA)]);
    expect(await waiting()).toEqual([]);
  });
});

describe("SessionGate: the session's account acts", () => {
  const TOKEN_TENANT = TENANT_ID.toUpperCase();
  /** Ana's token as the token service hands it out: her object id in another letter case, her UPN. */
  const anasSession: SessionResult = {
    ok: true,
    delegation: delegationOf({ userId: ANA.id, aadObjectId: ANA.aadObjectId, name: ANA.name }),
    upn: 'ana@contoso.example',
    identity: { oid: ANA.aadObjectId.toUpperCase(), tid: TOKEN_TENANT, upn: 'ana@contoso.example', name: 'Ana (token)' },
  };
  const boundAna = { userId: ANA.id, aadObjectId: ANA.aadObjectId.toUpperCase(), name: ANA.name, tenantId: TOKEN_TENANT, upn: 'ana@contoso.example' };
  const mismatch: SessionResult = {
    ok: false,
    reason: 'accountMismatch',
    signedInAs: { oid: GALE.aadObjectId, tid: TENANT_ID, upn: 'gale@contoso.example' },
    expected: { name: ANA.name, oid: ANA.aadObjectId, tid: TENANT_ID },
    signedOut: true,
  };
  const bulkWork: Work = {
    describe: 'bulk block of 2 hashes',
    payload: {
      kind: 'bulk-block',
      spec: { items: [], options: { action: 'Block' }, caller: { userId: ANA.id, aadObjectId: ANA.aadObjectId, name: ANA.name } },
    },
  };

  it("runs work as the token's object id, tenant and UPN, in the caller handed to the runner and in the block request it carries", async () => {
    const { sessions, runner, ask, settled } = setUp();
    sessions.answer(ANA, anasSession);

    expect((await ask(ANA)).started).toBe('started');
    await settled();

    expect(runner.runs.map((r) => r.caller)).toEqual([boundAna]);
    const payload = runner.runs[0]?.work.payload;
    expect(payload?.kind === 'block' && payload.request.caller).toEqual(boundAna);
  });

  it('binds the caller a bulk job carries too', async () => {
    const { sessions, runner, gate, adapter, settled } = setUp();
    sessions.answer(ANA, anasSession);
    const context = new TurnContext(adapter, messageActivity(SERVICE_URL, 'block …', { user: ANA }));

    await gate.run(context, bulkWork, callerOf(context.activity), SIGN_IN_TEXT);
    await settled();

    const payload = runner.runs[0]?.work.payload;
    expect(payload?.kind === 'bulk-block' && payload.spec.caller).toEqual(boundAna);
  });

  it('binds kept work to the account that completed the sign-in', async () => {
    const { sessions, runner, gate, ask, signInFinished, settled } = setUp();
    await ask(ANA);
    sessions.answer(ANA, anasSession);

    await gate.complete(signInFinished(ANA));
    await settled();

    expect(runner.runs.map((r) => r.caller)).toEqual([boundAna]);
  });

  it('gives card actions the delegation and the bound caller', async () => {
    const { sessions, gate, adapter } = setUp();
    sessions.answer(ANA, anasSession);
    const context = new TurnContext(adapter, invokeActivity(SERVICE_URL, 'adaptiveCard/action', {}, { user: ANA }));

    const session = await gate.now(context, SIGN_IN_TEXT);

    expect(session?.caller).toEqual(boundAna);
    expect(await session?.delegation.defender()).toBe(`token-of-${ANA.aadObjectId}`);
  });

  it('leaves the caller as the channel says when the session names no account (local mode)', async () => {
    const { sessions, runner, ask, settled } = setUp();
    sessions.signIn(ANA);

    await ask(ANA);
    await settled();

    expect(runner.runs.map((r) => r.caller)).toEqual([{ userId: ANA.id, aadObjectId: ANA.aadObjectId, name: ANA.name, tenantId: TENANT_ID }]);
    expect(runner.runs[0]?.work).toEqual(work(ANA));
  });

  it("refuses work on another account's token: says who is signed in and who was expected, keeps nothing, prompts nobody", async () => {
    const { sessions, runner, ask, waiting, said, settled } = setUp();
    sessions.answer(ANA, mismatch);

    expect((await ask(ANA)).started).toBe('refused');
    await settled();

    expect(runner.runs).toEqual([]);
    expect(await waiting()).toEqual([]);
    expect(sessions.prompts).toEqual([]);
    expect(said().map(([, , text]) => text)).toEqual([
      [
        'Nothing was blocked: wrong account',
        `You are signed in as gale@contoso.example, but this Teams account is ${ANA.name}.`,
        'The bot signed that account out: sign in as yourself.',
        'Nothing was sent to Defender. Send the command again once you are signed in as yourself.',
      ].join(' | '),
    ]);
  });

  it('drops the kept work when the sign-in turns out to be another account, and says so', async () => {
    const { sessions, runner, gate, ask, signInFinished, waiting, said, settled } = setUp();
    await ask(ANA);
    sessions.answer(ANA, { ...mismatch, signedInAs: { oid: GALE.aadObjectId, tid: OTHER_TENANT_ID, name: 'Gale Elsewhere' }, signedOut: false });

    await gate.complete(signInFinished(ANA));
    await settled();

    expect(runner.runs).toEqual([]);
    expect(await waiting()).toEqual([]);
    expect(said().map(([, , text]) => text)).toEqual([
      [
        'Nothing was blocked: wrong account',
        `You are signed in as Gale Elsewhere, but this Teams account is ${ANA.name}. That account belongs to another organization than this chat.`,
        'The bot could not sign that account out: send "sign out", then sign in as yourself.',
        `Your waiting ${work(ANA).describe} was dropped and nothing was sent to Defender. Send it again once you are signed in as yourself.`,
      ].join(' | '),
    ]);
  });

  it("gives card actions nothing on another account's token, with the same explanation", async () => {
    const { sessions, gate, adapter, said } = setUp();
    sessions.answer(ANA, mismatch);
    const context = new TurnContext(adapter, invokeActivity(SERVICE_URL, 'adaptiveCard/action', {}, { user: ANA }));

    expect(await gate.now(context, SIGN_IN_TEXT)).toBeUndefined();
    expect(said().map(([, , text]) => text?.split(' | ')[0])).toEqual(['Nothing was blocked: wrong account']);
    expect(sessions.prompts).toEqual([]);
  });
});
