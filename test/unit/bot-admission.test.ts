import { TestAdapter, TurnContext, type Activity } from 'botbuilder';
import { asProactiveTurn } from '../../src/bot/proactive-turns';
import { Admission, DEDUPE_TTL_MS } from '../../src/bot/admission';
import { DiskFlushFailed } from '../../src/errors';
import type { Logger } from '../../src/domain/ports';
import { StoreKey } from '../../src/domain/store-keys';
import { MemoryStore } from '../../src/storage/memory-store';
import { ANA, OTHER_TENANT_ID, TENANT_ID, executeActivity, invokeActivity, messageActionActivity, messageActivity } from '../fixtures/activities';
import { cardTexts } from '../fixtures/card-texts';

const SERVICE_URL = 'https://smba.test.example/emea/';
const quiet: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

const NOT_AVAILABLE = { status: 200, body: { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: 'Not available.' } };
const EMPTY_OK = { status: 200, body: undefined };
const REFUSAL = ['This bot is not available to your organization', "Your tenant is not on the bot's list of allowed tenants, so nothing was done."];

/** One bot instance: the admission middleware in front of a handler that records what reached it. */
function instance(options: { allowedTenants?: readonly string[]; teamsOnly?: boolean; seen?: MemoryStore; logger?: Logger } = {}) {
  const seen = options.seen ?? new MemoryStore();
  const reached: string[] = [];
  const adapter = new TestAdapter();
  adapter.use(new Admission({ seen, teamsOnly: options.teamsOnly ?? true, allowedTenants: options.allowedTenants ?? [TENANT_ID], logger: options.logger ?? quiet }));
  /** Delivers a copy of `activity` (as Teams would, again and again); returns what the turn sent back. */
  const deliver = async (activity: Record<string, unknown>) => {
    const before = adapter.activeQueue.length;
    await adapter.processActivity(structuredClone(activity), async (context) => {
      reached.push(`${context.activity.type}:${context.activity.id}`);
    });
    return adapter.activeQueue.slice(before);
  };
  return { seen, reached, deliver, adapter };
}

const invokeAnswers = (sent: Partial<Activity>[]) => sent.filter((a) => a.type === 'invokeResponse').map((a) => a.value);
const cardsOf = (sent: Partial<Activity>[]) => sent.filter((a) => a.type === 'message').map((a) => cardTexts(a.attachments?.[0]?.content));

describe('Admission: re-deliveries', () => {
  it('passes a message once and drops its re-delivery silently', async () => {
    const { deliver, reached } = instance();
    const message = messageActivity(SERVICE_URL, 'block abc', { user: ANA, id: 'm-1' });

    expect(await deliver(message)).toEqual([]);
    expect(await deliver(message)).toEqual([]);

    expect(reached).toEqual(['message:m-1']);
  });

  it('answers a re-delivered card press with "Not available." and a 200, without running it again', async () => {
    const { deliver, reached } = instance();
    const press = executeActivity(SERVICE_URL, 'card-1', 'block.confirm', { confirmId: 'c-1' }, { user: ANA });

    expect(invokeAnswers(await deliver(press))).toEqual([]);
    const again = await deliver(press);

    expect(invokeAnswers(again)).toEqual([NOT_AVAILABLE]);
    expect(cardsOf(again)).toEqual([]);
    expect(reached).toEqual([`invoke:${press.id}`]);
  });

  it.each([
    ['composeExtension/submitAction', 'This was already received, so nothing more was done.'],
    ['composeExtension/fetchTask', 'This was already received. Open the message action again to see its dialog.'],
  ] as const)('answers a re-delivered %s in the dialog, without running it again', async (name, text) => {
    const { deliver, reached } = instance();
    const invoke = messageActionActivity(SERVICE_URL, name, { commandId: 'blockFromMessage' }, { user: ANA });

    await deliver(invoke);
    expect(invokeAnswers(await deliver(invoke))).toEqual([{ status: 200, body: { task: { type: 'message', value: text } } }]);

    expect(reached).toEqual([`invoke:${invoke.id}`]);
  });

  it('answers another re-delivered invoke with an empty 200', async () => {
    const { deliver, reached } = instance();
    const verify = invokeActivity(SERVICE_URL, 'signin/verifyState', { state: '123456' }, { user: ANA });

    await deliver(verify);
    expect(invokeAnswers(await deliver(verify))).toEqual([EMPTY_OK]);

    expect(reached).toEqual([`invoke:${verify.id}`]);
  });

  it('drops a re-delivery that reaches another instance over the same store', async () => {
    const first = instance();
    const second = instance({ seen: new MemoryStore({ sharing: first.seen }) });
    const message = messageActivity(SERVICE_URL, 'block abc', { user: ANA, id: 'm-2' });

    await first.deliver(message);
    await second.deliver(message);

    expect(first.reached).toEqual(['message:m-2']);
    expect(second.reached).toEqual([]);
  });

  it('treats the same activity id in another conversation as a new activity', async () => {
    const { deliver, reached } = instance();
    const personal = messageActivity(SERVICE_URL, 'block abc', { user: ANA, id: 'm-3' });
    const group = messageActivity(SERVICE_URL, 'block abc', { user: ANA, id: 'm-3', kind: 'groupChat' });

    await deliver(personal);
    await deliver(group);

    expect(reached).toEqual(['message:m-3', 'message:m-3']);
  });
});

