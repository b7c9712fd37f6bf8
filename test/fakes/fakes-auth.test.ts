import type { AddressInfo } from 'node:net';
import { ClientCertificateCredential, ClientSecretCredential, OnBehalfOfCredential, OnBehalfOfCredentialSecretOptions } from '@azure/identity';
import { CloudAdapter, ConfigurationBotFrameworkAuthentication, TurnContext } from 'botbuilder';
import { ServiceClientCredentialsFactory } from 'botframework-connector';
import * as restify from 'restify';
import { FakeChannel } from './fake-channel';
import { CONNECTOR_AUDIENCE, FakeConnector } from './fake-connector';
import { FakeEntra } from './fake-entra';
import { createTestCa, TestCa, trustTestCa } from './test-ca';

const TENANT = '72f988bf-0000-4000-8000-000000000001';
const BOT_ID = 'b0b0b0b0-0000-4000-8000-000000000002';
const BOT_SECRET = 'bot-secret-value';
const USER_OID = 'a11ce000-0000-4000-8000-000000000003';
const DEFENDER = 'https://api.securitycenter.microsoft.com';

function identityOptions(entra: FakeEntra): { authorityHost: string; disableInstanceDiscovery: true } {
  return { authorityHost: entra.url, disableInstanceDiscovery: true };
}

function oboCredential(entra: FakeEntra, userAssertionToken: string): OnBehalfOfCredential {
  const options: OnBehalfOfCredentialSecretOptions & ReturnType<typeof identityOptions> = {
    tenantId: TENANT,
    clientId: BOT_ID,
    clientSecret: BOT_SECRET,
    userAssertionToken,
    ...identityOptions(entra),
  };
  return new OnBehalfOfCredential(options);
}

function userToken(entra: FakeEntra, overrides: { aud?: string; expiresInSec?: number } = {}): Promise<string> {
  return entra.mintUserToken({
    oid: USER_OID,
    upn: 'analyst@contoso.example',
    name: 'Ana Lyst',
    tid: TENANT,
    aud: overrides.aud ?? `api://botid-${BOT_ID}`,
    expiresInSec: overrides.expiresInSec,
  });
}

