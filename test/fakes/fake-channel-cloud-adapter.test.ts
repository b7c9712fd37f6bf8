import { ClientSecretCredential } from '@azure/identity';
import type { TurnContext } from 'botbuilder';
import { type Activity, CloudAdapter, ConfigurationBotFrameworkAuthentication, MessageFactory, TeamsInfo, type ConversationReference } from 'botbuilder';
import type { ServiceClientCredentialsFactory } from 'botframework-connector';
import * as restify from 'restify';
import { FakeChannel } from './fake-channel';
import { CONNECTOR_AUDIENCE, FakeConnector } from './fake-connector';
import { FakeEntra } from './fake-entra';
import type { TestCa } from './test-ca';
import { createTestCa, trustTestCa } from './test-ca';
import { BOT_ID, BOT_SECRET, identityOptions, TENANT, USER_OID } from './test-identities';

describe('FakeChannel and FakeConnector with the real CloudAdapter', () => {
  let ca: TestCa;
  let untrust: () => void;
  let entra: FakeEntra;
  let channel: FakeChannel;
  let connector: FakeConnector;
  let server: restify.Server;
  let botUrl: string;
  let auth: ConfigurationBotFrameworkAuthentication;
  let adapter: CloudAdapter;
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
    adapter = new CloudAdapter(auth);
    server = restify.createServer();
    server.use(restify.plugins.bodyParser());
    server.post('/api/messages', async (req, res) => {
      await adapter.process(req, res, async (context: TurnContext) => {
        turns.push(context.activity.text);
        await context.sendActivity(`echo: ${context.activity.text}`);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    botUrl = `http://127.0.0.1:${server.address().port}/api/messages`;
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

  describe('a new thread in a channel through TeamsInfo.sendMessageToTeamsChannel', () => {
    const CHANNEL = '19:approvals0123456789abcdef@thread.tacv2';
    const personal = (): Partial<ConversationReference> => ({
      channelId: 'msteams',
      serviceUrl: connector.serviceUrl,
      conversation: { id: 'a:personal-conversation-1', conversationType: 'personal', tenantId: TENANT, isGroup: false, name: '' },
    });
    const postInChannel = async (): Promise<[Partial<ConversationReference>, string]> => {
      let result: [Partial<ConversationReference>, string] | undefined;
      await adapter.continueConversationAsync(BOT_ID, personal(), async (context) => {
        result = await TeamsInfo.sendMessageToTeamsChannel(context, MessageFactory.text('Approval needed') as Activity, CHANNEL, BOT_ID);
      });
      if (!result) throw new Error('sendMessageToTeamsChannel did not return');
      return result;
    };

    test('posts the thread, and the card is then updated in place through the returned reference', async () => {
      const [reference, newActivityId] = await postInChannel();
      const post = await connector.waitForChannelPost(CHANNEL);
      expect(post).toMatchObject({
        status: 201,
        body: expect.objectContaining({ type: 'message', text: 'Approval needed' }),
        conversationParameters: { isGroup: true, channelData: { channel: { id: CHANNEL } } },
        tokenClaims: expect.objectContaining({ aud: CONNECTOR_AUDIENCE, appid: BOT_ID }),
      });
      expect(post.conversationId).toBe(`${CHANNEL};messageid=${post.activityId}`);
      expect(reference.conversation?.id).toBe(post.conversationId);
      // botbuilder 4.23.3 with CloudAdapter hands back the thread's conversation id here, not the activity id.
      expect(newActivityId).toBe(post.conversationId);

      await adapter.continueConversationAsync(BOT_ID, reference, async (context) => {
        await context.updateActivity({ type: 'message', id: post.activityId, text: 'Approved' });
      });
      const update = await connector.waitFor((r) => r.method === 'PUT');
      expect(update).toMatchObject({ conversationId: post.conversationId, activityId: post.activityId, status: 200, body: expect.objectContaining({ text: 'Approved' }) });
    });

    test('a refused channel surfaces as a 403 BotNotInConversationRoster error', async () => {
      connector.refuseChannel(CHANNEL, 403);
      await expect(postInChannel()).rejects.toMatchObject({ statusCode: 403, code: 'BotNotInConversationRoster' });
    });
  });
});
