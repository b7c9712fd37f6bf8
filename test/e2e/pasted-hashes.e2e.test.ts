import { createHash } from 'node:crypto';
import { DirectoryRole } from '../../src/domain/roles';
import { ANA, executeActivity, messageActivity } from '../fixtures/activities';
import { cardTexts } from '../fixtures/card-texts';
import { buttons, cardOf, messageId } from '../fixtures/cards';
import { replyTexts, startRig, type Rig } from './rig';
import { sentFromTeams, signedIn } from './sent-from-teams';

const sha256s = (count: number, seed: string) => Array.from({ length: count }, (_, i) => createHash('sha256').update(`${seed}-${i}`).digest('hex'));

interface Input {
  type?: string;
  id?: string;
  isRequired?: boolean;
  body?: Input[];
  items?: Input[];
}
const inputsOf = (card: Input): Input[] => [...(card.body ?? []), ...(card.items ?? [])].flatMap((c) => [...(c.type?.startsWith('Input.') ? [c] : []), ...inputsOf(c)]);

describe('hashes pasted with no command word (Indicators API)', () => {
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

  const imports = () => rig.defender.requestsTo('POST', /\/indicators\/import$/);
  const press = (card: { id: string; content: Record<string, unknown> }, title: string, inputs: Record<string, string> = {}, kind: 'personal' | 'channel' = 'personal') => {
    const button = buttons(card.content)[title];
    if (!button?.verb) throw new Error(`no "${title}" button`);
    return rig.send(executeActivity(rig.connector.serviceUrl, card.id, button.verb, { ...button.data, ...inputs }, { kind }));
  };

  it('1,200 "sha256,comment" lines get the review card; its button imports every hash exactly once, in batches of at most 500', async () => {
    const list = sha256s(1200, 'paste');
    const activity = messageActivity(rig.connector.serviceUrl, list.map((h, i) => `${h},campaign 42 row ${i + 1}`).join('\n'));
    expect((await rig.send(activity)).status).toBe(200);
    const review = await rig.reply(activity);
    const content = cardOf(review);
    expect(cardTexts(content)).toEqual(expect.arrayContaining(['1,200 file hashes found', 'Nothing has been sent to Defender yet.', `SHA-256 ${list[0]}`, '…and 1,188 more.']));
    expect(inputsOf(content)).toEqual([]);
    expect(Object.keys(buttons(content))).toEqual(['Block 1,200 files', 'Cancel']);
    expect(rig.defender.requests).toEqual([]);

    const pressed = await press({ id: messageId(review), content }, 'Block 1,200 files');
    expect(pressed.status).toBe(200);
    await rig.connector.waitFor((r) => r.method === 'PUT' && r.activityId === messageId(review) && cardTexts(cardOf(r))[0] === 'Bulk block done: 1,200 files blocked', 30_000);
    const sent = imports().flatMap((r) => (r.body as { Indicators: { indicatorValue: string; description: string }[] }).Indicators);
    expect(imports().map((r) => (r.body as { Indicators: unknown[] }).Indicators.length)).toEqual([500, 500, 200]);
    expect(sent.map((i) => i.indicatorValue).sort()).toEqual([...list].sort());
    expect(sent.find((i) => i.indicatorValue === list[41])?.description).toBe(sentFromTeams('campaign 42 row 42', signedIn(ANA)));
    expect(imports().every((r) => r.claims?.oid === ANA.aadObjectId)).toBe(true);

    // A second press of the same card finds the review taken: nothing is imported twice.
    const again = await press({ id: messageId(review), content }, 'Block 1,200 files');
    expect(cardTexts((again.body as { value: unknown }).value)[0]).not.toMatch(/Bulk block/);
    expect(imports()).toHaveLength(3);
  });

  it('a copied alert with no comments: the card asks for one, and the press blocks with it', async () => {
    const [a, b] = sha256s(2, 'alert');
    const activity = messageActivity(rig.connector.serviceUrl, `Alert 4711: Suspicious process on ws-042\nFile: ${a}\nParent: ${b}\nSee hxxps://portal[.]example/alerts/4711`, {
      kind: 'channel',
    });
    expect((await rig.send(activity)).status).toBe(200);
    const review = await rig.reply(activity);
    const content = cardOf(review);
    expect(cardTexts(content)).toEqual(expect.arrayContaining(['2 file hashes found', `SHA-256 ${a}`, `SHA-256 ${b}`]));
    expect(inputsOf(content)).toEqual([expect.objectContaining({ type: 'Input.Text', id: 'comment', isRequired: true })]);
    expect(rig.defender.requests).toEqual([]);

    await press({ id: messageId(review), content }, 'Block 2 files', { comment: 'Alert 4711' }, 'channel');
    await rig.connector.waitFor((r) => r.method === 'PUT' && r.activityId === messageId(review) && cardTexts(cardOf(r))[0] === 'Bulk block done: 2 files blocked', 15_000);
    const sent = imports().flatMap((r) => (r.body as { Indicators: { indicatorValue: string; description: string }[] }).Indicators);
    expect(sent.map((i) => [i.indicatorValue, i.description])).toEqual([
      [a, sentFromTeams('Alert 4711', signedIn(ANA))],
      [b, sentFromTeams('Alert 4711', signedIn(ANA))],
    ]);
  });

  it('a press without the comment the card asked for blocks nothing', async () => {
    const [a] = sha256s(1, 'no-comment');
    const activity = messageActivity(rig.connector.serviceUrl, a);
    await rig.send(activity);
    const review = await rig.reply(activity);
    const pressed = await press({ id: messageId(review), content: cardOf(review) }, 'Block 1 file', { comment: '  ' });
    expect(cardTexts((pressed.body as { value: unknown }).value)).toEqual(expect.arrayContaining(['Nothing was blocked']));
    expect(rig.defender.requests).toEqual([]);
  });

  it('a message with no hash and no command word still gets the help answer', async () => {
    const activity = messageActivity(rig.connector.serviceUrl, 'what can you do for me?');
    await rig.send(activity);
    expect(replyTexts(await rig.reply(activity))[0]).toMatch(/understand/i);
    expect(rig.defender.requests).toEqual([]);
  });
});
