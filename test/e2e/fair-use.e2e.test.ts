import { createHash } from 'node:crypto';
import { DirectoryRole } from '../../src/domain/roles';
import { ANA, executeActivity, messageActionActivity, messageActivity } from '../fixtures/activities';
import { cardTexts } from '../fixtures/card-texts';
import { buttons, cardOf, messageId } from '../fixtures/cards';
import type { ConnectorRequest } from '../fakes/fake-connector';
import { replyTexts, startRig, type Rig } from './rig';

/** The headline of the card a connector request carries, or '' (typing indicators carry none). */
function headline(request: ConnectorRequest): string {
  const body = request.body as { attachments?: unknown[] };
  return body.attachments?.length ? (cardTexts(cardOf(request))[0] ?? '') : '';
}

/** `count` distinct SHA-1s. */
function hashes(count: number, seed: string): string[] {
  return Array.from({ length: count }, (_, i) => createHash('sha1').update(`${seed}-${i}`).digest('hex'));
}

describe('fair use: one analyst over the command limit (Indicators API)', () => {
  let rig: Rig;

  beforeAll(async () => {
    rig = await startRig({ defenderApi: 'indicators', env: { RATE_COMMANDS_PER_MINUTE: '1', RATE_COMMAND_BURST: '2' } });
    await rig.signIn(ANA, [DirectoryRole.SecurityAdministrator]);
  });
  afterAll(() => rig.stop());

  it('answers "Slow down: nothing was done" to the command over the limit, and nothing reaches Defender for it', async () => {
    const [hash] = hashes(1, 'fair');
    for (const text of [`status ${hash}`, `status ${hash}`]) {
      const activity = messageActivity(rig.connector.serviceUrl, text);
      expect((await rig.send(activity)).status).toBe(200);
      expect(replyTexts(await rig.reply(activity))[0]).not.toMatch(/Slow down/);
    }
    rig.defender.clear();
    rig.connector.clear();

    const over = messageActivity(rig.connector.serviceUrl, `block ${hash} dropper from the phishing mail`);
    expect((await rig.send(over)).status).toBe(200);
    const texts = replyTexts(await rig.reply(over));

    expect(texts).toEqual(['Slow down: nothing was done', 'You sent more commands than this bot takes from one person in a minute.', 'Try again in 60 seconds.']);
    expect(rig.defender.requests).toEqual([]);
    expect(rig.defender.indicators().map((i) => i.indicatorValue)).not.toContain(hash);
  });
});

describe('fair use: card presses over the limit (Indicators API)', () => {
  let rig: Rig;

  beforeAll(async () => {
    rig = await startRig({ defenderApi: 'indicators', env: { RATE_CARD_PRESSES_PER_MINUTE: '1', RATE_CARD_PRESS_BURST: '1' } });
    await rig.signIn(ANA, [DirectoryRole.SecurityAdministrator]);
  });
  afterAll(() => rig.stop());

  it('answers the press over the limit with an Action.Execute message, and the confirmation it pressed sends nothing', async () => {
    const [hash] = hashes(1, 'press');
    rig.defender.seedIndicator({ indicatorValue: hash, indicatorType: 'FileSha1', action: 'Block', title: 'earlier', description: 'earlier block' });
    const ask = messageActivity(rig.connector.serviceUrl, `block ${hash} replace the earlier one`);
    await rig.send(ask);
    const confirm = await rig.reply(ask);
    expect(replyTexts(confirm)[0]).toBe('Check before blocking');
    const cancel = buttons(cardOf(confirm)).Cancel;
    const replace = buttons(cardOf(confirm))['Replace the existing block'];
    // The one press of the minute: a Cancel on another, long gone confirmation.
    expect((await rig.send(executeActivity(rig.connector.serviceUrl, 'old-card', cancel.verb!, { ...cancel.data, confirmId: 'long-gone' }))).status).toBe(200);
    rig.defender.clear();

    const over = await rig.send(executeActivity(rig.connector.serviceUrl, messageId(confirm), replace.verb!, replace.data!));

    expect(over).toEqual({
      status: 200,
      body: { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: expect.stringMatching(/^Slow down: nothing was done\. Try again in \d+ seconds?\.$/) },
    });
    expect(rig.defender.requests).toEqual([]);
    expect(rig.defender.indicators().map((i) => i.title)).toEqual(['earlier']);
  });
});

