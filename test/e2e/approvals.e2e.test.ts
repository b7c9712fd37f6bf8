import type { ConnectorRequest } from '../fakes/fake-connector';
import { DirectoryRole } from '../../src/domain/roles';
import { ANA, GALE, RILEY, executeActivity, messageActivity, submitActivity, type TeamsUser } from '../fixtures/activities';
import { cardTexts } from '../fixtures/card-texts';
import { buttons, cardOf, messageId } from '../fixtures/cards';
import { replyTexts, startRig, type Rig } from './rig';
import { sentFromTeams } from './sent-from-teams';

const SOC_CHANNEL = '19:soc-channel@thread.tacv2';
const SHA1 = '7327b54fd718525cbca07dacde913b5ac3c85673';
const BEN: TeamsUser = { id: '29:1ben', name: 'Ben Blocker', aadObjectId: 'a0a0a0a0-0000-4000-8000-00000000000b' };

/** The approval card's message: the root of the thread the bot created in the SOC channel. */
const cardId = (card: ConnectorRequest): string => {
  if (!card.activityId) throw new Error('the approval card has no message id');
  return card.activityId;
};
const updateOf = (rig: Rig, card: ConnectorRequest, timeoutMs?: number) => rig.connector.waitFor((r) => r.method === 'PUT' && r.activityId === cardId(card), timeoutMs);

/** Riley (no blocking role) asks for a block from a 1:1 chat; returns the approval card posted in the channel. */
async function rileyRequests(rig: Rig, hash = SHA1, comment = 'seen in a phishing mail'): Promise<{ card: ConnectorRequest; ask: Record<string, unknown> }> {
  rig.connector.clear();
  const ask = messageActivity(rig.connector.serviceUrl, `request block ${hash} ${comment}`, { user: RILEY });
  await rig.send(ask);
  const card = await rig.connector.waitForChannelPost(SOC_CHANNEL);
  return { card, ask };
}

function press(rig: Rig, card: ConnectorRequest, title: string, user: TeamsUser, extra: Record<string, unknown> = {}) {
  const button = buttons(cardOf(card))[title];
  if (!button) throw new Error(`no "${title}" button on the card`);
  return rig.send(executeActivity(rig.connector.serviceUrl, cardId(card), button.verb!, { ...button.data, ...extra }, { user, kind: 'channel' }));
}

