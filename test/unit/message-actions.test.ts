import { createHash } from 'node:crypto';
import type { Activity, TurnContext } from 'botbuilder';
import { MAX_DIALOG_HASHES, MessageActions, threadOf, type MessageActionsDeps } from '../../src/bot/message-actions';
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

    const withOptions = await new MessageActions({ ...deps, form: { hashTypes: ['Sha1', 'Sha256', 'Md5'], supportsOptions: true, defaultExpiryDays: 30 } }).fetchTask(context, {
      commandId: 'blockFromMessage',
      messagePayload: { id: '1', body: { contentType: 'html', content: hashes.join(' ') }, from: { user: { displayName: 'R'.repeat(200) } } },
    } as never);
    const optionsCard = JSON.stringify((withOptions.task as { value: { card: unknown } }).value.card);
    expect(optionsCard).toContain('"id":"action"');
    expect(optionsCard.length * 2).toBeLessThan(30 * 1024);
  });
});
