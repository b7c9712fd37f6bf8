import { DirectoryRole } from '../../src/domain/roles';
import { ANA, RILEY, messageActivity } from '../fixtures/activities';
import { cardOf } from '../fixtures/cards';
import { BOT_APP_ID, FILES_AUDIENCE, INDICATORS_AUDIENCE, replyTexts, startRig, upnOf, type Rig } from './rig';
import { sentFromTeams, signedIn } from './sent-from-teams';

const SHA1 = '7327b54fd718525cbca07dacde913b5ac3c85673';

describe.each(['files', 'indicators'] as const)('block through the %s API (auth on, real HTTP)', (api) => {
  let rig: Rig;

  beforeAll(async () => {
    rig = await startRig({ defenderApi: api });
  });
  afterAll(async () => {
    await rig.stop();
  });
  beforeEach(async () => {
    rig.connector.clear();
    rig.defender.reset();
    await rig.signIn(ANA, [DirectoryRole.SecurityAdministrator]);
    await rig.signIn(RILEY, [DirectoryRole.SecurityReader]);
  });

  const defenderCalls = () => rig.defender.requests.filter((r) => r.method === 'POST');

  it('blocks a file from a 1:1 chat and answers with the file-status card', async () => {
    const activity = messageActivity(rig.connector.serviceUrl, `block ${SHA1.toUpperCase()} Dropper from alert 32123`);
    const posted = await rig.send(activity);
    expect(posted.status).toBe(200);

    const reply = await rig.reply(activity);
    const texts = replyTexts(reply);
    expect(texts[0]).toBe('File blocked');
    expect(texts).toEqual(expect.arrayContaining([SHA1, 'Status: Blocked', 'Hash type: SHA-1', 'Dropper from alert 32123']));
    expect(reply.authorized).toBe(true);
    expect(reply.tokenClaims).toMatchObject({ aud: 'https://api.botframework.com' });
    expect((reply.body as { summary: string }).summary).toBe(`File blocked: SHA-1 ${SHA1}`);
    expect(reply.activityId).toBe(activity.id);

    const calls = defenderCalls();
    expect(calls).toHaveLength(1);
    if (api === 'files') {
      expect(calls[0].path).toBe(`/testwdatppreview/files/${SHA1}/block`);
      expect(calls[0].body).toEqual({ Comment: 'Dropper from alert 32123' });
      expect(calls[0].claims).toMatchObject({ aud: FILES_AUDIENCE, azp: BOT_APP_ID, oid: ANA.aadObjectId, upn: upnOf(ANA) });
      expect(texts).toEqual(expect.arrayContaining(['Action: Block', 'Via: Files API', `Requested by: ${upnOf(ANA)}`]));
    } else {
      expect(calls[0].path).toBe('/api/indicators');
      expect(calls[0].body).toMatchObject({
        indicatorValue: SHA1,
        indicatorType: 'FileSha1',
        action: 'Block',
        description: sentFromTeams('Dropper from alert 32123', signedIn(ANA)),
        title: 'Blocked from Teams: Dropper from alert 32123',
      });
      expect(calls[0].claims).toMatchObject({ aud: INDICATORS_AUDIENCE, azp: BOT_APP_ID, oid: ANA.aadObjectId, upn: upnOf(ANA) });
      const indicator = rig.defender.indicators()[0];
      expect(texts).toEqual(expect.arrayContaining(['Action: Block', 'Via: Indicators API', `Indicator id: ${indicator.id}`]));
    }
  });

  it(api === 'files' ? 'says plainly that the files API ignores options' : 'sends options to the Indicators API', async () => {
    const activity = messageActivity(rig.connector.serviceUrl, `block ${SHA1} action:audit severity:high with options`);
    await rig.send(activity);
    const texts = replyTexts(await rig.reply(activity));
    if (api === 'files') {
      expect(texts.join(' ')).toContain('The files API has no options (action, expiry, severity, device groups); they were not applied.');
      expect(defenderCalls()[0].body).toEqual({ Comment: 'with options' });
    } else {
      expect(texts).toContain('Severity: High');
      expect(defenderCalls()[0].body).toMatchObject({ action: 'Audit', severity: 'High', generateAlert: true });
    }
  });

  if (api === 'files') {
    it('accepts the documented 200 with an empty body and says Defender returned no details', async () => {
      rig.defender.setBlockAnswer('200-empty');
      const activity = messageActivity(rig.connector.serviceUrl, `block ${SHA1} empty answer`);
      expect((await rig.send(activity)).status).toBe(200);
      const texts = replyTexts(await rig.reply(activity));
      expect(texts[0]).toBe('Block sent, not confirmed by Defender');
      expect(texts).toContain('Status: Not confirmed');
      expect(texts).toEqual(expect.arrayContaining([`Requested by: ${ANA.name}`, 'empty answer']));
      expect(texts.join(' ')).toContain('returned no details');
      expect(defenderCalls().map((r) => r.status)).toEqual([200]);
    });
  }

  it('understands a channel message that mentions the bot, and replies in its thread', async () => {
    const activity = messageActivity(rig.connector.serviceUrl, `block ${SHA1} seen on 3 hosts`, { kind: 'channel' });
    expect((await rig.send(activity)).status).toBe(200);
    const reply = await rig.reply(activity);
    expect(replyTexts(reply)[0]).toBe('File blocked');
    expect(reply.conversationId).toBe((activity.conversation as { id: string }).id);
    expect(defenderCalls()).toHaveLength(1);
    expect(defenderCalls()[0].body).toMatchObject(api === 'files' ? { Comment: 'seen on 3 hosts' } : { description: sentFromTeams('seen on 3 hosts', signedIn(ANA)) });
  });

  it('denies a Security Reader and sends Defender nothing', async () => {
    const activity = messageActivity(rig.connector.serviceUrl, `block ${SHA1} not allowed`, { user: RILEY, kind: 'groupChat' });
    expect((await rig.send(activity)).status).toBe(200);
    const texts = replyTexts(await rig.reply(activity));
    expect(texts[0]).toBe('Not blocked: you need a directory role');
    expect(texts).toEqual(expect.arrayContaining(['Your roles: Security Reader', 'Needed: Security Administrator or Global Administrator']));
    expect(rig.defender.requests).toHaveLength(0);
  });

  it.each([
    ['a bad hash', `block 12345 why`, 'This is not a file hash'],
    ['a missing comment', `block ${SHA1}`, 'A comment is required'],
  ])('answers %s clearly and sends Defender nothing', async (_name, text, headline) => {
    const activity = messageActivity(rig.connector.serviceUrl, text);
    expect((await rig.send(activity)).status).toBe(200);
    const texts = replyTexts(await rig.reply(activity));
    expect(texts[0]).toBe(headline);
    expect(texts.join(' ')).toContain('Nothing was blocked');
    expect(rig.defender.requests).toHaveLength(0);
  });

  it(api === 'files' ? 'refuses a SHA-256, which the files API cannot block, without calling it' : 'blocks by SHA-256 (FileSha256)', async () => {
    const sha256 = 'ab'.repeat(32);
    const activity = messageActivity(rig.connector.serviceUrl, `block ${sha256} the 256 one`);
    await rig.send(activity);
    const texts = replyTexts(await rig.reply(activity));
    if (api === 'files') {
      expect(texts[0]).toBe('File NOT blocked');
      expect(texts.join(' ')).toContain('The Files API takes SHA-1 only');
      expect(defenderCalls()).toHaveLength(0);
    } else {
      expect(texts[0]).toBe('File blocked');
      expect(defenderCalls()[0].body).toMatchObject({ indicatorValue: sha256, indicatorType: 'FileSha256' });
    }
  });

  it.each([
    ['no token', { token: null }],
    ['a token signed by someone else', { forgeWithOtherKey: true }],
    ['a token for another bot', { appId: '00000000-0000-4000-8000-000000000099' }],
  ])('refuses a request with %s: 401, no reply, no Defender call', async (_name, postOptions) => {
    const activity = messageActivity(rig.connector.serviceUrl, `block ${SHA1} forged`);
    const posted = await rig.send(activity, postOptions);
    expect(posted.status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(rig.connector.requests).toHaveLength(0);
    expect(rig.defender.requests).toHaveLength(0);
  });

  it('waits out a 429 with Retry-After, then blocks', async () => {
    rig.defender.failNext(1, { status: 429, code: 'TooManyRequests', message: 'Rate limit exceeded', retryAfterSec: 1, matcher: (method) => method === 'POST' });
    const activity = messageActivity(rig.connector.serviceUrl, `block ${SHA1} after throttling`);
    const started = Date.now();
    expect((await rig.send(activity)).status).toBe(200);
    const texts = replyTexts(await rig.reply(activity));
    expect(texts[0]).toBe('File blocked');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(defenderCalls().map((r) => r.status)).toEqual([429, api === 'files' ? 201 : 200]);
  });

  it('after a 500 to the block says the outcome is unknown (it may be blocked) with a Status button, sends it once, and stays healthy', async () => {
    rig.defender.failNext(Infinity, { status: 500, code: 'InternalServerError', message: 'Something broke', matcher: (method) => method === 'POST' });
    const activity = messageActivity(rig.connector.serviceUrl, `block ${SHA1} during an outage`);
    expect((await rig.send(activity)).status).toBe(200);
    const reply = await rig.reply(activity);
    const texts = replyTexts(reply);
    expect(texts[0]).toBe('Outcome unknown: the file may be blocked');
    expect(texts.join(' ')).not.toContain('NOT blocked');
    const calls = defenderCalls();
    expect(calls).toHaveLength(1);
    const correlation = texts.find((t) => t.startsWith('Correlation id: '));
    expect(correlation).toMatch(/^Correlation id: [0-9a-f-]{36}$/);
    expect(texts).toEqual(expect.arrayContaining(['HTTP status: 500', 'Attempts: 1']));
    expect(JSON.stringify(cardOf(reply))).toContain(`{"type":"Action.Submit","title":"Status","data":{"msteams":{"type":"imBack","value":"status ${SHA1}"}}}`);
    expect((reply.body as { summary: string }).summary).toMatch(/^Outcome unknown/);

    const health = await fetch(`${rig.app.url}/healthz`);
    expect(health.status).toBe(200);

    rig.defender.reset();
    rig.connector.clear();
    const next = messageActivity(rig.connector.serviceUrl, `block ${SHA1} after the outage`);
    expect((await rig.send(next)).status).toBe(200);
    expect(replyTexts(await rig.reply(next))[0]).toBe('File blocked');
  });

  it('acts once on a re-delivered activity', async () => {
    const activity = messageActivity(rig.connector.serviceUrl, `block ${SHA1} sent twice`);
    const [first, second] = await Promise.all([rig.send(activity), rig.send(activity)]);
    expect([first.status, second.status]).toEqual([200, 200]);
    await rig.reply(activity);
    expect((await rig.send(activity)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(defenderCalls()).toHaveLength(1);
    const messages = rig.connector.requests.filter((r) => (r.body as { type?: string }).type === 'message');
    expect(messages).toHaveLength(1);
  });
});