/** A store whose claims reach the disk only when the test says so; an ask after a failed flush fails at once, as a broken disk does. */
class SlowDisk extends MemoryStore {
  private settles: Array<{ resolve: () => void; reject: (error: unknown) => void }> = [];
  private failed: Error | undefined;
  asks = 0;

  override durable(_key: string): Promise<void> {
    this.asks += 1;
    if (this.failed) return Promise.reject(this.failed);
    return new Promise<void>((resolve, reject) => this.settles.push({ resolve, reject }));
  }

  reach(error?: Error): void {
    this.failed = error;
    const settles = this.settles;
    this.settles = [];
    for (const settle of settles) {
      if (error) settle.reject(error);
      else settle.resolve();
    }
  }
}

/** Admission over a SlowDisk, in front of whatever handler a test runs. */
function slowDiskInstance() {
  const seen = new SlowDisk();
  const adapter = new TestAdapter();
  adapter.use(new Admission({ seen, teamsOnly: true, allowedTenants: [TENANT_ID], logger: quiet }));
  return { seen, adapter };
}

describe('Admission: nothing is sent before the claim is on disk', () => {
  it("holds the turn's reply until the claim of its activity is on disk", async () => {
    const { seen, adapter } = slowDiskInstance();
    const turn = adapter.processActivity(messageActivity(SERVICE_URL, 'help', { user: ANA, id: 'm-slow' }), async (context) => {
      await context.sendActivity('Here is what I can do.');
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect([seen.asks, adapter.activeQueue.map((a) => a.text)]).toEqual([1, []]);

    seen.reach();
    await turn;
    expect(adapter.activeQueue.map((a) => a.text)).toEqual(['Here is what I can do.']);
  });

  it('sends nothing when the claim could not be put on disk for a reason that may pass (the turn fails, Teams delivers it again)', async () => {
    const { seen, adapter } = slowDiskInstance();
    const turn = adapter.processActivity(messageActivity(SERVICE_URL, 'help', { user: ANA, id: 'm-busy' }), async (context) => {
      await context.sendActivity('Here is what I can do.');
    });
    await new Promise((resolve) => setImmediate(resolve));
    seen.reach(Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' }));
    await expect(turn).rejects.toThrow(/locked/);
    expect(adapter.activeQueue).toEqual([]);
  });

  it('lets the words of a message turn out once a disk flush failed for good: nothing can act then', async () => {
    const { seen, adapter } = slowDiskInstance();
    const turn = adapter.processActivity(messageActivity(SERVICE_URL, 'block abc', { user: ANA, id: 'm-broken' }), async (context) => {
      await context.sendActivity('Nothing was blocked: the audit trail is unavailable.');
    });
    await new Promise((resolve) => setImmediate(resolve));
    seen.reach(new DiskFlushFailed(new Error('EIO')));
    await turn;
    expect(adapter.activeQueue.map((a) => a.text)).toEqual(['Nothing was blocked: the audit trail is unavailable.']);
  });

  it('runs an invoke only once its claim is on disk (a message action acts after its answer)', async () => {
    const { seen, adapter } = slowDiskInstance();
    const reached: string[] = [];
    const submit = messageActionActivity(SERVICE_URL, 'composeExtension/submitAction', { commandId: 'blockFromMessage' }, { user: ANA });
    const turn = adapter.processActivity(submit, async (context) => void reached.push(context.activity.name ?? ''));
    await new Promise((resolve) => setImmediate(resolve));
    expect(reached).toEqual([]);
    seen.reach();
    await turn;
    expect(reached).toEqual(['composeExtension/submitAction']);
  });

  it('answers an invoke whose claim cannot reach the disk with "nothing was done", and does not run it', async () => {
    const { seen, adapter } = slowDiskInstance();
    const reached: string[] = [];
    const press = executeActivity(SERVICE_URL, 'card-1', 'block.confirm', { confirmId: 'c-1' }, { user: ANA });
    const turn = adapter.processActivity(press, async (context) => void reached.push(context.activity.name ?? ''));
    await new Promise((resolve) => setImmediate(resolve));
    seen.reach(new DiskFlushFailed(new Error('EIO')));
    await turn;
    expect(reached).toEqual([]);
    expect(invokeAnswers(adapter.activeQueue)).toEqual([
      { status: 200, body: { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: 'Storage is unavailable, so nothing was done. Try again in a minute.' } },
    ]);
  });

  it("holds the answer to a re-delivery until the first delivery's claim is on disk", async () => {
    const { seen, adapter } = slowDiskInstance();
    const press = executeActivity(SERVICE_URL, 'card-2', 'block.confirm', { confirmId: 'c-2' }, { user: ANA });
    const first = adapter.processActivity(structuredClone(press), async () => undefined);
    await new Promise((resolve) => setImmediate(resolve));
    seen.reach();
    await first;
    const again = adapter.processActivity(structuredClone(press), async () => undefined);
    await new Promise((resolve) => setImmediate(resolve));
    expect(invokeAnswers(adapter.activeQueue)).toEqual([]);
    seen.reach();
    await again;
    expect(invokeAnswers(adapter.activeQueue)).toEqual([NOT_AVAILABLE]);
  });
});

describe('Admission: Teams only', () => {
  /** A logger that keeps its warnings. */
  const recording = () => {
    const warnings: Array<{ readonly fields: unknown; readonly message: string }> = [];
    const logger: Logger = { ...quiet, warn: (fields: unknown, message: string) => void warnings.push({ fields, message }) };
    return { logger, warnings };
  };
  const from = (channelId: string, activity: Record<string, unknown>): Record<string, unknown> => ({ ...activity, channelId });

  it.each(['webchat', 'directline', 'emulator', 'slack', 'MSTEAMS'])(
    'drops a message from channel %j before anything else runs: no reply, no handler, nothing remembered, one log line',
    async (channelId) => {
      const { logger, warnings } = recording();
      const { deliver, reached, seen } = instance({ logger });
      const message = from(channelId, messageActivity(SERVICE_URL, `block ${'ab'.repeat(20)} from web chat`, { user: ANA, id: 'w-1' }));

      expect(await deliver(message)).toEqual([]);

      expect(reached).toEqual([]);
      expect(await seen.claim(StoreKey.activity(channelId, (message.conversation as { id: string }).id, 'w-1'), DEDUPE_TTL_MS)).toBe(true);
      expect(warnings).toEqual([
        { fields: expect.objectContaining({ activityId: 'w-1', channelId, type: 'message' }), message: expect.stringMatching(/channel other than Teams/) },
      ]);
    },
  );

  it.each([
    ['a card press', executeActivity(SERVICE_URL, 'card-1', 'block.confirm', { confirmId: 'c-1' }, { user: ANA })],
    ['a token exchange', invokeActivity(SERVICE_URL, 'signin/tokenExchange', { id: 'x', connectionName: 'sso', token: 't' }, { user: ANA })],
    ['a magic code', invokeActivity(SERVICE_URL, 'signin/verifyState', { state: '123456' }, { user: ANA })],
  ])('answers %s from Direct Line with 403 and runs nothing', async (_what, activity) => {
    const { deliver, reached } = instance();

    const sent = await deliver(from('directline', activity));

    expect(invokeAnswers(sent)).toEqual([{ status: 403 }]);
    expect(cardsOf(sent)).toEqual([]);
    expect(reached).toEqual([]);
  });

  it('drops a conversation update from Web Chat without a word', async () => {
    const { deliver, reached } = instance();
    const update = { ...messageActivity(SERVICE_URL, '', { user: ANA, id: 'u-9' }), type: 'conversationUpdate', text: undefined, membersAdded: [{ id: '28:defender-block-bot' }] };

    expect(await deliver(from('webchat', update))).toEqual([]);
    expect(reached).toEqual([]);
  });

  it('refuses another channel even from an allowed tenant, and before the tenant check (no refusal card to tell it anything)', async () => {
    const { deliver, reached } = instance({ allowedTenants: [] });
    expect(await deliver(from('webchat', messageActivity(SERVICE_URL, 'help', { user: ANA, tenantId: OTHER_TENANT_ID, id: 'w-2' })))).toEqual([]);
    expect(reached).toEqual([]);
  });

  it('passes Teams activities, and every channel when it is not Teams-only (local mode)', async () => {
    const strict = instance();
    await strict.deliver(messageActivity(SERVICE_URL, 'help', { user: ANA, id: 't-1' }));
    expect(strict.reached).toEqual(['message:t-1']);

    const local = instance({ teamsOnly: false });
    const press = from('webchat', invokeActivity(SERVICE_URL, 'signin/verifyState', { state: '123456' }, { user: ANA }));
    await local.deliver(from('webchat', messageActivity(SERVICE_URL, 'help', { user: ANA, id: 'w-3' })));
    expect(invokeAnswers(await local.deliver(press))).toEqual([]);
    expect(local.reached).toEqual(['message:w-3', `invoke:${press.id}`]);
  });
});

describe('Admission: tenants', () => {
  it('answers a message from a tenant not on the allow-list with the refusal card and goes no further', async () => {
    const { deliver, reached } = instance();
    const sent = await deliver(messageActivity(SERVICE_URL, 'block abc', { user: ANA, tenantId: OTHER_TENANT_ID }));

    expect(cardsOf(sent)).toEqual([REFUSAL]);
    expect(sent[0]?.recipient?.id).toBe(ANA.id);
    expect(invokeAnswers(sent)).toEqual([]);
    expect(reached).toEqual([]);
  });

  it('stores nothing for a tenant not on the allow-list: its activity is refused before the re-delivery claim', async () => {
    const { deliver, reached, seen } = instance();
    const foreign = messageActivity(SERVICE_URL, 'block abc', { user: ANA, tenantId: OTHER_TENANT_ID, id: 'f-1' });

    expect(cardsOf(await deliver(foreign))).toEqual([REFUSAL]);

    expect(reached).toEqual([]);
    expect(await seen.claim(StoreKey.activity('msteams', (foreign.conversation as { id: string }).id, 'f-1'), DEDUPE_TTL_MS)).toBe(true);
  });

  it.each([
    ['a card press', executeActivity(SERVICE_URL, 'card-1', 'approval.approve', { approvalId: 'a-1' }, { user: ANA, tenantId: OTHER_TENANT_ID }), NOT_AVAILABLE],
    [
      "a message action's submit",
      messageActionActivity(SERVICE_URL, 'composeExtension/submitAction', { commandId: 'blockFromMessage', data: {} }, { user: ANA, tenantId: OTHER_TENANT_ID }),
      { status: 200, body: { task: { type: 'message', value: 'Not available.' } } },
    ],
    [
      "a message action's dialog",
      messageActionActivity(SERVICE_URL, 'composeExtension/fetchTask', { commandId: 'blockFromMessage' }, { user: ANA, tenantId: OTHER_TENANT_ID }),
      { status: 200, body: { task: { type: 'message', value: 'Not available.' } } },
    ],
    ['another invoke', invokeActivity(SERVICE_URL, 'signin/tokenExchange', { id: 'x', token: 't' }, { user: ANA, tenantId: OTHER_TENANT_ID }), EMPTY_OK],
  ])('answers %s from a tenant not on the allow-list with its invoke answer and no card', async (_what, activity, answer) => {
    const { deliver, reached } = instance();
    const sent = await deliver(activity);

    expect(invokeAnswers(sent)).toEqual([answer]);
    expect(cardsOf(sent)).toEqual([]);
    expect(reached).toEqual([]);
  });

  it('refuses an activity that names no tenant when there is an allow-list', async () => {
    const { deliver, reached } = instance();
    const message = messageActivity(SERVICE_URL, 'block abc', { user: ANA });
    const anonymous = { ...message, channelData: {}, conversation: { ...(message.conversation as object), tenantId: undefined } };

    expect(cardsOf(await deliver(anonymous))).toEqual([REFUSAL]);
    expect(reached).toEqual([]);
  });

  it('matches allowed tenants in any letter case, and serves every tenant when the list is empty', async () => {
    const strict = instance();
    await strict.deliver(messageActivity(SERVICE_URL, 'help', { user: ANA, tenantId: TENANT_ID.toUpperCase(), id: 'm-4' }));
    expect(strict.reached).toEqual(['message:m-4']);

    const open = instance({ allowedTenants: [] });
    expect(await open.deliver(messageActivity(SERVICE_URL, 'help', { user: ANA, tenantId: OTHER_TENANT_ID, id: 'm-5' }))).toEqual([]);
    expect(open.reached).toEqual(['message:m-5']);
  });
});

describe('Admission: everything else', () => {
  it('passes messages, invokes and conversation updates from an allowed tenant to the handler, sending nothing itself', async () => {
    const { deliver, reached } = instance();
    const message = messageActivity(SERVICE_URL, 'help', { user: ANA, id: 'm-6' });
    const press = executeActivity(SERVICE_URL, 'card-1', 'block.cancel', { confirmId: 'c-1' }, { user: ANA });
    const update = { ...messageActivity(SERVICE_URL, '', { user: ANA, id: 'u-1' }), type: 'conversationUpdate', text: undefined, membersAdded: [{ id: '28:defender-block-bot' }] };

    expect(await deliver(message)).toEqual([]);
    expect(await deliver(press)).toEqual([]);
    expect(await deliver(update)).toEqual([]);

    expect(reached).toEqual(['message:m-6', `invoke:${press.id}`, 'conversationUpdate:u-1']);
  });
});

describe("Admission: the bot's own proactive turns", () => {
  it('lets a proactive send through without claiming it, while the same activity from outside is a delivery like any other', async () => {
    const { deliver, reached, seen, adapter } = instance();
    const strict = instance({ allowedTenants: ['some-other-tenant'] });
    const message = messageActivity(SERVICE_URL, 'help', { user: ANA, id: 'p-1' });
    const reference = TurnContext.getConversationReference(message);
    const continuation = TurnContext.applyConversationReference({ type: 'event', name: 'ContinueConversation', id: 'p-2' }, { ...reference, activityId: undefined }, true);

    await asProactiveTurn(() => adapter.processActivity(structuredClone(continuation), async (context) => void reached.push(`proactive:${context.activity.id}`)));
    expect(reached).toEqual(['proactive:p-2']);
    expect(await seen.claim(StoreKey.activity(continuation.channelId, continuation.conversation?.id, 'p-2'), DEDUPE_TTL_MS)).toBe(true);
    // The bot's own turns pass even where the tenant list would refuse the same activity from outside.
    await asProactiveTurn(() =>
      strict.adapter.processActivity(structuredClone({ ...continuation, id: 'p-4' }), async (context) => void strict.reached.push(`proactive:${context.activity.id}`)),
    );
    expect(await strict.deliver({ ...continuation, id: 'p-5' })).toEqual([]);
    expect(strict.reached).toEqual(['proactive:p-4']);

    expect(await deliver({ ...continuation, id: 'p-3' })).toEqual([]);
    expect(await deliver({ ...continuation, id: 'p-3' })).toEqual([]);
    expect(reached).toEqual(['proactive:p-2', 'event:p-3']);
    expect(await seen.claim(StoreKey.activity(continuation.channelId, continuation.conversation?.id, 'p-3'), DEDUPE_TTL_MS)).toBe(false);
  });
});

describe('Admission: storage failing before anything is done', () => {
  /** A store whose re-delivery claim fails, as Azure Blob storage does during an outage. */
  const broken = (): MemoryStore => Object.assign(Object.create(new MemoryStore()) as MemoryStore, { claim: () => Promise.reject(new Error('ServerBusy')) });

  it('tells the sender of a message that nothing was done, and runs no handler', async () => {
    const { deliver, reached } = instance({ seen: broken() });
    const sent = await deliver(messageActivity(SERVICE_URL, 'block abc', { user: ANA, id: 'm-9' }));
    expect(cardsOf(sent)).toEqual([['Nothing was done: storage unavailable', 'The bot could not reach its storage, so it did not act on this message. Try again in a minute.']]);
    expect(reached).toEqual([]);
  });

  it('answers a card press with the same words and a 200, and runs no handler', async () => {
    const { deliver, reached } = instance({ seen: broken() });
    const sent = await deliver(executeActivity(SERVICE_URL, 'card-1', 'block.confirm', { confirmId: 'c-1' }, { user: ANA }));
    expect(invokeAnswers(sent)).toEqual([
      { status: 200, body: { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: 'Storage is unavailable, so nothing was done. Try again in a minute.' } },
    ]);
    expect(reached).toEqual([]);
  });
});
