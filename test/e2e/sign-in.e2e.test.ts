import type { ConnectorRequest } from '../fakes/fake-connector';
import { DirectoryRole } from '../../src/domain/roles';
import { ANA, GALE, NICO, OTHER_TENANT_ID, RILEY, invokeActivity, messageActivity, type TeamsUser } from '../fixtures/activities';
import { BOT_APP_ID, CONNECTION, GRAPH_AUDIENCE, INDICATORS_AUDIENCE, SSO_RESOURCE, replyTexts, startRig, upnOf, type Rig } from './rig';
import { sentFromTeams, signedIn } from './sent-from-teams';

const SHA1 = '7327b54fd718525cbca07dacde913b5ac3c85673';
const OAUTH_CARD = 'application/vnd.microsoft.card.oauth';

interface OAuthCardContent {
  connectionName: string;
  text: string;
  buttons: Array<{ type: string; value: string }>;
  tokenExchangeResource?: { id: string; uri: string };
}

function oauthCard(request: ConnectorRequest): OAuthCardContent | undefined {
  const attachments = (request.body as { attachments?: Array<{ contentType: string; content: OAuthCardContent }> }).attachments ?? [];
  return attachments.find((a) => a.contentType === OAUTH_CARD)?.content;
}

describe('acting as the analyst: sign-in, on-behalf-of and the live role check', () => {
  let rig: Rig;

  beforeAll(async () => {
    rig = await startRig({ defenderApi: 'indicators', graphPageSize: 1, env: { SIGNIN_TIMEOUT_SECONDS: '2', SWEEP_SECONDS: '1', ROLE_CACHE_SECONDS: '0' } });
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

  const defenderPosts = () => rig.defender.requests.filter((r) => r.method === 'POST');
  const block = (user: TeamsUser, comment: string, options: Parameters<typeof messageActivity>[2] = {}) =>
    messageActivity(rig.connector.serviceUrl, `block ${SHA1} ${comment}`, { user, ...options });

  it('a signed-in Security Administrator blocks as themself: OBO tokens for Graph and Defender', async () => {
    await rig.signIn(ANA, [DirectoryRole.SecurityAdministrator]);
    const activity = block(ANA, 'as myself');
    expect((await rig.send(activity)).status).toBe(200);
    const texts = replyTexts(await rig.reply(activity));
    expect(texts[0]).toBe('File blocked');
    expect(texts).toContain(`Requested by: ${ANA.name} (${upnOf(ANA)})`);

    const [post] = defenderPosts();
    expect(post.claims).toMatchObject({
      aud: INDICATORS_AUDIENCE,
      oid: ANA.aadObjectId,
      upn: upnOf(ANA),
      azp: BOT_APP_ID,
      scp: 'Ti.ReadWrite File.Read.All Machine.Read Machine.StopAndQuarantine',
    });
    expect(rig.defender.indicators()[0]).toMatchObject({ createdBy: upnOf(ANA) });
    const graphCalls = rig.graph.requestsTo('GET', /directoryRole/);
    expect(graphCalls.length).toBeGreaterThanOrEqual(1);
    expect(graphCalls[0].claims).toMatchObject({ aud: GRAPH_AUDIENCE, oid: ANA.aadObjectId, scp: 'User.Read' });
    const obo = rig.entra.requests.filter((r) => r.grantType === 'urn:ietf:params:oauth:grant-type:jwt-bearer');
    expect(obo.map((r) => r.scope?.split(' ')[0]).sort()).toEqual([`${INDICATORS_AUDIENCE}/.default`, `${GRAPH_AUDIENCE}/.default`].sort());
    expect(obo.every((r) => r.assertionOid === ANA.aadObjectId && r.clientId === BOT_APP_ID)).toBe(true);
  });

  it('a Global Administrator may block', async () => {
    await rig.signIn(GALE, [DirectoryRole.GlobalAdministrator]);
    const activity = block(GALE, 'global admin');
    await rig.send(activity);
    expect(replyTexts(await rig.reply(activity))[0]).toBe('File blocked');
    expect(defenderPosts()[0].claims).toMatchObject({ oid: GALE.aadObjectId });
  });

  it.each([
    ['a Security Reader', RILEY, [DirectoryRole.SecurityReader], 'Your roles: Security Reader'],
    ['a user with no role', NICO, [], 'Your roles: none that count here'],
  ])('%s is denied and Defender receives nothing', async (_name, user, roles, line) => {
    await rig.signIn(user, roles);
    const activity = block(user, 'should not pass');
    await rig.send(activity);
    const texts = replyTexts(await rig.reply(activity));
    expect(texts[0]).toBe('Not blocked: you need a directory role');
    expect(texts).toContain(line);
    expect(rig.defender.requests).toHaveLength(0);
  });

  it('finds a role that only appears on the second page of Graph results', async () => {
    await rig.signIn(ANA, [DirectoryRole.SecurityReader, DirectoryRole.SecurityAdministrator]);
    const activity = block(ANA, 'paged roles');
    await rig.send(activity);
    expect(replyTexts(await rig.reply(activity))[0]).toBe('File blocked');
    const pages = rig.graph.requestsTo('GET', /directoryRole/);
    expect(pages).toHaveLength(2);
    expect(pages[1].query.$skiptoken).toBeDefined();
  });

  it('denies when Graph fails (fail closed) and says so', async () => {
    await rig.signIn(ANA, [DirectoryRole.SecurityAdministrator]);
    rig.graph.failNext(1, 500);
    const activity = block(ANA, 'graph is down');
    await rig.send(activity);
    const texts = replyTexts(await rig.reply(activity));
    expect(texts[0]).toBe('File NOT blocked');
    expect(texts.join(' ')).toContain('could not check your directory roles');
    expect(texts.find((t) => t.startsWith('Detail:'))).toMatch(/^Detail: Microsoft Graph answered HTTP 500/);
    expect(rig.defender.requests).toHaveLength(0);
  });

  it('not signed in: a sign-in card with SSO, then the token exchange runs the pending block exactly once', async () => {
    const PAT: TeamsUser = { id: '29:1pat', name: 'Pat Pending', aadObjectId: 'a0a0a0a0-0000-4000-8000-000000000005' };
    const activity = block(PAT, 'waits for sign-in');
    await rig.send(activity);
    const prompt = await rig.reply(activity);
    const card = oauthCard(prompt);
    expect(card).toBeDefined();
    expect(card!.connectionName).toBe(CONNECTION);
    expect(card!.tokenExchangeResource?.uri).toBe(SSO_RESOURCE);
    expect(card!.text).toContain('nothing has been sent yet');
    expect(rig.defender.requests).toHaveLength(0);

    rig.graph.setRoles(PAT.aadObjectId, [DirectoryRole.SecurityAdministrator]);
    const sso = await rig.ssoToken(PAT);
    rig.tokens.allowExchange((token) => (token === sso ? sso : undefined));
    rig.connector.clear();
    const exchange = invokeActivity(rig.connector.serviceUrl, 'signin/tokenExchange', { id: 'exchange-1', connectionName: CONNECTION, token: sso }, { user: PAT });
    const [first, second] = await Promise.all([rig.send(exchange), rig.send({ ...exchange, id: 'f:second-client' })]);
    expect([first.status, second.status]).toEqual([200, 200]);

    const done = await rig.connector.waitFor((r) => replyTexts(r)[0] === 'File blocked', 10_000);
    expect(done.activityId).toBe(activity.id);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(defenderPosts()).toHaveLength(1);
    expect(defenderPosts()[0].body).toMatchObject({ description: sentFromTeams('waits for sign-in', signedIn(PAT)) });
    expect(defenderPosts()[0].claims).toMatchObject({ oid: PAT.aadObjectId });
  });

  it('a failed token exchange answers 412 so Teams shows the sign-in button', async () => {
    const exchange = invokeActivity(
      rig.connector.serviceUrl,
      'signin/tokenExchange',
      { id: 'exchange-2', connectionName: CONNECTION, token: await rig.ssoToken(RILEY) },
      { user: RILEY },
    );
    rig.tokens.allowExchange(() => undefined);
    const answer = await rig.send(exchange);
    expect(answer.status).toBe(412);
    expect(answer.body).toMatchObject({ id: 'exchange-2', connectionName: CONNECTION });
    expect((answer.body as { failureDetail: string }).failureDetail).toBeTruthy();
    expect(rig.defender.requests).toHaveLength(0);
  });

  it('the magic-code sign-in (signin/verifyState) also runs the pending block', async () => {
    const MO: TeamsUser = { id: '29:1mo', name: 'Mo Magic', aadObjectId: 'a0a0a0a0-0000-4000-8000-000000000006' };
    const activity = block(MO, 'magic code');
    await rig.send(activity);
    expect(oauthCard(await rig.reply(activity))).toBeDefined();
    rig.graph.setRoles(MO.aadObjectId, [DirectoryRole.GlobalAdministrator]);
    rig.tokens.magicCode(MO.id, CONNECTION, '482913', await rig.ssoToken(MO));
    rig.connector.clear();
    const verify = invokeActivity(rig.connector.serviceUrl, 'signin/verifyState', { state: '482913' }, { user: MO });
    expect((await rig.send(verify)).status).toBe(200);
    await rig.connector.waitFor((r) => replyTexts(r)[0] === 'File blocked', 10_000);
    expect(defenderPosts()).toHaveLength(1);
  });

  it('in a channel, where SSO is unavailable, the sign-in card has a button and no token exchange', async () => {
    const user: TeamsUser = { id: '29:1chan', name: 'Casey Channel', aadObjectId: 'a0a0a0a0-0000-4000-8000-000000000007' };
    const activity = block(user, 'from a channel', { kind: 'channel' });
    await rig.send(activity);
    const card = oauthCard(await rig.reply(activity));
    expect(card).toBeDefined();
    expect(card!.tokenExchangeResource).toBeUndefined();
    expect(card!.buttons[0]).toMatchObject({ type: 'signin' });
    expect(card!.buttons[0].value).toMatch(/^https?:\/\//);
  });

  it('drops a pending block with a message when sign-in does not complete in time', async () => {
    const user: TeamsUser = { id: '29:1slow', name: 'Sam Slow', aadObjectId: 'a0a0a0a0-0000-4000-8000-000000000008' };
    const activity = block(user, 'never signs in');
    await rig.send(activity);
    expect(oauthCard(await rig.reply(activity))).toBeDefined();
    const dropped = await rig.connector.waitFor((r) => replyTexts(r)[0] === 'Dropped: sign-in did not complete', 5000);
    expect(replyTexts(dropped).join(' ')).toContain('waited 2 seconds for you to sign in and was dropped. Nothing was done');
    expect(rig.defender.requests).toHaveLength(0);
  });

  it('consent required during on-behalf-of: the user is asked to sign in and consent again, nothing is blocked', async () => {
    await rig.signIn(ANA, [DirectoryRole.SecurityAdministrator]);
    rig.entra.failNext({ error: 'invalid_grant', aadsts: 65001, suberror: 'consent_required', forOid: ANA.aadObjectId, grantType: 'obo', times: 5 });
    const activity = messageActivity(rig.connector.serviceUrl, `block ${'1'.repeat(40)} needs consent`, { user: ANA });
    await rig.send(activity);
    const prompt = await rig.reply(activity);
    const card = oauthCard(prompt);
    expect(card?.text).toContain('needs your consent');
    expect(card?.text).toContain('Not done yet');
    expect(rig.tokens.signedOut(ANA.id, CONNECTION)).toBe(true);
    expect(rig.defender.requests).toHaveLength(0);
  });

  it('refuses a tenant that is not allowed before any token is requested', async () => {
    const activity = block(ANA, 'wrong tenant', { tenantId: OTHER_TENANT_ID });
    await rig.send(activity);
    expect(replyTexts(await rig.reply(activity))[0]).toBe('This bot is not available to your organization');
    expect(rig.tokens.requests).toHaveLength(0);
    expect(rig.entra.requests.filter((r) => r.grantType !== 'client_credentials')).toHaveLength(0);
    expect(rig.defender.requests).toHaveLength(0);
  });

  it('twenty commands from one user cost at most two on-behalf-of exchanges', async () => {
    const user: TeamsUser = { id: '29:1busy', name: 'Bo Busy', aadObjectId: 'a0a0a0a0-0000-4000-8000-000000000009' };
    await rig.signIn(user, [DirectoryRole.SecurityAdministrator]);
    for (let i = 0; i < 20; i++) {
      const activity = messageActivity(rig.connector.serviceUrl, `block ${i.toString(16).padStart(40, 'e')} batch ${i}`, { user });
      await rig.send(activity);
      expect(replyTexts(await rig.reply(activity))[0]).toBe('File blocked');
      rig.connector.clear();
    }
    expect(defenderPosts()).toHaveLength(20);
    expect(rig.entra.oboCount(user.aadObjectId)).toBeLessThanOrEqual(2);
  });

  it('"sign out" signs the user out of the connection; the next block asks to sign in', async () => {
    await rig.signIn(ANA, [DirectoryRole.SecurityAdministrator]);
    const out = messageActivity(rig.connector.serviceUrl, 'sign out', { user: ANA });
    await rig.send(out);
    expect(replyTexts(await rig.reply(out))[0]).toBe('You are signed out');
    expect(rig.tokens.signedOut(ANA.id, CONNECTION)).toBe(true);
    rig.connector.clear();
    const activity = block(ANA, 'after sign out');
    await rig.send(activity);
    expect(oauthCard(await rig.reply(activity))).toBeDefined();
    expect(rig.defender.requests).toHaveLength(0);
  });
});

describe('the token must belong to the tenant of the chat', () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig({ defenderApi: 'indicators', env: { ALLOWED_TENANTS: `72f988bf-86f1-41af-91ab-2d7cd011db47,${OTHER_TENANT_ID}` } });
  });
  afterAll(async () => {
    await rig.stop();
  });

  it('refuses a user whose token is from another tenant than the activity', async () => {
    await rig.signIn(ANA, [DirectoryRole.SecurityAdministrator]);
    const activity = messageActivity(rig.connector.serviceUrl, `block ${SHA1} cross-tenant`, { user: ANA, tenantId: OTHER_TENANT_ID });
    await rig.send(activity);
    expect(replyTexts(await rig.reply(activity))[0]).toBe('Nothing was blocked: wrong account');
    expect(rig.entra.oboCount()).toBe(0);
    expect(rig.defender.requests).toHaveLength(0);
  });
});

describe('a bot that proves its identity with a certificate instead of a secret', () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig({ defenderApi: 'indicators', certificate: true });
  });
  afterAll(async () => {
    await rig.stop();
  });

  it('replies and blocks on-behalf-of, authenticating every token request with the certificate', async () => {
    await rig.signIn(ANA, [DirectoryRole.SecurityAdministrator]);
    const activity = messageActivity(rig.connector.serviceUrl, `block ${SHA1} certificate auth`, { user: ANA });
    await rig.send(activity);
    const reply = await rig.reply(activity);
    expect(replyTexts(reply)[0]).toBe('File blocked');
    expect(reply.authorized).toBe(true);
    expect(rig.defender.requests[0].claims).toMatchObject({ oid: ANA.aadObjectId, aud: INDICATORS_AUDIENCE });
    expect(rig.entra.requests.length).toBeGreaterThanOrEqual(3);
    expect(rig.entra.requests.every((r) => r.clientAuth === 'assertion' && r.status === 200)).toBe(true);
  });
});
