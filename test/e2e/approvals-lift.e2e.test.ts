import { startApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { DirectoryRole } from '../../src/domain/roles';
import type { ConnectorRequest } from '../fakes/fake-connector';
import { ANA, GALE, RILEY, executeActivity, messageActivity, type TeamsUser } from '../fixtures/activities';
import { cardTexts } from '../fixtures/card-texts';
import { buttons, cardOf, messageId } from '../fixtures/cards';
import { INDICATORS_AUDIENCE, replyTexts, startRig, type Rig } from './rig';
import { sentFromTeams } from './sent-from-teams';

const SOC_CHANNEL = '19:soc-approvals@thread.tacv2';
const COLLEAGUE = { upn: 'colleague@contoso.example', name: 'Cole League', scp: 'Ti.ReadWrite' };
const hashOf = (digit: string) => digit.repeat(40);

/** What an Action.Execute answer shows: the replacing card's texts, or the message. */
function answered(body: unknown): { card?: string[]; message?: string } {
  const answer = body as { type: string; value: unknown };
  return answer.type === 'application/vnd.microsoft.card.adaptive' ? { card: cardTexts(answer.value) } : { message: answer.value as string };
}

describe('under APPROVAL_POLICY=always, lifting and allowing need four eyes too', () => {
  let rig: Rig;
  const deletes = () => rig.defender.requestsTo('DELETE', /^\/api\/indicators\//);
  const posts = () => rig.defender.requestsTo('POST', /^\/api\/indicators$/);

  beforeAll(async () => {
    rig = await startRig({ defenderApi: 'indicators', env: { APPROVAL_POLICY: 'always', APPROVAL_CHANNEL: SOC_CHANNEL, ROLE_CACHE_SECONDS: '0' } });
    await rig.signIn(ANA, [DirectoryRole.SecurityAdministrator]);
    await rig.signIn(GALE, [DirectoryRole.GlobalAdministrator]);
  });
  afterAll(() => rig.stop());
  beforeEach(() => {
    rig.connector.clear();
    rig.defender.reset();
  });

  /** Says `text` in Ana's 1:1 chat and returns the bot's answer there. */
  async function say(text: string, user: TeamsUser = ANA): Promise<ConnectorRequest> {
    const activity = messageActivity(rig.connector.serviceUrl, text, { user });
    expect((await rig.send(activity)).status).toBe(200);
    return rig.reply(activity);
  }

  /** Presses a button of the approval card in the SOC channel thread. */
  function press(card: ConnectorRequest, content: Record<string, unknown>, title: string, user: TeamsUser) {
    const button = buttons(content)[title];
    if (!button) throw new Error(`no "${title}" button on the card; it has ${Object.keys(buttons(content)).join(', ')}`);
    return rig.send(executeActivity(rig.connector.serviceUrl, card.activityId!, button.verb!, button.data!, { user, kind: 'channel' }));
  }

  it('unblock by an admin posts an "Unblock requested" card showing what it lifts and sends nothing to Defender; the requester cannot approve it; a second admin\'s approval lifts it with their token', async () => {
    const theirs = rig.defender.seedIndicator(
      { indicatorValue: hashOf('1'), indicatorType: 'FileSha1', action: 'Block', title: 'Blocked from the portal', description: 'IR ticket 881' },
      COLLEAGUE,
    );
    rig.defender.clear();

    const told = replyTexts(await say(`unblock ${hashOf('1')} cleared by IR`));
    expect(told[0]).toBe('Approval requested: NOT unblocked yet');
    const card = await rig.connector.waitForChannelPost(SOC_CHANNEL);
    const shown = cardTexts(cardOf(card));
    expect(shown).toEqual(
      expect.arrayContaining(['Unblock requested: waiting for approval', hashOf('1'), 'Requested by: Ana Analyst', 'cleared by IR', 'An approved unblock lifts this indicator']),
    );
    expect(shown.find((t) => t.startsWith(`Indicator ${theirs.id}: Block by`) && t.includes('(not created by this bot)'))).toBeDefined();
    expect(Object.keys(buttons(cardOf(card)))).toEqual(['Approve and unblock', 'Reject']);
    expect(rig.defender.requests.every((r) => r.method === 'GET' && r.claims?.oid === ANA.aadObjectId)).toBe(true);

    const own = await press(card, cardOf(card), 'Approve and unblock', ANA);
    expect(answered(own.body).message).toContain('someone else must approve it (four eyes)');
    expect(deletes()).toEqual([]);

    const approved = await press(card, cardOf(card), 'Approve and unblock', GALE);
    expect(answered(approved.body).card?.[0]).toBe('Approved and unblocked');
    expect(deletes().map((r) => r.path)).toEqual([`/api/indicators/${theirs.id}`]);
    expect(deletes()[0].claims).toMatchObject({ aud: INDICATORS_AUDIENCE, oid: GALE.aadObjectId });
    expect(rig.defender.indicators()).toEqual([]);
    const notice = await rig.connector.waitFor((r) => r.method === 'POST' && replyTexts(r)[0] === 'Your unblock request was approved');
    expect(replyTexts(notice).join(' ')).toContain('Gale Global approved it');
  });

  it('allow becomes an "Allow requested" card, and the approved allow creates the Allowed indicator under the approver\'s token', async () => {
    const told = replyTexts(await say(`allow ${hashOf('2')} signed vendor updater`));
    expect(told[0]).toBe('Approval requested: NOT allowed yet');
    const card = await rig.connector.waitForChannelPost(SOC_CHANNEL);
    expect(cardTexts(cardOf(card))).toEqual(expect.arrayContaining(['Allow requested: waiting for approval', 'Action: Allowed', 'signed vendor updater']));
    expect(posts()).toEqual([]);

    const approved = await press(card, cardOf(card), 'Approve and allow', GALE);
    expect(answered(approved.body).card?.[0]).toBe('Approved and allowed');
    expect(posts()).toHaveLength(1);
    expect(posts()[0].body).toMatchObject({ indicatorValue: hashOf('2'), action: 'Allowed', description: sentFromTeams('signed vendor updater', ANA.name, GALE.name) });
    expect(posts()[0].claims).toMatchObject({ aud: INDICATORS_AUDIENCE, oid: GALE.aadObjectId });
    expect(rig.defender.indicators()).toEqual([expect.objectContaining({ action: 'Allowed', indicatorValue: hashOf('2') })]);
  });

  it("Undo of a block made before the policy was turned on becomes a request and, approved, deletes only that block's indicator, as the approver", async () => {
    // The same bot and data, before APPROVAL_POLICY=always: a block with an Undo button.
    const earlier = await startApp(loadConfig({ ...rig.env, APPROVAL_POLICY: 'off' }), createLogger('silent'));
    const block = messageActivity(rig.connector.serviceUrl, `block ${hashOf('3')} oops, wrong file`);
    let result: ConnectorRequest;
    try {
      await rig.channel.post(`${earlier.url}/api/messages`, block);
      result = await rig.reply(block);
    } finally {
      await earlier.stop();
    }
    expect(replyTexts(result)[0]).toBe('File blocked');
    const ours = rig.defender.indicators().find((i) => i.indicatorValue === hashOf('3'))!;
    const other = rig.defender.seedIndicator({ indicatorValue: hashOf('4'), indicatorType: 'FileSha1', action: 'Block', title: 'Another file', description: 'stays' }, COLLEAGUE);
    rig.defender.clear();
    rig.connector.clear();

    const undo = buttons(cardOf(result)).Undo;
    const pressed = await rig.send(executeActivity(rig.connector.serviceUrl, messageId(result), undo.verb!, undo.data!));
    expect(answered(pressed.body).message).toContain('Approval requested: NOT undone yet');
    const card = await rig.connector.waitForChannelPost(SOC_CHANNEL);
    expect(cardTexts(cardOf(card))).toEqual(
      expect.arrayContaining(['Undo of a block requested: waiting for approval', `Its indicator id: ${ours.id}`, 'Undoes the block by: Ana Analyst']),
    );
    expect(deletes()).toEqual([]);
    const again = await rig.send(executeActivity(rig.connector.serviceUrl, messageId(result), undo.verb!, undo.data!));
    expect(answered(again.body).message).toContain('This Undo already waits for approval');

    const own = await press(card, cardOf(card), 'Approve and undo', ANA);
    expect(answered(own.body).message).toContain('someone else must approve it');
    expect(deletes()).toEqual([]);

    const approved = await press(card, cardOf(card), 'Approve and undo', GALE);
    expect(answered(approved.body).card?.[0]).toBe('Approved and undone');
    expect(deletes().map((r) => r.path)).toEqual([`/api/indicators/${ours.id}`]);
    expect(deletes()[0].claims).toMatchObject({ oid: GALE.aadObjectId });
    expect(rig.defender.indicators()).toEqual([expect.objectContaining({ id: other.id })]);
  });
});

describe('under APPROVAL_POLICY=non-admins, a denied allow can be requested like a denied block', () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig({ defenderApi: 'indicators', env: { APPROVAL_CHANNEL: SOC_CHANNEL, ROLE_CACHE_SECONDS: '0' } });
    await rig.signIn(RILEY, [DirectoryRole.SecurityReader]);
    await rig.signIn(GALE, [DirectoryRole.GlobalAdministrator]);
  });
  afterAll(() => rig.stop());

  it('a Security Reader denied an allow gets "Request approval"; the request is an allow, and its approval creates the Allowed indicator as the approver', async () => {
    const allow = messageActivity(rig.connector.serviceUrl, `allow ${hashOf('5')} vendor tool`, { user: RILEY });
    await rig.send(allow);
    const denial = await rig.reply(allow);
    const request = buttons(cardOf(denial))['Request approval'];
    expect(request).toBeDefined();
    const asked = await rig.send(executeActivity(rig.connector.serviceUrl, messageId(denial), request.verb!, request.data!, { user: RILEY }));
    expect(answered(asked.body).card?.[0]).toBe('Approval requested: NOT allowed yet');
    const card = await rig.connector.waitForChannelPost(SOC_CHANNEL);
    expect(cardTexts(cardOf(card))).toEqual(expect.arrayContaining(['Allow requested: waiting for approval', 'Requested by: Riley Reader', 'Action: Allowed']));
    expect(rig.defender.requestsTo('POST', /^\/api\/indicators$/)).toEqual([]);

    const approve = buttons(cardOf(card))['Approve and allow'];
    const approved = await rig.send(executeActivity(rig.connector.serviceUrl, card.activityId!, approve.verb!, approve.data!, { user: GALE, kind: 'channel' }));
    expect(answered(approved.body).card?.[0]).toBe('Approved and allowed');
    const posts = rig.defender.requestsTo('POST', /^\/api\/indicators$/);
    expect(posts.map((p) => [(p.body as { action: string }).action, p.claims?.oid])).toEqual([['Allowed', GALE.aadObjectId]]);
  });
});