describe('approval cards with four eyes', () => {
  let rig: Rig;
  const posts = () => rig.defender.requestsTo('POST', /^\/api\/indicators$/);

  beforeAll(async () => {
    rig = await startRig({ defenderApi: 'indicators', env: { APPROVAL_CHANNEL: SOC_CHANNEL, ROLE_CACHE_SECONDS: '0' } });
    await rig.signIn(ANA, [DirectoryRole.SecurityAdministrator]);
    await rig.signIn(GALE, [DirectoryRole.GlobalAdministrator]);
    await rig.signIn(RILEY, [DirectoryRole.SecurityReader]);
    await rig.signIn(BEN, [DirectoryRole.SecurityAdministrator]);
  });
  afterAll(() => rig.stop());
  beforeEach(() => {
    rig.defender.reset();
    rig.graph.setRoles(GALE.aadObjectId, [DirectoryRole.GlobalAdministrator]);
  });

  it('a request lands in the SOC channel; another admin approves; the block runs as the approver; everyone sees it; the requester is told', async () => {
    const { card, ask } = await rileyRequests(rig);
    const pending = replyTexts(await rig.reply(ask));
    expect(pending[0]).toBe('Approval requested: NOT blocked yet');
    expect(pending.join(' ')).toContain('in the SOC channel');
    const shown = cardTexts(cardOf(card));
    expect(shown).toEqual(expect.arrayContaining(['Block requested: waiting for approval', SHA1, 'Requested by: Riley Reader', 'seen in a phishing mail']));
    expect(posts()).toHaveLength(0);

    rig.connector.clear();
    const answer = await press(rig, card, 'Approve and block', GALE);
    expect(answer.status).toBe(200);
    const replaced = answer.body as { type: string; value: unknown };
    expect(replaced.type).toBe('application/vnd.microsoft.card.adaptive');
    expect(cardTexts(replaced.value)).toEqual(expect.arrayContaining(['Approved and blocked', 'Decided by: Gale Global', 'Defender status: Blocked']));

    expect(posts()).toHaveLength(1);
    expect(posts()[0].claims).toMatchObject({ oid: GALE.aadObjectId });
    expect(posts()[0].body).toMatchObject({ indicatorValue: SHA1, description: sentFromTeams('seen in a phishing mail', RILEY.name, GALE.name) });

    const update = await updateOf(rig, card);
    expect(cardTexts(cardOf(update))[0]).toBe('Approved and blocked');
    expect(buttons(cardOf(update))).toEqual({});
    const told = await rig.connector.waitFor((r) => r.conversationId === (ask.conversation as { id: string }).id && replyTexts(r)[0] === 'Your block request was approved');
    expect(replyTexts(told).join(' ')).toContain('Gale Global approved it');

    const late = await press(rig, card, 'Approve and block', BEN);
    expect(late.body).toMatchObject({ type: 'application/vnd.microsoft.activity.message', value: expect.stringContaining('Gale Global already decided this request (approved)') });
    expect(posts()).toHaveLength(1);
  });

  it('the requester can never approve their own request (four eyes)', async () => {
    rig.connector.clear();
    const ask = messageActivity(rig.connector.serviceUrl, `request block ${SHA1} I want a second opinion`, { user: ANA });
    await rig.send(ask);
    const card = await rig.connector.waitForChannelPost(SOC_CHANNEL);
    const answer = await press(rig, card, 'Approve and block', ANA);
    expect(answer.body).toMatchObject({ value: expect.stringContaining('someone else must approve it (four eyes)') });
    expect(posts()).toHaveLength(0);
  });

  it('an approver who lost the role is refused, and the request stays open', async () => {
    const { card } = await rileyRequests(rig, '1'.repeat(40));
    rig.graph.setRoles(GALE.aadObjectId, []);
    const answer = await press(rig, card, 'Approve and block', GALE);
    expect(answer.body).toMatchObject({ value: expect.stringContaining('you need a directory role') });
    expect(posts()).toHaveLength(0);
    rig.graph.setRoles(GALE.aadObjectId, [DirectoryRole.GlobalAdministrator]);
    const now = await press(rig, card, 'Approve and block', GALE);
    expect(cardTexts((now.body as { value: unknown }).value)[0]).toBe('Approved and blocked');
  });

  it('a rejection carries its reason to the card and the requester; nothing is blocked', async () => {
    const { card, ask } = await rileyRequests(rig, '2'.repeat(40));
    const answer = await press(rig, card, 'Reject', GALE, { reason: 'Signed admin tool, see ticket 881' });
    const texts = cardTexts((answer.body as { value: unknown }).value);
    expect(texts).toEqual(expect.arrayContaining(['Rejected: NOT blocked', 'Signed admin tool, see ticket 881', 'Decided by: Gale Global']));
    const told = await rig.connector.waitFor((r) => r.conversationId === (ask.conversation as { id: string }).id && replyTexts(r)[0] === 'Your block request was rejected');
    expect(replyTexts(told)).toContain('Reason: Signed admin tool, see ticket 881');
    expect(posts()).toHaveLength(0);
  });

  it('the requester may cancel while pending from the notice they got (through the Action.Submit fallback); an approval after that changes nothing', async () => {
    const { card, ask } = await rileyRequests(rig, '3'.repeat(40));
    expect(buttons(cardOf(card))['Cancel my request']).toBeUndefined();
    const notice = await rig.connector.waitFor((r) => r.conversationId === (ask.conversation as { id: string }).id && replyTexts(r)[0] === 'Approval requested: NOT blocked yet');
    const cancel = buttons(cardOf(notice))['Cancel my request'];
    rig.connector.clear();
    await rig.send(submitActivity(rig.connector.serviceUrl, messageId(notice), cancel.fallback!.data, { user: RILEY }));
    const update = await updateOf(rig, card);
    expect(cardTexts(cardOf(update))[0]).toBe('Cancelled by the requester: NOT blocked');
    const answer = await press(rig, card, 'Approve and block', GALE);
    expect(answer.body).toMatchObject({ value: expect.stringContaining('already decided this request (cancelled)') });
    expect(posts()).toHaveLength(0);
  });

  it('a tampered card (another request id, or another hash) is refused with no Defender call', async () => {
    const { card } = await rileyRequests(rig, '4'.repeat(40));
    const otherId = await press(rig, card, 'Approve and block', GALE, { approvalId: '00000000-0000-4000-8000-000000000000' });
    expect(otherId.body).toMatchObject({ value: expect.stringContaining('unknown to the bot') });
    const otherHash = await press(rig, card, 'Approve and block', GALE, { hash: '5'.repeat(40) });
    expect(otherHash.body).toMatchObject({ value: expect.stringContaining('does not match the stored request') });
    expect(rig.defender.requests.filter((r) => r.method !== 'GET')).toHaveLength(0);
  });

  it('a failed block stays visible as failed with a Retry button for approvers', async () => {
    const { card } = await rileyRequests(rig, '6'.repeat(40));
    rig.defender.failNext(Infinity, { status: 503, code: 'ServiceUnavailable', message: 'boom', matcher: (method) => method === 'POST' });
    const failed = await press(rig, card, 'Approve and block', GALE);
    const failedCard = (failed.body as { value: Record<string, unknown> }).value;
    expect(cardTexts(failedCard)[0]).toBe('Approved, but the block FAILED: NOT blocked');
    expect(cardTexts(failedCard).find((t) => t.startsWith('Correlation id: '))).toBeDefined();
    rig.defender.reset();
    const retry = buttons(failedCard)['Retry the block'];
    const retried = await rig.send(executeActivity(rig.connector.serviceUrl, cardId(card), retry.verb!, retry.data!, { user: BEN, kind: 'channel' }));
    expect(cardTexts((retried.body as { value: unknown }).value)[0]).toBe('Approved and blocked');
    expect(posts()).toHaveLength(1);
    expect(posts()[0].claims).toMatchObject({ oid: BEN.aadObjectId });
  });

  it('a pending request survives a restart of the bot', async () => {
    const { card } = await rileyRequests(rig, '7'.repeat(40));
    await rig.restart();
    const answer = await press(rig, card, 'Approve and block', GALE);
    expect(cardTexts((answer.body as { value: unknown }).value)[0]).toBe('Approved and blocked');
  });

  it('a Security Reader denied a block gets a "Request approval" button that files the request', async () => {
    rig.connector.clear();
    const block = messageActivity(rig.connector.serviceUrl, `block ${'8'.repeat(40)} please`, { user: RILEY });
    await rig.send(block);
    const denial = await rig.reply(block);
    const request = buttons(cardOf(denial))['Request approval'];
    expect(request).toMatchObject({ type: 'Action.Execute', fallback: { type: 'Action.Submit' } });
    const answer = await rig.send(executeActivity(rig.connector.serviceUrl, messageId(denial), request.verb!, request.data!, { user: RILEY }));
    expect(cardTexts((answer.body as { value: unknown }).value)[0]).toBe('Approval requested: NOT blocked yet');
    const card = await rig.connector.waitForChannelPost(SOC_CHANNEL);
    expect(cardTexts(cardOf(card))).toContain('8'.repeat(40));
  });
});

