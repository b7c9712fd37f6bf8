import { DirectoryRole } from '../../src/domain/roles';
import { ANA, executeActivity, messageActivity } from '../fixtures/activities';
import { cardTexts } from '../fixtures/card-texts';
import { buttons, cardOf, messageId } from '../fixtures/cards';
import { INDICATORS_AUDIENCE, replyTexts, startRig, type Rig } from './rig';
import { sentFromTeams, signedIn } from './sent-from-teams';

const SHA1 = '7327b54fd718525cbca07dacde913b5ac3c85673';
const COLLEAGUE = { upn: 'colleague@contoso.example', name: 'Cole League', scp: 'Ti.ReadWrite' };

/** What an Action.Execute answer shows: the replacing card's texts. */
function invokeTexts(body: unknown): string[] {
  const answer = body as { type: string; value: unknown };
  expect(answer.type).toBe('application/vnd.microsoft.card.adaptive');
  return cardTexts(answer.value);
}

describe('Undo, unblock and allow on the Indicators API lift and allow only what they should', () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig({ defenderApi: 'indicators' });
    await rig.signIn(ANA, [DirectoryRole.SecurityAdministrator]);
  });
  afterAll(() => rig.stop());
  beforeEach(() => {
    rig.connector.clear();
    rig.defender.reset();
  });

  const deletes = () => rig.defender.requestsTo('DELETE', /^\/api\/indicators\//);
  const posts = () => rig.defender.requestsTo('POST', /^\/api\/indicators$/);

  async function blockWithUndo(comment: string) {
    const block = messageActivity(rig.connector.serviceUrl, `block ${SHA1} ${comment}`);
    await rig.send(block);
    const result = await rig.reply(block);
    expect(replyTexts(result)[0]).toBe('File blocked');
    const [indicator] = rig.defender.indicators();
    return { result, undo: buttons(cardOf(result)).Undo, indicatorId: indicator.id };
  }

  it("Undo deletes exactly the indicator its block created, by id, with the analyst's own token", async () => {
    const { result, undo, indicatorId } = await blockWithUndo('oops, wrong file');
    expect(replyTexts(result)).toContain(`Indicator id: ${indicatorId}`);

    const pressed = await rig.send(executeActivity(rig.connector.serviceUrl, messageId(result), undo.verb!, undo.data!));

    expect(invokeTexts(pressed.body)[0]).toBe('Block lifted');
    expect(deletes().map((r) => r.path)).toEqual([`/api/indicators/${indicatorId}`]);
    expect(deletes()[0].claims).toMatchObject({ aud: INDICATORS_AUDIENCE, oid: ANA.aadObjectId });
    expect(rig.defender.indicators()).toEqual([]);
  });

  it('a stale Undo (its block lifted by unblock, a colleague has since set an Audit) answers "already lifted" and deletes nothing', async () => {
    const { result, undo, indicatorId } = await blockWithUndo('dropper');
    rig.connector.clear();
    const unblock = messageActivity(rig.connector.serviceUrl, `unblock ${SHA1} false positive`);
    await rig.send(unblock);
    expect(replyTexts(await rig.reply(unblock))[0]).toBe('Block lifted');
    const audit = rig.defender.seedIndicator(
      { indicatorValue: SHA1, indicatorType: 'FileSha1', action: 'Audit', generateAlert: true, title: 'Hunting watch', description: 'keep watching' },
      COLLEAGUE,
    );
    expect(audit.id).not.toBe(indicatorId);
    rig.defender.clear();

    const pressed = await rig.send(executeActivity(rig.connector.serviceUrl, messageId(result), undo.verb!, undo.data!));

    const texts = invokeTexts(pressed.body);
    expect(texts[0]).toBe('Already lifted, nothing changed');
    expect(texts.join(' ')).toContain('Undo changed nothing in Defender');
    expect(deletes()).toEqual([]);
    expect(rig.defender.requests.every((r) => r.method === 'GET')).toBe(true);
    expect(rig.defender.indicators()).toEqual([expect.objectContaining({ id: audit.id, action: 'Audit', createdBy: COLLEAGUE.upn })]);
  });

  it("unblock lists a colleague's indicator and asks before deleting it; confirming deletes it as the analyst", async () => {
    const theirs = rig.defender.seedIndicator(
      { indicatorValue: SHA1, indicatorType: 'FileSha1', action: 'Block', title: 'Blocked from the portal', description: 'IR ticket 881' },
      COLLEAGUE,
    );
    const unblock = messageActivity(rig.connector.serviceUrl, `unblock ${SHA1} cleared by IR`);
    await rig.send(unblock);
    const prompt = await rig.reply(unblock);
    const texts = replyTexts(prompt);
    expect(texts[0]).toBe('Check before unblocking');
    expect(texts).toEqual(
      expect.arrayContaining(['Block by Cole League (colleague@contoso.example) (not created by this bot)', 'IR ticket 881', expect.stringContaining(`indicator ${theirs.id}`)]),
    );
    expect(texts.join(' ')).toContain('"Blocked from the portal"');
    expect(deletes()).toEqual([]);
    expect(rig.defender.requestsTo('GET', /^\/api\/indicators$/)[0].query.$filter).toBe(`indicatorValue eq '${SHA1}'`);

    const confirm = buttons(cardOf(prompt))['Delete it'];
    expect(confirm).toMatchObject({ type: 'Action.Execute', fallback: { type: 'Action.Submit' } });
    const answer = await rig.send(executeActivity(rig.connector.serviceUrl, messageId(prompt), confirm.verb!, confirm.data!));
    expect(invokeTexts(answer.body)[0]).toBe('Block lifted');
    expect(deletes().map((r) => r.path)).toEqual([`/api/indicators/${theirs.id}`]);
    expect(deletes()[0].claims).toMatchObject({ oid: ANA.aadObjectId });

    const again = await rig.send(executeActivity(rig.connector.serviceUrl, messageId(prompt), confirm.verb!, confirm.data!));
    expect(invokeTexts(again.body)[0]).toBe('This request is no longer open');
    expect(deletes()).toHaveLength(1);
  });

  it("cancelling the unblock confirmation leaves the colleague's indicator in place", async () => {
    rig.defender.seedIndicator({ indicatorValue: SHA1, indicatorType: 'FileSha1', action: 'Warn', title: 'Warn users', description: 'risky tool' }, COLLEAGUE);
    const unblock = messageActivity(rig.connector.serviceUrl, `unblock ${SHA1} not needed`);
    await rig.send(unblock);
    const prompt = await rig.reply(unblock);
    const cancel = buttons(cardOf(prompt)).Cancel;
    const answer = await rig.send(executeActivity(rig.connector.serviceUrl, messageId(prompt), cancel.verb!, cancel.data!));
    expect(invokeTexts(answer.body)[0]).toBe('Cancelled');
    expect(deletes()).toEqual([]);
    expect(rig.defender.indicators()).toHaveLength(1);
  });

  it('block … action:allow is refused with a pointer to allow, and nothing reaches Defender', async () => {
    const block = messageActivity(rig.connector.serviceUrl, `block ${SHA1} action:allow vendor tool`);
    await rig.send(block);
    const texts = replyTexts(await rig.reply(block));
    expect(texts[0]).toBe('Allowing is not blocking');
    expect(texts.join(' ')).toContain(`allow ${SHA1} ‹comment›`);
    expect(rig.defender.requests).toEqual([]);
  });

  it('allow asks for confirmation, saying what an Allowed indicator does, and only then creates it', async () => {
    const allow = messageActivity(rig.connector.serviceUrl, `allow ${SHA1} signed vendor updater`);
    await rig.send(allow);
    const prompt = await rig.reply(allow);
    const texts = replyTexts(prompt);
    expect(texts[0]).toBe('Check before allowing');
    expect(texts.join(' ')).toContain('An Allowed indicator stops Defender from blocking or alerting on this file');
    expect(posts()).toEqual([]);

    const confirm = buttons(cardOf(prompt))['Allow this file'];
    const answer = await rig.send(executeActivity(rig.connector.serviceUrl, messageId(prompt), confirm.verb!, confirm.data!));
    const result = invokeTexts(answer.body);
    expect(result[0]).toBe('File allowed');
    expect(result).toContain('Action: Allowed');
    expect(posts()).toHaveLength(1);
    expect(posts()[0].body).toMatchObject({
      indicatorValue: SHA1,
      action: 'Allowed',
      application: 'Defender Block Bot',
      description: sentFromTeams('signed vendor updater', signedIn(ANA)),
    });
    expect(posts()[0].claims).toMatchObject({ aud: INDICATORS_AUDIENCE, oid: ANA.aadObjectId });
    expect(rig.defender.indicators()).toEqual([expect.objectContaining({ action: 'Allowed' })]);
  });
});

