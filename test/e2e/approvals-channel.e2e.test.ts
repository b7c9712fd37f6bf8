import type { ConnectorRequest } from '../fakes/fake-connector';
import { DirectoryRole } from '../../src/domain/roles';
import { ANA, GALE, NICO, RILEY, TENANT_ID, executeActivity, messageActivity, type TeamsUser } from '../fixtures/activities';
import { cardTexts } from '../fixtures/card-texts';
import { buttons, cardOf } from '../fixtures/cards';
import { CONNECTION, replyTexts, startRig, type Rig } from './rig';

const SOC_CHANNEL = '19:soc-approvals@thread.tacv2';
const GROUP_CHAT = '19:group-chat@thread.v2';
const BEN: TeamsUser = { id: '29:1ben', name: 'Ben Blocker', aadObjectId: 'a0a0a0a0-0000-4000-8000-00000000000b' };
const PAT: TeamsUser = { id: '29:1pat', name: 'Pat Pending', aadObjectId: 'a0a0a0a0-0000-4000-8000-00000000000d' };
const PENDING = 'Block requested: waiting for approval';
const OAUTH_CARD = 'application/vnd.microsoft.card.oauth';

const hashOf = (digit: string) => digit.repeat(40);
const conversationOf = (activity: Record<string, unknown>) => (activity.conversation as { id: string }).id;
const isApprovalCard = (r: ConnectorRequest) => {
  try {
    return cardTexts(cardOf(r))[0] === PENDING;
  } catch {
    return false;
  }
};
/** Approval cards that reached a conversation (the connector took them). */
const postedCards = (rig: Rig) => rig.connector.requests.filter((r) => r.method === 'POST' && r.status === 201 && isApprovalCard(r));
/** The decision lines of an approval card ("<when> UTC: <who> <did>: <outcome>"), without their times. */
const decisionsOn = (card: Record<string, unknown>) =>
  cardTexts(card)
    .map((t) => /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC: (.*)$/.exec(t)?.[1])
    .filter((t): t is string => t !== undefined);

/** Asks for an approval in a conversation of `kind`; returns the activity. */
async function ask(rig: Rig, user: TeamsUser, hash: string, comment: string, kind: 'personal' | 'groupChat' = 'personal'): Promise<Record<string, unknown>> {
  const activity = messageActivity(rig.connector.serviceUrl, `request block ${hash} ${comment}`, { user, kind });
  expect((await rig.send(activity)).status).toBe(200);
  return activity;
}

/** What the bot told the requester in the conversation they asked from (the notice, not a card it posted there). */
function answerTo(rig: Rig, activity: Record<string, unknown>, headline?: string): Promise<ConnectorRequest> {
  return rig.connector.waitFor(
    (r) => r.method === 'POST' && r.conversationId === conversationOf(activity) && !isApprovalCard(r) && (headline === undefined || replyTexts(r)[0] === headline),
  );
}

/** The message id of a posted card: the root of a new channel thread, or the id the connector gave a message. */
function idOf(card: ConnectorRequest): string {
  const id = card.path === '/v3/conversations' ? card.activityId : (card.response as { id?: string } | undefined)?.id;
  if (!id) throw new Error('the card has no message id');
  return id;
}

/** Presses a button of an approval card or of the requester's notice (Action.Execute), from where the card lives. */
function press(rig: Rig, card: ConnectorRequest, cardContent: Record<string, unknown>, title: string, user: TeamsUser, kind: 'channel' | 'groupChat' | 'personal' = 'channel') {
  const button = buttons(cardContent)[title];
  if (!button) throw new Error(`no "${title}" button on the card`);
  return rig.send(executeActivity(rig.connector.serviceUrl, idOf(card), button.verb!, button.data!, { user, kind }));
}

