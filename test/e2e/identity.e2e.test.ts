import { SqliteAuditLog } from '../../src/storage/sqlite-audit-log';
import { openDatabase } from '../../src/storage/sqlite-database';
import { DirectoryRole } from '../../src/domain/roles';
import { ANA, TENANT_ID, invokeActivity, messageActivity, type TeamsUser } from '../fixtures/activities';
import { CONNECTION, replyTexts, startRig, upnOf, type Rig } from './rig';

const SHA1 = '7327b54fd718525cbca07dacde913b5ac3c85673';
const OAUTH_CARD = 'application/vnd.microsoft.card.oauth';
const BOB: TeamsUser = { id: '29:1bob', name: 'Bob Example', aadObjectId: 'b0b0b0b0-0000-4000-8000-00000000000b' };
const DEE: TeamsUser = { id: '29:1dee', name: 'Dee Example', aadObjectId: 'd0d0d0d0-0000-4000-8000-00000000000d' };

const hasOAuthCard = (body: unknown) => ((body as { attachments?: Array<{ contentType: string }> }).attachments ?? []).some((a) => a.contentType === OAUTH_CARD);
const settle = (ms = 500) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the delegated token must be the Teams caller’s own', () => {
  let rig: Rig;

  beforeAll(async () => {
    rig = await startRig({ defenderApi: 'indicators', env: { ROLE_CACHE_SECONDS: '0' } });
  });
  afterAll(async () => {
    await rig.stop();
  });
  beforeEach(() => {
    rig.connector.clear();
    rig.defender.reset();
    rig.graph.clear();
    rig.tokens.clear();
    rig.entra.reset();
  });

  const block = (user: TeamsUser, comment: string) => messageActivity(rig.connector.serviceUrl, `block ${SHA1} ${comment}`, { user });
  /** Nothing reached Graph, Defender or Entra's on-behalf-of endpoint. */
  const nothingUpstream = () => {
    expect(rig.graph.requests).toHaveLength(0);
    expect(rig.defender.requests).toHaveLength(0);
    expect(rig.entra.oboCount()).toBe(0);
  };

  it('refuses a block when the token service hands out another user’s token, signs that token out and calls nothing upstream', async () => {
    const anasToken = await rig.signIn(ANA, [DirectoryRole.SecurityAdministrator]);
    rig.graph.setRoles(BOB.aadObjectId, [DirectoryRole.SecurityAdministrator]);
    rig.tokens.signInWithAccountOf({ user: BOB.id, account: ANA.id, connectionName: CONNECTION });

    const activity = block(BOB, 'as Bob, with Ana’s token');
    expect((await rig.send(activity)).status).toBe(200);
    const texts = replyTexts(await rig.reply(activity));

    expect(texts).toEqual([
      'Nothing was blocked: wrong account',
      `You are signed in as ${upnOf(ANA)}, but this Teams account is ${BOB.name}.`,
      'The bot signed that account out: sign in as yourself.',
      'Nothing was sent to Defender. Send the command again once you are signed in as yourself.',
    ]);
    expect(rig.tokens.wasSignedOut(anasToken)).toBe(true);
    expect(rig.tokens.signOuts.map((s) => [s.userId, s.connectionName])).toEqual([[BOB.id, CONNECTION]]);
    nothingUpstream();

    rig.connector.clear();
    const again = block(BOB, 'after the refusal');
    await rig.send(again);
    expect(hasOAuthCard((await rig.reply(again)).body)).toBe(true);
    nothingUpstream();
  });

  it('refuses a typed magic code that yields another user’s token: signed out, the waiting block dropped, nothing upstream', async () => {
    const anasToken = await rig.signIn(ANA, [DirectoryRole.SecurityAdministrator]);
    rig.graph.setRoles(BOB.aadObjectId, [DirectoryRole.SecurityAdministrator]);
    const activity = block(BOB, 'waits for a sign-in');
    await rig.send(activity);
    expect(hasOAuthCard((await rig.reply(activity)).body)).toBe(true);
    rig.tokens.signInWithAccountOf({ user: BOB.id, account: ANA.id, connectionName: CONNECTION, magicCode: '583104' });
    rig.connector.clear();

    const code = messageActivity(rig.connector.serviceUrl, '583104', { user: BOB });
    expect((await rig.send(code)).status).toBe(200);
    const texts = replyTexts(await rig.reply(code));

    expect(texts[0]).toBe('Nothing was blocked: wrong account');
    expect(texts[1]).toBe(`You are signed in as ${upnOf(ANA)}, but this Teams account is ${BOB.name}.`);
    expect(texts[2]).toBe('The bot signed that account out: sign in as yourself.');
    expect(texts[3]).toBe(`Your waiting block of SHA-1 ${SHA1} was dropped and nothing was sent to Defender. Send it again once you are signed in as yourself.`);
    expect(rig.tokens.wasSignedOut(anasToken)).toBe(true);
    expect(rig.tokens.tokenOf(BOB.id, CONNECTION)).toBeUndefined();

    nothingUpstream();

    rig.connector.clear();
    await rig.signIn(BOB, [DirectoryRole.SecurityAdministrator]);
    const signIn = messageActivity(rig.connector.serviceUrl, 'sign in', { user: BOB });
    await rig.send(signIn);
    expect(replyTexts(await rig.reply(signIn))).toEqual(['You are signed in', `The bot acts as ${upnOf(BOB)} in Defender.`]);
    await settle();
    expect(rig.defender.requests).toHaveLength(0);
  });

  it('refuses the same mix-up through the sign-in card’s verify-state invoke', async () => {
    const anasToken = await rig.signIn(ANA, [DirectoryRole.SecurityAdministrator]);
    const activity = block(DEE, 'waits again');
    await rig.send(activity);
    expect(hasOAuthCard((await rig.reply(activity)).body)).toBe(true);
    rig.tokens.signInWithAccountOf({ user: DEE.id, account: ANA.id, magicCode: '771204' });
    rig.connector.clear();

    const verify = invokeActivity(rig.connector.serviceUrl, 'signin/verifyState', { state: '771204' }, { user: DEE });
    expect((await rig.send(verify)).status).toBe(200);

    expect(replyTexts(await rig.reply(verify)).slice(0, 2)).toEqual([
      'Nothing was blocked: wrong account',
      `You are signed in as ${upnOf(ANA)}, but this Teams account is ${DEE.name}.`,
    ]);
    expect(rig.tokens.wasSignedOut(anasToken)).toBe(true);
    nothingUpstream();
  });

  it('refuses an SSO token exchange that yields another user’s token', async () => {
    const FAY: TeamsUser = { id: '29:1fay', name: 'Fay Example', aadObjectId: 'f0f0f0f0-0000-4000-8000-00000000000f' };
    const anasToken = await rig.signIn(ANA, [DirectoryRole.SecurityAdministrator]);
    const activity = block(FAY, 'waits for SSO');
    await rig.send(activity);
    expect(hasOAuthCard((await rig.reply(activity)).body)).toBe(true);
    const faysSso = await rig.ssoToken(FAY);
    rig.tokens.allowExchange((token) => (token === faysSso ? anasToken : undefined));
    rig.connector.clear();

    const exchange = invokeActivity(rig.connector.serviceUrl, 'signin/tokenExchange', { id: 'x-fay', connectionName: CONNECTION, token: faysSso }, { user: FAY });
    await rig.send(exchange);

    expect(replyTexts(await rig.reply(exchange)).slice(0, 2)).toEqual([
      'Nothing was blocked: wrong account',
      `You are signed in as ${upnOf(ANA)}, but this Teams account is ${FAY.name}.`,
    ]);
    expect(rig.tokens.wasSignedOut(anasToken)).toBe(true);
    nothingUpstream();
  });

  it('answers "sign in" on another user’s token with the same explanation, signing it out once', async () => {
    const GUS: TeamsUser = { id: '29:1gus', name: 'Gus Example', aadObjectId: 'c0c0c0c0-0000-4000-8000-00000000000c' };
    const anasToken = await rig.signIn(ANA, [DirectoryRole.SecurityAdministrator]);
    rig.tokens.signInWithAccountOf({ user: GUS.id, account: ANA.id });

    const signIn = messageActivity(rig.connector.serviceUrl, 'sign in', { user: GUS });
    await rig.send(signIn);

    expect(replyTexts(await rig.reply(signIn))[1]).toBe(`You are signed in as ${upnOf(ANA)}, but this Teams account is ${GUS.name}.`);
    await settle(200);
    expect(rig.connector.requests.filter((r) => r.method === 'POST' && (r.body as { type?: string }).type === 'message')).toHaveLength(1);
    expect(rig.tokens.signOuts.map((s) => s.userId)).toEqual([GUS.id]);
    expect(rig.tokens.wasSignedOut(anasToken)).toBe(true);
    nothingUpstream();
  });

  it('acts as the token’s account: the block runs, and the audit trail records the token’s object id', async () => {
    await rig.signIn(ANA, [DirectoryRole.SecurityAdministrator]);
    const shouting = { ...ANA, aadObjectId: ANA.aadObjectId.toUpperCase() };
    const activity = block(shouting, 'bound to the token');

    await rig.send(activity);

    expect(replyTexts(await rig.reply(activity))[0]).toBe('File blocked');
    expect(rig.defender.requests.filter((r) => r.method === 'POST')[0].claims).toMatchObject({ oid: ANA.aadObjectId });
    expect(rig.tokens.signOuts).toHaveLength(0);
    const db = openDatabase(rig.env.DATA_DIR);
    try {
      const [entry] = await new SqliteAuditLog(db).recent({ tenantId: TENANT_ID, hash: SHA1, limit: 1 });
      expect(entry.actor).toEqual({ aadObjectId: ANA.aadObjectId, name: ANA.name, userId: ANA.id });
    } finally {
      db.close();
    }
  });
});

