import { createHash } from 'node:crypto';
import type { Activity, TurnContext } from 'botbuilder';
import { MAX_DIALOG_HASHES, threadOf } from '../../src/bot/message-action-protocol';
import { MessageActions, type MessageActionsDeps } from '../../src/bot/message-actions';
import type { SessionResult, UserSessions } from '../../src/bot/user-sessions';
import { pastedJob, preparePasted } from '../../src/domain/pasted-review';
import { cardTexts } from '../fixtures/card-texts';

const sha1 = (seed: string) => createHash('sha1').update(seed).digest('hex');
const caller = { userId: '29:1ana', aadObjectId: 'a0a0', name: 'Ana Analyst', tenantId: 't1' };

const activity = (conversation: Record<string, unknown>) =>
  ({
    type: 'invoke',
    id: 'f:1',
    channelId: 'msteams',
    serviceUrl: 'https://smba.example/',
    from: { id: '29:1ana', name: 'Ana Analyst' },
    recipient: { id: '28:bot', name: 'Bot' },
    conversation,
  }) as unknown as Activity;

describe('threadOf: where the outcome of a message action is posted', () => {
  it('a channel post: the thread the post starts, replying to it', () => {
    const ref = threadOf(activity({ id: '19:soc@thread.tacv2', conversationType: 'channel' }), { id: '1700' });
    expect(ref.conversation?.id).toBe('19:soc@thread.tacv2;messageid=1700');
    expect(ref.activityId).toBe('1700');
  });

  it('a reply in a channel thread: the thread of its root post, whatever thread the invoke names', () => {
    const ref = threadOf(activity({ id: '19:soc@thread.tacv2;messageid=999', conversationType: 'channel' }), { id: '1701', replyToId: '1700' });
    expect(ref.conversation?.id).toBe('19:soc@thread.tacv2;messageid=1700');
    expect(ref.activityId).toBe('1700');
  });

  it('a chat: the chat itself, replying to the message', () => {
    const ref = threadOf(activity({ id: '19:group@thread.v2', conversationType: 'groupChat' }), { id: '1702' });
    expect(ref.conversation?.id).toBe('19:group@thread.v2');
    expect(ref.activityId).toBe('1702');
  });
});

describe('pasted review: the comment on the card fills in only for hashes without their own', () => {
  const options = { action: 'Block' as const };
  const lines = [
    { line: 1, text: 'a', hash: { type: 'Sha1' as const, value: sha1('a') }, comment: 'own' },
    { line: 2, text: 'b', hash: { type: 'Sha1' as const, value: sha1('b') } },
    { line: 3, text: 'a again', hash: { type: 'Sha1' as const, value: sha1('a') } },
  ];

  it('repeats are listed, not blocked twice; a missing comment blocks nothing; a given one fills the gap', () => {
    const prepared = preparePasted(lines, options, caller);
    expect(prepared.lines[2].problem).toBe('same hash as line 1');
    expect(pastedJob(prepared.review, undefined)).toBeUndefined();
    expect(pastedJob(prepared.review, 'from the card')?.items.map((i) => [i.hash.value, i.comment])).toEqual([
      [sha1('a'), 'own'],
      [sha1('b'), 'from the card'],
    ]);
  });
});

describe('fetchTask: a message with more hashes than one dialog lists', () => {
  const signedIn: UserSessions = {
    open: async (): Promise<SessionResult> => ({ ok: true, delegation: {} as never }),
    promptSignIn: async () => undefined,
    signInLink: async () => undefined,
    signOut: async () => undefined,
  };
  const deps = {
    sessions: signedIn,
    form: { hashTypes: ['Sha1'], supportsOptions: false, defaultExpiryDays: 30 },
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined },
  } as unknown as MessageActionsDeps;

  it(`lists the first ${MAX_DIALOG_HASHES} SHA-256 and says there were more (the card stays within Teams' 40 KB); without the Indicators API, no options`, async () => {
    const hashes = Array.from({ length: MAX_DIALOG_HASHES + 5 }, (_, i) => createHash('sha256').update(`h${i}`).digest('hex'));
    const context = { activity: activity({ id: 'a:1', conversationType: 'personal' }) } as unknown as TurnContext;
    const answer = await new MessageActions(deps).fetchTask(context, {
      commandId: 'blockFromMessage',
      messagePayload: { id: '1', body: { contentType: 'html', content: hashes.map((h) => `<p>${h}</p>`).join('') }, from: { user: { displayName: 'Riley' } } },
    } as never);
    const card = (answer.task as { value: { card: { content: Record<string, unknown> } } }).value.card.content;
    const json = JSON.stringify(card);
    expect(json.match(/"Input.Toggle"/g)).toHaveLength(MAX_DIALOG_HASHES);
    expect(json).not.toContain(hashes[MAX_DIALOG_HASHES]);
    expect(cardTexts(card)).toEqual(
      expect.arrayContaining([`The message has more hashes than one dialog lists; these are the first ${MAX_DIALOG_HASHES}. Use a bulk block for the rest.`]),
    );
    expect(json).not.toContain('"id":"action"');
    expect(json).not.toContain('"id":"contain"');

    const contain = { run: async () => ({}) };
    const withOptions = await new MessageActions({ ...deps, contain, form: { hashTypes: ['Sha1', 'Sha256', 'Md5'], supportsOptions: true, defaultExpiryDays: 30 } }).fetchTask(
      context,
      {
        commandId: 'blockFromMessage',
        messagePayload: { id: '1', body: { contentType: 'html', content: hashes.join(' ') }, from: { user: { displayName: 'R'.repeat(200) } } },
      } as never,
    );
    const optionsCard = JSON.stringify((withOptions.task as { value: { card: unknown } }).value.card);
    expect(optionsCard).toContain('"id":"action"');
    expect(optionsCard).toContain('"id":"contain","title":"Also stop & quarantine where it is seen","value":"false"');
    expect(optionsCard.length * 2).toBeLessThan(30 * 1024);
  });
});