describe('approval cards in APPROVAL_CHANNEL, never learned first', () => {
  let rig: Rig;
  const defenderPosts = () => rig.defender.requestsTo('POST', /^\/api\/indicators$/);

  beforeAll(async () => {
    rig = await startRig({ defenderApi: 'indicators', env: { APPROVAL_CHANNEL: SOC_CHANNEL, APPROVAL_MAX_OPEN_PER_USER: '2', ROLE_CACHE_SECONDS: '0' } });
    await rig.signIn(ANA, [DirectoryRole.SecurityAdministrator]);
    await rig.signIn(GALE, [DirectoryRole.GlobalAdministrator]);
    await rig.signIn(BEN, [DirectoryRole.SecurityAdministrator]);
    await rig.signIn(RILEY, [DirectoryRole.SecurityReader]);
    await rig.signIn(NICO, []);
  });
  afterAll(() => rig.stop());
  beforeEach(() => {
    rig.connector.clear();
    rig.defender.reset();
  });

  it('creates the card as a new thread in the channel (POST /v3/conversations with the tenant) and updates that card in place on approval', async () => {
    const asked = await ask(rig, RILEY, hashOf('1'), 'seen in a phishing mail');
    const card = await rig.connector.waitForChannelPost(SOC_CHANNEL);
    expect(card).toMatchObject({
      method: 'POST',
      path: '/v3/conversations',
      status: 201,
      conversationParameters: {
        isGroup: true,
        channelData: { channel: { id: SOC_CHANNEL }, tenant: { id: TENANT_ID } },
        tenantId: TENANT_ID,
        activity: { type: 'message' },
      },
    });
    expect(card.conversationId).toBe(`${SOC_CHANNEL};messageid=${card.activityId}`);
    expect(cardTexts(cardOf(card))).toEqual(expect.arrayContaining([PENDING, hashOf('1'), 'Requested by: Riley Reader', 'seen in a phishing mail']));
    const told = replyTexts(await answerTo(rig, asked));
    expect(told[0]).toBe('Approval requested: NOT blocked yet');
    expect(told.join(' ')).toContain('in the SOC channel');
    expect(postedCards(rig)).toEqual([card]);

    const answer = await press(rig, card, cardOf(card), 'Approve and block', GALE);
    expect(cardTexts((answer.body as { value: unknown }).value)[0]).toBe('Approved and blocked');
    const update = await rig.connector.waitFor((r) => r.method === 'PUT' && r.activityId === card.activityId);
    expect(update).toMatchObject({
      status: 200,
      conversationId: card.conversationId,
      path: `/v3/conversations/${encodeURIComponent(card.conversationId!)}/activities/${card.activityId}`,
    });
    expect(cardTexts(cardOf(update))[0]).toBe('Approved and blocked');
    expect(decisionsOn(cardOf(update))).toEqual(['Gale Global approved: blocked']);
    expect(buttons(cardOf(update))).toEqual({});
    expect(rig.connector.requests.filter((r) => r.path === '/v3/conversations')).toHaveLength(1);
    expect(defenderPosts().map((p) => p.claims?.oid)).toEqual([GALE.aadObjectId]);
  });

  it.each([
    [403, 'the bot is not a member of the team of that channel (403 BotNotInConversationRoster)'],
    [404, 'the channel was not found (404 ConversationNotFound)'],
  ] as const)('an unreachable channel (%i) answers that no approval was requested, and nothing stays pending', async (status, why) => {
    rig.connector.refuseChannel(SOC_CHANNEL, status);
    const refused = await ask(rig, NICO, hashOf('2'), 'the channel is gone');
    const told = replyTexts(await answerTo(rig, refused));
    expect(told[0]).toBe('No approval was requested');
    expect(told.join(' ')).toContain(why);
    expect(told.join(' ')).toContain('Nothing waits for approval and nothing was blocked');
    expect(rig.connector.requests.find((r) => r.path === '/v3/conversations')?.status).toBe(status);
    expect(postedCards(rig)).toEqual([]);

    // With at most two open requests each, two more go through: the refused one is not pending.
    rig.connector.admitChannel(SOC_CHANNEL);
    for (const digit of ['3', '4']) {
      rig.connector.clear();
      const again = await ask(rig, NICO, hashOf(digit), 'the channel is back');
      const notice = await answerTo(rig, again);
      expect(replyTexts(notice)[0]).toBe('Approval requested: NOT blocked yet');
      const card = await rig.connector.waitForChannelPost(SOC_CHANNEL);
      expect(buttons(cardOf(card))['Cancel my request']).toBeUndefined();
      const cancel = await press(rig, notice, cardOf(notice), 'Cancel my request', NICO, 'personal');
      expect(cardTexts((cancel.body as { value: unknown }).value)[0]).toBe('Cancelled by the requester: NOT blocked');
    }
  });

  it('refuses a request past the open-request cap, and takes one again once a request is cancelled', async () => {
    const notices: ConnectorRequest[] = [];
    for (const digit of ['5', '6']) {
      rig.connector.clear();
      const asked = await ask(rig, BEN, hashOf(digit), 'one of a series');
      notices.push(await answerTo(rig, asked, 'Approval requested: NOT blocked yet'));
      await rig.connector.waitForChannelPost(SOC_CHANNEL);
    }
    rig.connector.clear();
    const third = await ask(rig, BEN, hashOf('7'), 'one too many');
    const told = replyTexts(await answerTo(rig, third));
    expect(told[0]).toBe('Too many requests waiting');
    expect(told.join(' ')).toContain('You have 2 requests waiting for approval');
    expect(told.join(' ')).toContain('Nothing was requested');
    expect(rig.connector.requests.filter((r) => r.path === '/v3/conversations')).toEqual([]);

    await press(rig, notices[0], cardOf(notices[0]), 'Cancel my request', BEN, 'personal');
    rig.connector.clear();
    const fourth = await ask(rig, BEN, hashOf('7'), 'room again');
    expect(replyTexts(await answerTo(rig, fourth))[0]).toBe('Approval requested: NOT blocked yet');
    expect(cardTexts(cardOf(await rig.connector.waitForChannelPost(SOC_CHANNEL)))).toContain('room again');
  });

  it('asks a requester who is not signed in to sign in first, and requests nothing until they have', async () => {
    const before = await ask(rig, PAT, hashOf('8'), 'before signing in');
    const prompt = await rig.connector.waitFor((r) => r.conversationId === conversationOf(before) && r.method === 'POST');
    const attachments = (prompt.body as { attachments?: Array<{ contentType: string }> }).attachments ?? [];
    expect(attachments.map((a) => a.contentType)).toEqual([OAUTH_CARD]);
    expect(replyTexts(await answerTo(rig, before, 'Sign in first: no approval was requested yet'))[0]).toBe('Sign in first: no approval was requested yet');
    expect(rig.connector.requests.filter((r) => r.path === '/v3/conversations')).toEqual([]);
    expect(rig.defender.requests).toEqual([]);

    await rig.signIn(PAT, []);
    rig.connector.clear();
    const after = await ask(rig, PAT, hashOf('8'), 'after signing in');
    expect(replyTexts(await answerTo(rig, after))[0]).toBe('Approval requested: NOT blocked yet');
    expect(cardTexts(cardOf(await rig.connector.waitForChannelPost(SOC_CHANNEL)))).toContain('Requested by: Pat Pending');
  });

  it("requests nothing on another account's token: the requester is whoever the sign-in names, not what the client claims", async () => {
    const DEE: TeamsUser = { id: '29:1dee', name: 'Dee Example', aadObjectId: 'd0d0d0d0-0000-4000-8000-00000000000d' };
    rig.tokens.signInWithAccountOf({ user: DEE.id, account: ANA.id, connectionName: CONNECTION });
    const asked = await ask(rig, DEE, hashOf('e'), "with Ana's token");
    expect(replyTexts(await answerTo(rig, asked))[0]).toBe('Nothing was blocked: wrong account');
    expect(replyTexts(await answerTo(rig, asked, 'Sign in first: no approval was requested yet'))).toContain(
      'Requests carry who asked, so the bot needs your sign-in (see the sign-in card). Then ask again. Nothing was blocked.',
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(rig.connector.requests.filter((r) => r.path === '/v3/conversations')).toEqual([]);
    expect(rig.defender.requests).toEqual([]);
  });

  it('shows the indicator already in force on the approval card, looked up as the requester', async () => {
    rig.defender.seedIndicator(
      { indicatorValue: hashOf('9'), indicatorType: 'FileSha1', action: 'Audit', generateAlert: true, title: 'Audit from hunting', description: 'watching this one' },
      { upn: 'colleague@contoso.example', name: 'Cole League', scp: 'Ti.ReadWrite' },
    );
    await ask(rig, RILEY, hashOf('9'), 'block it for good');
    const shown = cardTexts(cardOf(await rig.connector.waitForChannelPost(SOC_CHANNEL)));
    expect(shown).toContain('Already in Defender: an approved block replaces this');
    expect(shown.find((t) => t.startsWith('Current action: Audit'))).toBeDefined();
    expect(shown.find((t) => t.startsWith('Set by: ') && t.includes('colleague@contoso.example'))).toBeDefined();
    expect(shown.find((t) => /^Set: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/.test(t))).toBeDefined();
    expect(shown).toContain('Its comment: watching this one');
    const lookups = rig.defender.requests.filter((r) => r.method === 'GET');
    expect(lookups.length).toBeGreaterThan(0);
    expect(lookups.every((r) => r.claims?.oid === RILEY.aadObjectId)).toBe(true);
    expect(defenderPosts()).toEqual([]);
  });
});

describe('approval cards without APPROVAL_CHANNEL', () => {
  let rig: Rig;
  const TTL_SECONDS = 4;
  const defenderPosts = () => rig.defender.requestsTo('POST', /^\/api\/indicators$/);

  beforeAll(async () => {
    rig = await startRig({ defenderApi: 'indicators', env: { APPROVAL_TTL_SECONDS: String(TTL_SECONDS), SWEEP_SECONDS: '3600', ROLE_CACHE_SECONDS: '0' } });
    await rig.signIn(GALE, [DirectoryRole.GlobalAdministrator]);
    await rig.signIn(BEN, [DirectoryRole.SecurityAdministrator]);
    await rig.signIn(RILEY, [DirectoryRole.SecurityReader]);
  });
  afterAll(() => rig.stop());
  beforeEach(() => {
    rig.connector.clear();
    rig.defender.reset();
  });

  it('refuses a request from a 1:1 chat, saying why, and posts no card anywhere', async () => {
    const asked = await ask(rig, RILEY, hashOf('a'), 'from my own chat');
    const told = replyTexts(await answerTo(rig, asked));
    expect(told[0]).toBe('No approval was requested');
    expect(told.join(' ')).toContain('This bot has no approval channel, and a 1:1 chat has no approvers');
    expect(told.join(' ')).toContain('APPROVAL_CHANNEL');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(postedCards(rig)).toEqual([]);
    expect(rig.connector.requests.filter((r) => r.path === '/v3/conversations')).toEqual([]);
    expect(rig.defender.requests).toEqual([]);
  });

  it('posts the card in the group chat that asked and updates it there', async () => {
    const asked = await ask(rig, RILEY, hashOf('b'), 'from the group', 'groupChat');
    const card = await rig.connector.waitFor((r) => r.method === 'POST' && isApprovalCard(r));
    expect(card.conversationId).toBe(GROUP_CHAT);
    expect(replyTexts(await answerTo(rig, asked))[0]).toBe('Approval requested: NOT blocked yet');
    const answer = await press(rig, card, cardOf(card), 'Reject', GALE, 'groupChat');
    expect(cardTexts((answer.body as { value: unknown }).value)[0]).toBe('Rejected: NOT blocked');
    const update = await rig.connector.waitFor((r) => r.method === 'PUT');
    expect(update).toMatchObject({ conversationId: GROUP_CHAT, activityId: idOf(card), status: 200 });
    expect(decisionsOn(cardOf(update))).toEqual(['Gale Global rejected: NOT blocked']);
  });

  it('refuses a Retry after the request expired: nothing is sent to Defender, and the card shows every decision', async () => {
    const asked = await ask(rig, RILEY, hashOf('c'), 'retry too late', 'groupChat');
    const card = await rig.connector.waitFor((r) => r.method === 'POST' && isApprovalCard(r));
    rig.defender.failNext(Infinity, { status: 403, code: 'Forbidden', message: 'Missing Ti.ReadWrite', matcher: (method) => method === 'POST' });
    const failed = await press(rig, card, cardOf(card), 'Approve and block', GALE, 'groupChat');
    const failedCard = (failed.body as { value: Record<string, unknown> }).value;
    expect(cardTexts(failedCard)[0]).toBe('Approved, but the block FAILED: NOT blocked');
    expect(buttons(failedCard)['Retry the block']).toBeDefined();
    expect(decisionsOn(failedCard)).toEqual(['Gale Global approved: block FAILED']);
    const attempts = defenderPosts().length;

    await new Promise((resolve) => setTimeout(resolve, TTL_SECONDS * 1000 + 300));
    rig.defender.reset();
    rig.connector.clear();
    const retried = await press(rig, card, failedCard, 'Retry the block', BEN, 'groupChat');
    expect(retried.body).toMatchObject({
      type: 'application/vnd.microsoft.activity.message',
      value: expect.stringContaining('its failed block can no longer be retried. Nothing was blocked'),
    });
    expect(attempts).toBeGreaterThan(0);
    expect(defenderPosts()).toEqual([]);

    const update = await rig.connector.waitFor((r) => r.method === 'PUT' && r.activityId === idOf(card));
    expect(cardTexts(cardOf(update))[0]).toBe('Expired: NOT blocked');
    expect(buttons(cardOf(update))).toEqual({});
    expect(decisionsOn(cardOf(update))).toEqual(['Gale Global approved: block FAILED', 'Expired: NOT blocked']);
    const told = await rig.connector.waitFor((r) => r.conversationId === conversationOf(asked) && replyTexts(r)[0] === 'Your block request expired');
    expect(replyTexts(told).join(' ')).toContain('failed and was not retried before the request expired');

    const again = await press(rig, card, failedCard, 'Retry the block', BEN, 'groupChat');
    expect(again.body).toMatchObject({ value: expect.stringContaining('already expired') });
    expect(defenderPosts()).toEqual([]);
  });
});