describe('only Teams reaches the bot', () => {
  let rig: Rig;

  beforeAll(async () => {
    rig = await startRig({ defenderApi: 'indicators' });
    // The real channel keys endorse Web Chat and Direct Line too: make the fake's do so before the bot first reads them.
    (rig.channel as unknown as { endorsements: string[] }).endorsements.push('webchat', 'directline');
  });
  afterAll(async () => {
    await rig.stop();
  });

  it.each(['webchat', 'directline'])('a correctly signed %s message gets no reply and causes no upstream call; its invoke gets 403', async (channelId) => {
    await rig.signIn(ANA, [DirectoryRole.SecurityAdministrator]);
    rig.connector.clear();
    rig.tokens.clear();
    rig.graph.clear();
    rig.defender.reset();
    const message = { ...messageActivity(rig.connector.serviceUrl, `block ${SHA1} from ${channelId}`, { user: ANA }), channelId };
    const invoke = { ...invokeActivity(rig.connector.serviceUrl, 'signin/verifyState', { state: '123456' }, { user: ANA }), channelId };

    expect((await rig.send(message)).status).toBe(200);
    expect((await rig.send(invoke)).status).toBe(403);
    await settle();

    expect(rig.connector.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
    expect(rig.tokens.requests).toHaveLength(0);
    expect(rig.graph.requests).toHaveLength(0);
    expect(rig.defender.requests).toHaveLength(0);
  });
});