describe('bulk pre-checks (Indicators API)', () => {
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

  const lookups = () => rig.defender.requestsTo('GET', /\/indicators$/);
  const imports = () => rig.defender.requestsTo('POST', /\/indicators\/import$/);

  it('lists the hash that already has an indicator from one filtered GET, and leaves it out when the analyst says so', async () => {
    const [existing, fresh1, fresh2] = hashes(3, 'pre');
    rig.defender.seedIndicator({ indicatorValue: existing, indicatorType: 'FileSha1', action: 'AlertAndBlock', title: 'SOC block', description: 'from the portal' });
    const activity = messageActivity(rig.connector.serviceUrl, `block campaign 7\n${existing}\n${fresh1}\n${fresh2}`);
    await rig.send(activity);

    const review = await rig.connector.waitFor((r) => headline(r).startsWith('Check before blocking'), 15_000);
    const texts = cardTexts(cardOf(review));
    expect(texts[0]).toBe('Check before blocking: 1 of 3 hashes need a look');
    expect(texts).toEqual(expect.arrayContaining([existing, expect.stringMatching(/^already has an indicator \(AlertAndBlock by .+\); blocking replaces it$/)]));
    expect(texts).not.toContain(fresh1);
    expect(lookups().map((r) => r.query.$filter)).toEqual([`indicatorValue in ('${existing}','${fresh1}','${fresh2}')`]);
    expect(lookups()[0].claims?.oid).toBe(ANA.aadObjectId);
    expect(rig.defender.requests.filter((r) => r.method === 'POST')).toEqual([]);

    const leaveOut = buttons(cardOf(review))['Block the other 2, leave these out'];
    expect(buttons(cardOf(review))['Include them: block all 3']).toBeDefined();
    await rig.send(executeActivity(rig.connector.serviceUrl, messageId(review), leaveOut.verb!, leaveOut.data!));
    const done = await rig.connector.waitFor((r) => r.method === 'PUT' && headline(r).startsWith('Bulk block done'), 15_000);

    expect(cardTexts(cardOf(done))[0]).toBe('Bulk block done: 2 files blocked');
    expect(imports().map((r) => (r.body as { Indicators: Array<{ indicatorValue: string }> }).Indicators.map((i) => i.indicatorValue))).toEqual([[fresh1, fresh2]]);
    expect(rig.defender.indicators().find((i) => i.indicatorValue === existing)?.title).toBe('SOC block');

    // The other button of the same card (a stale copy of it) does not start a second run.
    const include = buttons(cardOf(review))['Include them: block all 3'];
    const stale = await rig.send(executeActivity(rig.connector.serviceUrl, messageId(review), include.verb!, include.data!));
    expect(cardTexts((stale.body as { value: Record<string, unknown> }).value)[0]).toBe('This request is no longer open');
    expect(imports()).toHaveLength(1);
    expect(rig.defender.indicators().find((i) => i.indicatorValue === existing)?.title).toBe('SOC block');
  });

  it('checks 150 hashes with two filtered GETs (100 and 50 values), not one per hash, and blocks them when none is flagged', async () => {
    const list = hashes(150, 'many');
    const activity = messageActivity(rig.connector.serviceUrl, `block campaign 8\n${list.join('\n')}`);
    await rig.send(activity);
    const done = await rig.connector.waitFor((r) => headline(r).startsWith('Bulk block done'), 20_000);

    expect(cardTexts(cardOf(done))[0]).toBe('Bulk block done: 150 files blocked');
    const filters = lookups().map((r) => r.query.$filter);
    expect(filters).toHaveLength(2);
    expect(filters.map((f) => (f.match(/'[0-9a-f]{40}'/g) ?? []).length)).toEqual([100, 50]);
    expect(filters.every((f) => f.startsWith('indicatorValue in ('))).toBe(true);
    expect(rig.defender.requests.filter((r) => r.method === 'GET' && /\/files\//.test(r.path))).toEqual([]);
  });

  it('asks "block anyway?" when the pre-block lookup fails, sends nothing until the analyst confirms, and looks again when pressed', async () => {
    const [hash] = hashes(1, 'single');
    rig.defender.failNext(3, { status: 503, code: 'ServiceUnavailable', message: 'busy', matcher: (method, path) => method === 'GET' && path.endsWith('/indicators') });
    const activity = messageActivity(rig.connector.serviceUrl, `block ${hash} dropper seen on two laptops`);
    await rig.send(activity);
    const confirm = await rig.reply(activity, 20_000);
    const texts = replyTexts(confirm);

    expect(texts[0]).toBe('Check before blocking');
    expect(texts).toEqual(expect.arrayContaining(['Could not check whether the file is already blocked']));
    expect(rig.defender.requests.filter((r) => r.method === 'POST')).toEqual([]);

    const anyway = buttons(cardOf(confirm))['Block anyway'];
    const pressed = await rig.send(executeActivity(rig.connector.serviceUrl, messageId(confirm), anyway.verb!, anyway.data!));
    const answer = pressed.body as { type: string; value: Record<string, unknown> };
    expect(answer.type).toBe('application/vnd.microsoft.card.adaptive');
    const result = cardTexts(answer.value);
    expect(result[0]).toBe('File blocked');
    // The press looks again; Defender answered this time, so nothing is left unchecked.
    expect(result.join(' ')).not.toMatch(/could not check/i);
    expect(rig.defender.requestsTo('GET', /\/indicators$/).filter((r) => r.status === 200)).toHaveLength(1);
    expect(rig.defender.requestsTo('POST', /\/indicators$/)).toHaveLength(1);
  });

  it('does not let a one-hash bulk bypass the checks a single block makes: a failed lookup asks first', async () => {
    const [only] = hashes(1, 'one');
    rig.defender.failNext(3, { status: 503, code: 'ServiceUnavailable', message: 'busy', matcher: (method, path) => method === 'GET' && path.endsWith('/indicators') });
    const activity = messageActivity(rig.connector.serviceUrl, `block campaign 9\n${only}`);
    await rig.send(activity);

    const review = await rig.connector.waitFor((r) => headline(r).startsWith('Check before blocking'), 15_000);
    const texts = cardTexts(cardOf(review));
    expect(texts[0]).toBe('Check before blocking: 1 of 1 hashes need a look');
    expect(texts).toEqual(expect.arrayContaining([only, expect.stringMatching(/^could not check whether it already has an indicator/)]));
    expect(Object.keys(buttons(cardOf(review)))).toEqual(['Block it anyway', 'Cancel']);
    expect(imports()).toEqual([]);
  });
});

describe('fair use: message actions spend the same buckets (Indicators API)', () => {
  let rig: Rig;
  const SLOW_DOWN = expect.stringMatching(/^Slow down: nothing was done\. Try again in \d+ seconds?\.$/);

  beforeAll(async () => {
    rig = await startRig({
      defenderApi: 'indicators',
      env: { RATE_COMMANDS_PER_MINUTE: '1', RATE_COMMAND_BURST: '1', RATE_CARD_PRESSES_PER_MINUTE: '1', RATE_CARD_PRESS_BURST: '1' },
    });
    await rig.signIn(ANA, [DirectoryRole.SecurityAdministrator]);
  });
  afterAll(() => rig.stop());

  const messagePayload = (hash: string) => ({ id: '1733100000001', body: { contentType: 'html', content: `<p>Dropper seen on ws-042: ${hash}</p>` } });
  const invoke = (name: 'composeExtension/fetchTask' | 'composeExtension/submitAction', value: Record<string, unknown>) =>
    messageActionActivity(rig.connector.serviceUrl, name, { commandId: 'blockFromMessage', ...value });

  it('a submit over the command limit blocks nothing and posts nothing: the dialog shows "Slow down"', async () => {
    const [spent, hash] = hashes(2, 'message-action');
    const status = messageActivity(rig.connector.serviceUrl, `status ${spent}`);
    await rig.send(status);
    expect(replyTexts(await rig.reply(status))[0]).not.toMatch(/Slow down/);
    rig.defender.clear();
    rig.connector.clear();

    const answer = await rig.send(
      invoke('composeExtension/submitAction', { messagePayload: messagePayload(hash), data: { comment: 'dropper', action: 'Block', expires: '30d', [`h_${hash}`]: 'true' } }),
    );

    expect(answer).toEqual({ status: 200, body: { task: { type: 'message', value: SLOW_DOWN } } });
    expect(rig.defender.requests).toEqual([]);
    expect(rig.connector.requests).toEqual([]);
    expect(rig.defender.indicators().map((i) => i.indicatorValue)).not.toContain(hash);
  });

  it('opening the dialog spends a press: the second one in the minute shows "Slow down" instead of the dialog', async () => {
    const [hash] = hashes(1, 'dialog');
    const first = await rig.send(invoke('composeExtension/fetchTask', { messagePayload: messagePayload(hash) }));
    expect((first.body as { task?: { type?: string } }).task?.type).toBe('continue');

    const second = await rig.send(invoke('composeExtension/fetchTask', { messagePayload: messagePayload(hash) }));

    expect(second).toEqual({ status: 200, body: { task: { type: 'message', value: SLOW_DOWN } } });
  });
});