describe('submitAction: approval requests, and "also stop & quarantine" after the blocks', () => {
  const sha256 = (seed: string) => createHash('sha256').update(seed).digest('hex');
  const notice = (title: string) => ({
    card: { contentType: 'application/vnd.microsoft.card.adaptive', content: { type: 'AdaptiveCard', body: [{ type: 'TextBlock', text: title }] } },
    summary: title,
  });

  function rig(options: {
    approvalPolicy: 'always' | 'non-admins';
    conversationType: 'channel' | 'personal';
    denied: boolean;
    /** The hashes the block or bulk run reports blocked. */
    blocks?: (hashes: string[]) => string[];
    canContain?: boolean;
    /** A hash whose containment throws. */
    containFails?: string;
  }) {
    const sent: string[][] = [];
    const requested: string[] = [];
    const asks: string[] = [];
    const ran: string[][] = [];
    const contained: string[] = [];
    const work: Promise<void>[] = [];
    const deps = {
      sessions: {
        open: async (): Promise<SessionResult> => ({ ok: true, delegation: {} as never, identity: { oid: 'a0a0', tid: 't1' } }),
        promptSignIn: async () => undefined,
        signInLink: async () => undefined,
        signOut: async () => undefined,
      },
      runner: {
        run: async (work: { payload: { kind: string; request?: { hash: { value: string } }; spec?: { items: { hash: { value: string } }[] } } }) => {
          const { payload } = work;
          const hashes = payload.kind === 'block' ? [payload.request!.hash.value] : payload.spec!.items.map((i) => i.hash.value);
          ran.push(hashes);
          const blocked = (options.blocks ?? (() => []))(hashes);
          return { blocked: blocked.map((value) => ({ type: 'Sha256', value })) };
        },
      },
      contain: options.canContain
        ? {
            run: async (request: { hash: { value: string }; comment: string }) => {
              if (request.hash.value === options.containFails) throw new Error('store down');
              contained.push(`${request.hash.value} ${request.comment}`);
              return {};
            },
          }
        : undefined,
      board: {
        refusalHere: () => (options.conversationType === 'personal' ? notice('No approval was requested: this is a 1:1 chat') : undefined),
        request: async (_context: TurnContext, input: { hash: { value: string }; ask: { action: string } }) => {
          requested.push(input.hash.value);
          asks.push(input.ask.action);
          return options.conversationType === 'personal' ? notice('No approval was requested: this is a 1:1 chat') : notice(`Block requested ${input.hash.value}`);
        },
      },
      background: { run: (_label: string, task: () => Promise<void>) => (work.push(task()), Promise.resolve()) },
      proactive: async (reference: { conversation?: unknown }, logic: (context: TurnContext) => Promise<void>) =>
        logic({
          activity: { ...activity(reference.conversation as Record<string, unknown>) },
          sendActivity: async (a: { type?: string; attachments?: { content: unknown }[] }) => {
            if (a.type === 'typing') return { id: 't' };
            sent.push(cardTexts(a.attachments?.[0]?.content));
            return { id: 'm' };
          },
        } as unknown as TurnContext),
      roles: { rolesOf: async () => ({ ok: true, roles: new Set(options.denied ? ['5d6b6bb7-de71-4623-b4af-96380a352509'] : ['194ae4cb-b126-40b2-bd5b-6091b380977d']) }) },
      form: { hashTypes: ['Sha1', 'Sha256', 'Md5'], supportsOptions: true, defaultExpiryDays: 30 },
      approvalPolicy: options.approvalPolicy,
      logger: { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined },
      now: () => new Date('2026-12-02T00:00:00Z'),
    } as unknown as MessageActionsDeps;
    const submit = async (hashes: string[], extra: Record<string, unknown> = {}) => {
      const conversation = options.conversationType === 'channel' ? { id: '19:soc@thread.tacv2', conversationType: 'channel' } : { id: 'a:1', conversationType: 'personal' };
      const context = { activity: { ...activity(conversation), from: { id: '29:1ana', name: 'Ana Analyst', aadObjectId: 'a0a0' } } } as unknown as TurnContext;
      const answer = await new MessageActions(deps).submitAction(context, {
        commandId: 'blockFromMessage',
        messagePayload: { id: '1700', body: { contentType: 'html', content: hashes.map((h) => `<p>${h}</p>`).join('') } },
        data: { comment: 'from the alert', action: 'Block', expires: '30d', ...Object.fromEntries(hashes.map((h) => [`h_${h}`, 'true'])), ...extra },
      } as never);
      await Promise.all(work);
      return answer;
    };
    return { sent, requested, asks, ran, contained, submit };
  }

  it('under APPROVAL_POLICY=always, eleven files picked by an administrator are refused for the policy, not for a role the administrator holds', async () => {
    const { sent, requested, submit } = rig({ approvalPolicy: 'always', conversationType: 'channel', denied: false });
    await submit(Array.from({ length: 11 }, (_, i) => sha256(`always-${i}`)));
    expect(requested).toEqual([]);
    expect(sent).toHaveLength(1);
    expect(sent[0][0]).toBe('Nothing was requested');
    expect(sent[0].join(' ')).not.toMatch(/Without the Security Administrator/);
    expect(sent[0].join(' ')).toMatch(/approval policy/);
  });

  it('in a 1:1 chat with no approval channel, a reader picking three files is told once that no approval can be requested here', async () => {
    const { sent, submit } = rig({ approvalPolicy: 'non-admins', conversationType: 'personal', denied: true });
    await submit([sha256('p1'), sha256('p2'), sha256('p3')]);
    expect(sent).toEqual([['No approval was requested: this is a 1:1 chat']]);
  });

  it('with "also stop & quarantine" on, only the files Defender blocked are contained; the thread is told which were not, and why nothing ran for them', async () => {
    const [a, b, c] = [sha256('c1'), sha256('c2'), sha256('c3')];
    const { sent, ran, contained, submit } = rig({ approvalPolicy: 'non-admins', conversationType: 'channel', denied: false, canContain: true, blocks: () => [c, a] });
    await submit([a, b, c], { contain: 'true' });
    expect(ran).toEqual([[a, b, c]]);
    expect(contained).toEqual([`${a} from the alert`, `${c} from the alert`]);
    expect(sent).toEqual([
      [
        'Not stopped or quarantined',
        '1 of the 3 files was not blocked here, so nothing was stopped or quarantined for it. The reply above says why.',
        'Once a file is blocked, send "contain ‹hash› ‹comment›" to stop & quarantine it where it is seen.',
      ],
    ]);
  });

  it('a containment that fails unexpectedly is reported as unknown for its file; the next file is still contained', async () => {
    const [a, b] = [sha256('u1'), sha256('u2')];
    const { sent, contained, submit } = rig({ approvalPolicy: 'non-admins', conversationType: 'channel', denied: false, canContain: true, blocks: (h) => h, containFails: a });
    await submit([a, b], { contain: 'true' });
    expect(contained).toEqual([`${b} from the alert`]);
    expect(sent).toEqual([
      [
        'Stop & quarantine: outcome unknown',
        `The file SHA-256 ${a} is blocked, but the bot could not tell whether stop & quarantine started on its devices.`,
        'Send "history ‹hash›" to see what was sent, or "contain ‹hash› ‹comment›" to try again.',
      ],
    ]);
  });

  it('with the switch off (or absent), nothing is contained even when the files are blocked', async () => {
    const [a, b] = [sha256('o1'), sha256('o2')];
    const off = rig({ approvalPolicy: 'non-admins', conversationType: 'channel', denied: false, canContain: true, blocks: (hashes) => hashes });
    await off.submit([a, b], { contain: 'false' });
    await off.submit([a]);
    expect(off.ran).toEqual([[a, b], [a]]);
    expect(off.contained).toEqual([]);
    expect(off.sent).toEqual([]);
  });

  it("a reader's submit with the switch on asks for block + contain, one request per file; without it, for a block", async () => {
    const [a, b] = [sha256('r1'), sha256('r2')];
    const on = rig({ approvalPolicy: 'non-admins', conversationType: 'channel', denied: true, canContain: true });
    await on.submit([a, b], { contain: 'true' });
    await on.submit([a]);
    expect(on.requested).toEqual([a, b, a]);
    expect(on.asks).toEqual(['block+contain', 'block+contain', 'block']);
    expect(on.ran).toEqual([]);
    expect(on.contained).toEqual([]);
  });

  it.each([[true], ['true']])('a bot without device actions refuses a forged contain=%p and runs nothing', async (forged) => {
    const a = sha256('f1');
    const { ran, requested, sent, submit } = rig({ approvalPolicy: 'non-admins', conversationType: 'channel', denied: false, canContain: false, blocks: (hashes) => hashes });
    const answer = await submit([a], { contain: forged });
    expect(answer).toEqual({
      task: {
        type: 'message',
        value: "This bot's Defender API cannot stop and quarantine files on devices, so its dialog has no such switch. Nothing was blocked; use the action on the message again.",
      },
    });
    expect([ran, requested, sent]).toEqual([[], [], []]);
  });
});