describe('FakeEntra with real @azure/identity over TLS', () => {
  let ca: TestCa;
  let entra: FakeEntra;
  let untrust: () => void;
  const clientCert = createTestCa().issue(['bot-client-cert']);

  beforeAll(async () => {
    ca = createTestCa();
    untrust = trustTestCa(ca.caPem);
    entra = await new FakeEntra({ ca }).start();
    entra.registerApp({ clientId: BOT_ID, clientSecret: BOT_SECRET, certificatePem: clientCert.certPem, identifierUris: [`api://botid-${BOT_ID}`] });
  });

  afterAll(async () => {
    await entra.close();
    untrust();
  });

  beforeEach(() => entra.reset());

  test('ClientSecretCredential gets an app-only token', async () => {
    const credential = new ClientSecretCredential(TENANT, BOT_ID, BOT_SECRET, identityOptions(entra));
    const { token } = await credential.getToken(`${CONNECTOR_AUDIENCE}/.default`);
    const claims = await entra.verify(token, { audience: CONNECTOR_AUDIENCE });
    expect(claims).toMatchObject({ aud: CONNECTOR_AUDIENCE, appid: BOT_ID, azp: BOT_ID, tid: TENANT, iss: `${entra.url}/${TENANT}/v2.0` });
    expect(entra.requests).toEqual([expect.objectContaining({ grantType: 'client_credentials', clientId: BOT_ID, clientAuth: 'secret', status: 200 })]);
  });

  test('ClientCertificateCredential authenticates with a signed client assertion', async () => {
    const credential = new ClientCertificateCredential(TENANT, BOT_ID, { certificate: clientCert.certPem + clientCert.keyPem }, identityOptions(entra));
    const { token } = await credential.getToken('https://graph.microsoft.com/.default');
    const claims = await entra.verify(token, { audience: 'https://graph.microsoft.com' });
    expect(claims.appidacr).toBe('2');
    expect(entra.requests[0]).toMatchObject({ clientAuth: 'assertion', status: 200 });
  });

  test('OnBehalfOfCredential exchanges a user token for a delegated Defender token', async () => {
    const { token } = await oboCredential(entra, await userToken(entra)).getToken(`${DEFENDER}/.default`);
    const claims = await entra.verify(token, { audience: DEFENDER });
    expect(claims).toMatchObject({
      aud: DEFENDER,
      azp: BOT_ID,
      appid: BOT_ID,
      oid: USER_OID,
      tid: TENANT,
      upn: 'analyst@contoso.example',
      preferred_username: 'analyst@contoso.example',
      name: 'Ana Lyst',
      scp: 'user_impersonation',
    });
    expect(entra.oboCount(USER_OID)).toBe(1);
    expect(entra.requests[0]).toMatchObject({ assertionOid: USER_OID, grantType: 'urn:ietf:params:oauth:grant-type:jwt-bearer' });
  });

  test('OBO scp follows the consented delegated permissions', async () => {
    const appId = 'c0ffee00-0000-4000-8000-000000000009';
    entra.registerApp({ clientId: appId, clientSecret: 'x', grantedScopes: { [DEFENDER]: ['Ti.ReadWrite', 'Machine.Read.All'] } });
    const assertion = await entra.mintUserToken({ oid: USER_OID, upn: 'a@b.example', name: 'A', tid: TENANT, aud: appId });
    const options = { tenantId: TENANT, clientId: appId, clientSecret: 'x', userAssertionToken: assertion, ...identityOptions(entra) };
    const { token } = await new OnBehalfOfCredential(options).getToken(`${DEFENDER}/.default`);
    expect((await entra.verify(token, { audience: DEFENDER })).scp).toBe('Ti.ReadWrite Machine.Read.All');
    const missing = new OnBehalfOfCredential(options).getToken('https://graph.microsoft.com/.default');
    await expect(missing).rejects.toThrow(/AADSTS65001/);
  });

  test('a wrong client secret is refused with AADSTS7000215 (401 invalid_client)', async () => {
    const credential = new ClientSecretCredential(TENANT, BOT_ID, 'not-the-secret', identityOptions(entra));
    await expect(credential.getToken(`${CONNECTOR_AUDIENCE}/.default`)).rejects.toThrow(/invalid_client.*AADSTS7000215/s);
    expect(entra.requests[0]).toMatchObject({ status: 401, error: 'invalid_client', errorCode: 7000215 });
  });

  test('an unknown client is refused with AADSTS700016', async () => {
    const credential = new ClientSecretCredential(TENANT, 'deadbeef-0000-4000-8000-000000000000', 'x', identityOptions(entra));
    await expect(credential.getToken(`${CONNECTOR_AUDIENCE}/.default`)).rejects.toThrow(/AADSTS700016/);
  });

  test('a scripted consent_required failure surfaces with its AADSTS code, for that user only', async () => {
    entra.failNext({ error: 'invalid_grant', aadsts: 65001, forOid: USER_OID });
    const failure = oboCredential(entra, await userToken(entra)).getToken(`${DEFENDER}/.default`);
    await expect(failure).rejects.toMatchObject({ name: 'AuthenticationRequiredError', message: expect.stringMatching(/^invalid_grant: AADSTS65001: /) });
    const { token } = await oboCredential(entra, await userToken(entra)).getToken(`${DEFENDER}/.default`);
    expect((await entra.verify(token, { audience: DEFENDER })).oid).toBe(USER_OID);
    expect(entra.requests.map((r) => r.errorCode ?? r.status)).toEqual([65001, 200]);
  });

  test('a scripted interaction_required failure carries its suberror in the AAD body', async () => {
    entra.failNext({ error: 'interaction_required', aadsts: 50076 });
    const res = await fetch(`${entra.url}/${TENANT}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'client-request-id': 'corr-1' },
      body: new URLSearchParams({
        grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
        requested_token_use: 'on_behalf_of',
        client_id: BOT_ID,
        client_secret: BOT_SECRET,
        assertion: await userToken(entra),
        scope: `${DEFENDER}/.default`,
      }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      error: 'interaction_required',
      error_description: expect.stringMatching(/^AADSTS50076: .*multi-factor/),
      error_codes: [50076],
      suberror: 'basic_action',
      correlation_id: 'corr-1',
      trace_id: expect.any(String),
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/),
    });
  });

  test('OBO refuses a user token minted for another audience (AADSTS500131)', async () => {
    const assertion = await userToken(entra, { aud: 'api://someone-else' });
    await expect(oboCredential(entra, assertion).getToken(`${DEFENDER}/.default`)).rejects.toThrow(/AADSTS500131/);
    expect(entra.oboCount()).toBe(0);
  });

  test('OBO refuses an expired user token (AADSTS500133)', async () => {
    const assertion = await userToken(entra, { expiresInSec: -60 });
    await expect(oboCredential(entra, assertion).getToken(`${DEFENDER}/.default`)).rejects.toThrow(/AADSTS500133/);
  });

  test('a fake whose certificate is not from a trusted CA is rejected by TLS', async () => {
    const stranger = await new FakeEntra({ ca: createTestCa() }).start();
    try {
      stranger.registerApp({ clientId: BOT_ID, clientSecret: BOT_SECRET });
      const credential = new ClientSecretCredential(TENANT, BOT_ID, BOT_SECRET, identityOptions(stranger));
      await expect(credential.getToken(`${CONNECTOR_AUDIENCE}/.default`)).rejects.toThrow(/endpoints_resolution_error/);
      const metadataPath = `/${TENANT}/v2.0/.well-known/openid-configuration`;
      const tlsFailure = await fetch(`${stranger.url}${metadataPath}`).catch((err: Error) => err.cause as NodeJS.ErrnoException);
      expect(tlsFailure).toMatchObject({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
      expect((await fetch(`${entra.url}${metadataPath}`)).status).toBe(200);
      expect(stranger.requests).toHaveLength(0);
    } finally {
      await stranger.close();
    }
  });
});

describe('FakeChannel and FakeConnector with the real CloudAdapter', () => {
  let ca: TestCa;
  let untrust: () => void;
  let entra: FakeEntra;
  let channel: FakeChannel;
  let connector: FakeConnector;
  let server: restify.Server;
  let botUrl: string;
  let auth: ConfigurationBotFrameworkAuthentication;
  const turns: string[] = [];

  const activity = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
    type: 'message',
    id: 'incoming-1',
    timestamp: new Date().toISOString(),
    channelId: 'msteams',
    serviceUrl: connector.serviceUrl,
    from: { id: '29:user-1', name: 'Ana Lyst', aadObjectId: USER_OID },
    recipient: { id: `28:${BOT_ID}`, name: 'Defender Block Bot' },
    conversation: { id: 'a:personal-conversation-1', conversationType: 'personal', tenantId: TENANT },
    channelData: { tenant: { id: TENANT } },
    text: 'hello',
    ...overrides,
  });

  beforeAll(async () => {
    ca = createTestCa();
    untrust = trustTestCa(ca.caPem);
    entra = await new FakeEntra({ ca }).start();
    entra.registerApp({ clientId: BOT_ID, clientSecret: BOT_SECRET, tenantId: TENANT });
    channel = await new FakeChannel({ appId: BOT_ID }).start();
    connector = await new FakeConnector({
      verify: (token) => entra.verify(token, { audience: CONNECTOR_AUDIENCE }),
      expectedAppId: BOT_ID,
    }).start();

    const botCredential = new ClientSecretCredential(TENANT, BOT_ID, BOT_SECRET, identityOptions(entra));
    const credentialsFactory: ServiceClientCredentialsFactory = {
      isValidAppId: async (appId) => appId === BOT_ID,
      isAuthenticationDisabled: async () => false,
      createCredentials: async (_appId, audience) => ({
        signRequest: async (request) => {
          const { token } = await botCredential.getToken(`${audience ?? CONNECTOR_AUDIENCE}/.default`);
          request.headers.set('authorization', `Bearer ${token}`);
          return request;
        },
      }),
    };
    auth = new ConfigurationBotFrameworkAuthentication(
      {
        MicrosoftAppId: BOT_ID,
        MicrosoftAppType: 'SingleTenant',
        MicrosoftAppTenantId: TENANT,
        ToBotFromChannelOpenIdMetadataUrl: channel.metadataUrl,
        ToBotFromChannelTokenIssuer: channel.issuer,
        ToBotFromEmulatorOpenIdMetadataUrl: channel.emulatorMetadataUrl,
        ToChannelFromBotLoginUrl: `${entra.url}/${TENANT}`,
        ToChannelFromBotOAuthScope: CONNECTOR_AUDIENCE,
        OAuthUrl: 'http://127.0.0.1:9',
        CallerId: 'urn:botframework:azure',
        ValidateAuthority: false,
      },
      credentialsFactory,
    );
    const adapter = new CloudAdapter(auth);
    server = restify.createServer();
    server.use(restify.plugins.bodyParser());
    server.post('/api/messages', async (req, res) => {
      await adapter.process(req, res, async (context: TurnContext) => {
        turns.push(context.activity.text);
        await context.sendActivity(`echo: ${context.activity.text}`);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    botUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/messages`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await Promise.all([channel.close(), connector.close(), entra.close()]);
    untrust();
  });

  beforeEach(() => {
    turns.length = 0;
    connector.clear();
    jest.spyOn(console, 'error').mockImplementation(() => undefined);
  });

  afterEach(() => jest.restoreAllMocks());

  test('authenticateRequest accepts a FakeChannel token and yields its claims', async () => {
    const token = await channel.sign({ appId: BOT_ID, serviceUrl: connector.serviceUrl });
    const result = await auth.authenticateRequest(activity() as never, `Bearer ${token}`);
    expect(result.claimsIdentity.getClaimValue('aud')).toBe(BOT_ID);
    expect(result.claimsIdentity.getClaimValue('serviceurl')).toBe(connector.serviceUrl);
    expect(result.callerId).toBe('urn:botframework:azure');
  });

  test('a signed activity runs the turn and the reply reaches the connector with a bot token', async () => {
    const { status } = await channel.post(botUrl, activity({ text: 'block it' }));
    expect(status).toBe(200);
    expect(turns).toEqual(['block it']);
    const reply = await connector.waitFor((r) => r.method === 'POST' && r.activityId === 'incoming-1');
    expect(reply).toMatchObject({
      conversationId: 'a:personal-conversation-1',
      authorized: true,
      status: 201,
      body: expect.objectContaining({ type: 'message', text: 'echo: block it', replyToId: 'incoming-1' }),
      tokenClaims: expect.objectContaining({ aud: CONNECTOR_AUDIENCE, appid: BOT_ID, tid: TENANT }),
    });
  });

  test('a request without Authorization is 401 and never reaches the turn', async () => {
    const { status } = await channel.post(botUrl, activity(), { token: null });
    expect(status).toBe(401);
    expect(turns).toEqual([]);
  });

  test('a token signed by an unknown key with the published kid is rejected (CloudAdapter answers 500)', async () => {
    const { status, body } = await channel.post(botUrl, activity(), { forgeWithOtherKey: true });
    expect(status).toBe(500);
    expect(String(body)).toMatch(/invalid signature/);
    expect(turns).toEqual([]);
  });

  test('a token for another app id is 401', async () => {
    const { status, body } = await channel.post(botUrl, activity(), { appId: 'ffffffff-0000-4000-8000-00000000000f' });
    expect(status).toBe(401);
    expect(String(body)).toMatch(/Invalid AppId passed on token/);
  });

  test('a serviceurl claim that differs from the activity is 401', async () => {
    const token = await channel.sign({ appId: BOT_ID, serviceUrl: 'https://smba.trafficmanager.net/emea/' });
    const { status, body } = await channel.post(botUrl, activity(), { token });
    expect(status).toBe(401);
    expect(String(body)).toMatch(/ServiceUrl claim do not match/);
  });

  test('a channel the signing key does not endorse is 401', async () => {
    const { status, body } = await channel.post(botUrl, activity({ channelId: 'slack' }));
    expect(status).toBe(401);
    expect(String(body)).toMatch(/Could not validate endorsement/);
  });

  test('a token from another issuer is 401', async () => {
    const token = await channel.sign({ appId: BOT_ID, serviceUrl: connector.serviceUrl, issuer: 'https://evil.example' });
    const { status } = await channel.post(botUrl, activity(), { token });
    expect(status).toBe(401);
  });
});

describe('FakeConnector on its own', () => {
  let ca: TestCa;
  let untrust: () => void;
  let entra: FakeEntra;
  let connector: FakeConnector;
  const activityUrl = (base: string, conversationId: string, activityId = ''): string =>
    `${base}v3/conversations/${encodeURIComponent(conversationId)}/activities${activityId ? `/${encodeURIComponent(activityId)}` : ''}`;

  beforeAll(async () => {
    ca = createTestCa();
    untrust = trustTestCa(ca.caPem);
    entra = await new FakeEntra({ ca }).start();
    entra.registerApp({ clientId: BOT_ID, clientSecret: BOT_SECRET });
    entra.registerApp({ clientId: 'other-app', clientSecret: 'x' });
    connector = await new FakeConnector({ verify: (t) => entra.verify(t, { audience: CONNECTOR_AUDIENCE }), expectedAppId: BOT_ID }).start();
    connector.addMember({ id: '29:user-1', name: 'Ana Lyst', aadObjectId: USER_OID, userPrincipalName: 'analyst@contoso.example', tenantId: TENANT });
  });

  afterAll(async () => {
    await Promise.all([connector.close(), entra.close()]);
    untrust();
  });

  beforeEach(() => connector.clear());

  const appToken = async (clientId: string, secret: string, resource = CONNECTOR_AUDIENCE): Promise<string> =>
    (await new ClientSecretCredential(TENANT, clientId, secret, identityOptions(entra)).getToken(`${resource}/.default`)).token;

  const post = (url: string, body: unknown, token?: string): Promise<Response> =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });

  test('no bearer is 401 and recorded as unauthorized', async () => {
    const res = await post(activityUrl(connector.serviceUrl, 'a:c1'), { type: 'message', text: 'x' });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ message: 'Authorization has been denied for this request.' });
    expect(connector.requests).toEqual([expect.objectContaining({ authorized: false, status: 401, conversationId: 'a:c1' })]);
  });

  test('a valid token for the wrong audience or another app is 401', async () => {
    const graphToken = await appToken(BOT_ID, BOT_SECRET, 'https://graph.microsoft.com');
    const otherApp = await appToken('other-app', 'x');
    expect((await post(activityUrl(connector.serviceUrl, 'a:c1'), { type: 'message' }, graphToken)).status).toBe(401);
    expect((await post(activityUrl(connector.serviceUrl, 'a:c1'), { type: 'message' }, otherApp)).status).toBe(401);
    expect((await post(activityUrl(connector.serviceUrl, 'a:c1'), { type: 'message' }, 'not.a.jwt')).status).toBe(401);
  });

  test('send, update and delete follow the connector contract', async () => {
    const token = await appToken(BOT_ID, BOT_SECRET);
    const sent = await post(activityUrl(connector.serviceUrl, 'a:c1'), { type: 'message', text: 'card' }, token);
    expect(sent.status).toBe(201);
    const { id } = (await sent.json()) as { id: string };
    expect(id).toMatch(/^\d+$/);
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
    const update = await fetch(activityUrl(connector.serviceUrl, 'a:c1', id), { method: 'PUT', headers, body: JSON.stringify({ type: 'message', text: 'done' }) });
    expect(update.status).toBe(200);
    expect(await update.json()).toEqual({ id });
    const unknown = await fetch(activityUrl(connector.serviceUrl, 'a:c1', '999'), { method: 'PUT', headers, body: JSON.stringify({ type: 'message' }) });
    expect(unknown.status).toBe(404);
    expect((await fetch(activityUrl(connector.serviceUrl, 'a:c1', id), { method: 'DELETE', headers })).status).toBe(200);
    const recorded = await connector.waitForCount(4);
    expect(recorded.map((r) => `${r.method} ${r.status}`)).toEqual(['POST 201', 'PUT 200', 'PUT 404', 'DELETE 200']);
  });

  test('members resolve to TeamsChannelAccounts; unknown members are 404', async () => {
    const headers = { authorization: `Bearer ${await appToken(BOT_ID, BOT_SECRET)}` };
    const found = await fetch(`${connector.serviceUrl}v3/conversations/a%3Ac1/members/29%3Auser-1`, { headers });
    expect(found.status).toBe(200);
    expect(await found.json()).toMatchObject({ aadObjectId: USER_OID, userPrincipalName: 'analyst@contoso.example', tenantId: TENANT });
    const missing = await fetch(`${connector.serviceUrl}v3/conversations/a%3Ac1/members/29%3Anobody`, { headers });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'MemberNotFoundInConversation' } });
  });

  test('activities over 40 KB as UTF-16 are 413 MessageSizeTooBig; scripted failures are returned verbatim', async () => {
    const token = await appToken(BOT_ID, BOT_SECRET);
    const big = await post(activityUrl(connector.serviceUrl, 'a:c1'), { type: 'message', text: 'x'.repeat(20 * 1024) }, token);
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ error: { code: 'MessageSizeTooBig' } });
    connector.failNext(429, { error: { code: 'Throttled', message: 'slow down' } }, { 'retry-after': '1' });
    const throttled = await post(activityUrl(connector.serviceUrl, 'a:c1'), { type: 'message', text: 'x' }, token);
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('1');
  });

  test('anonymous mode accepts requests without a bearer, and createConversation returns ids', async () => {
    const local = await new FakeConnector({ anonymous: true }).start();
    try {
      const res = await post(`${local.serviceUrl}v3/conversations`, {
        isGroup: false,
        bot: { id: `28:${BOT_ID}` },
        members: [{ id: '29:user-1' }],
        tenantId: TENANT,
        activity: { type: 'message', text: 'hi' },
      });
      expect(res.status).toBe(201);
      expect(await res.json()).toEqual({ id: expect.stringMatching(/^a:/), activityId: expect.stringMatching(/^\d+$/) });
      expect((await local.waitFor((r) => r.path === '/v3/conversations')).authorized).toBe(true);
    } finally {
      await local.close();
    }
  });
});