describe('approval cards personalise through Universal Actions refresh', () => {
  let rig: Rig;
  const NICO: TeamsUser = { id: '29:1nico', name: 'Nico Noroles', aadObjectId: 'a0a0a0a0-0000-4000-8000-000000000004' };
  beforeAll(async () => {
    rig = await startRig({ defenderApi: 'indicators', env: { APPROVAL_CHANNEL: SOC_CHANNEL } });
    await rig.signIn(ANA, [DirectoryRole.SecurityAdministrator]);
    await rig.signIn(GALE, [DirectoryRole.GlobalAdministrator]);
    await rig.signIn(RILEY, [DirectoryRole.SecurityReader]);
    await rig.signIn(NICO, []);
  });
  afterAll(() => rig.stop());

  it('approvers get Approve/Reject, the requester only Cancel, others the status alone', async () => {
    const first = await rileyRequests(rig, 'a'.repeat(40));
    await press(rig, first.card, 'Reject', GALE, { reason: 'teach the bot who approves' });
    const { card } = await rileyRequests(rig, 'b'.repeat(40));
    const refresh = cardOf(card).refresh as { action: { verb: string; data: Record<string, unknown> }; userIds: string[] };
    expect(refresh.userIds).toEqual(expect.arrayContaining([RILEY.id, GALE.id]));
    const view = async (user: TeamsUser) => {
      const answer = await rig.send(executeActivity(rig.connector.serviceUrl, cardId(card), refresh.action.verb, refresh.action.data, { user, kind: 'channel' }));
      return Object.keys(buttons((answer.body as { value: Record<string, unknown> }).value));
    };
    expect(await view(GALE)).toEqual(['Approve and block', 'Reject']);
    expect(await view(RILEY)).toEqual(['Cancel my request']);
    expect(await view(NICO)).toEqual([]);
    expect(rig.defender.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
  });
});

describe('approval expiry', () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig({ defenderApi: 'indicators', env: { APPROVAL_CHANNEL: SOC_CHANNEL, APPROVAL_TTL_SECONDS: '1', SWEEP_SECONDS: '1' } });
    await rig.signIn(ANA, [DirectoryRole.SecurityAdministrator]);
    await rig.signIn(RILEY, [DirectoryRole.SecurityReader]);
  });
  afterAll(() => rig.stop());

  it('an unanswered request expires: the card says so and the requester is told', async () => {
    const { card, ask } = await rileyRequests(rig);
    const update = await updateOf(rig, card, 8000);
    expect(cardTexts(cardOf(update))[0]).toBe('Expired: NOT blocked');
    await rig.connector.waitFor((r) => r.conversationId === (ask.conversation as { id: string }).id && replyTexts(r)[0] === 'Your block request expired', 5000);
    const answer = await press(rig, card, 'Approve and block', ANA);
    expect(answer.body).toMatchObject({ value: expect.stringContaining('already expired') });
    expect(rig.defender.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
  });
});

describe('APPROVAL_POLICY=always', () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig({ defenderApi: 'indicators', env: { APPROVAL_CHANNEL: SOC_CHANNEL, APPROVAL_POLICY: 'always' } });
    await rig.signIn(ANA, [DirectoryRole.SecurityAdministrator]);
  });
  afterAll(() => rig.stop());

  it("turns even an administrator's block into a request for a second person", async () => {
    rig.connector.clear();
    const block = messageActivity(rig.connector.serviceUrl, `block ${SHA1} needs two people here`, { user: ANA });
    await rig.send(block);
    expect(replyTexts(await rig.reply(block))[0]).toBe('Approval requested: NOT blocked yet');
    const card = await rig.connector.waitForChannelPost(SOC_CHANNEL);
    expect(cardTexts(cardOf(card))).toEqual(expect.arrayContaining(['Block requested: waiting for approval', 'Requested by: Ana Analyst']));
    expect(rig.defender.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
  });
});