describe('Undo on the legacy files API lifts only the FileAction its block created', () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig({ defenderApi: 'files' });
    await rig.signIn(ANA, [DirectoryRole.SecurityAdministrator]);
  });
  afterAll(() => rig.stop());

  const unblocks = () => rig.defender.requestsTo('POST', /\/files\/[^/]+\/unblock$/);

  async function say(text: string) {
    rig.connector.clear();
    const activity = messageActivity(rig.connector.serviceUrl, text);
    await rig.send(activity);
    return rig.reply(activity);
  }

  it('a stale Undo (the file was unblocked and blocked again since) sends no unblock; the new block’s own Undo does', async () => {
    const first = await say(`block ${SHA1} first reason`);
    expect(replyTexts(first)[0]).toBe('File blocked');
    expect(replyTexts(await say(`unblock ${SHA1} lifted by hand`))[0]).toBe('Block lifted');
    const second = await say(`block ${SHA1} blocked again for another reason`);
    expect(replyTexts(second)[0]).toBe('File blocked');
    rig.defender.clear();

    const staleUndo = buttons(cardOf(first)).Undo;
    const stale = await rig.send(executeActivity(rig.connector.serviceUrl, messageId(first), staleUndo.verb!, staleUndo.data!));
    expect(invokeTexts(stale.body)[0]).toBe('Already lifted, nothing changed');
    expect(unblocks()).toEqual([]);
    expect(rig.defender.isBlocked(SHA1)).toBe(true);

    const ownUndo = buttons(cardOf(second)).Undo;
    const own = await rig.send(executeActivity(rig.connector.serviceUrl, messageId(second), ownUndo.verb!, ownUndo.data!));
    expect(invokeTexts(own.body)[0]).toBe('Block lifted');
    expect(unblocks().map((r) => r.path)).toEqual([`/testwdatppreview/files/${SHA1}/unblock`]);
    expect(unblocks()[0].claims).toMatchObject({ oid: ANA.aadObjectId });
    expect(rig.defender.isBlocked(SHA1)).toBe(false);
  });
});
