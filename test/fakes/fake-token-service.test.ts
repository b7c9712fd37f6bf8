import { UserTokenClientImpl } from 'botframework-connector/lib/auth/userTokenClientImpl';
import { FakeTokenService } from './fake-token-service';
import { callJson } from './http-json';
import { createTestSigner, type TestSigner } from './test-signer';

const BOT_SCOPE = 'https://api.botframework.com';
const BOT_APP_ID = '00000000-0000-0000-0000-00000000b07a';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let signer: TestSigner;

beforeAll(async () => {
  signer = await createTestSigner();
});

describe('FakeTokenService', () => {
  let service: FakeTokenService;
  let client: UserTokenClientImpl;
  let botToken: string;

  beforeEach(async () => {
    service = new FakeTokenService({ verify: signer.verify, botAppId: BOT_APP_ID });
    await service.start();
    botToken = await signer.mint(BOT_SCOPE, { appid: BOT_APP_ID, tid: 'botframework.com' });
    const credentials = {
      signRequest: async (resource: { headers: { set(name: string, value: string): void } }) => {
        resource.headers.set('authorization', `Bearer ${botToken}`);
        return resource;
      },
    } as unknown as ConstructorParameters<typeof UserTokenClientImpl>[1];
    client = new UserTokenClientImpl(BOT_APP_ID, credentials, service.url);
  });
  afterEach(() => service.close());

  it('GetToken answers 404 before grantToken and the TokenResponse after, through botbuilder’s client', async () => {
    const before = await client.getUserToken('29:user', 'aad', 'msteams', undefined as unknown as string);
    service.grantToken('29:user', 'aad', 'user-token');
    const after = await client.getUserToken('29:user', 'aad', 'msteams', undefined as unknown as string);
    expect(before).toBeUndefined();
    expect(after).toMatchObject({ channelId: 'msteams', connectionName: 'aad', token: 'user-token' });
    expect(service.requestsTo('GET', /GetToken$/).map((r) => r.status)).toEqual([404, 200]);
    expect(service.requests[0].claims).toMatchObject({ appid: BOT_APP_ID, aud: BOT_SCOPE });
  });

  it('exchanges only allowed SSO tokens and honours magic codes', async () => {
    service.allowExchange({ 'sso-ok': 'user-token' });
    const refused = await client.exchangeToken('29:user', 'aad', 'msteams', { token: 'sso-bad' });
    const exchanged = await client.exchangeToken('29:user', 'aad', 'msteams', { token: 'sso-ok' });
    expect(refused.token).toBeUndefined();
    expect(service.requestsTo('POST', /exchange$/)[0].status).toBe(400);
    expect(exchanged.token).toBe('user-token');
    expect(service.tokenOf('29:user', 'aad')).toBe('user-token');

    service.magicCode('29:other', 'aad', '123456', 'magic-token');
    expect(await client.getUserToken('29:other', 'aad', 'msteams', '000000')).toBeUndefined();
    expect((await client.getUserToken('29:other', 'aad', 'msteams', '123456')).token).toBe('magic-token');
  });

  it('decodes the sign-in state, offers the exchange resource, and records sign-out', async () => {
    const activity = {
      type: 'message',
      id: 'a1',
      channelId: 'msteams',
      serviceUrl: 'https://smba.example/',
      from: { id: '29:user' },
      recipient: { id: `28:${BOT_APP_ID}` },
      conversation: { id: 'conv-1' },
    };
    const resource = await client.getSignInResource('aad', activity as never, 'https://final.example');
    expect(resource.signInLink?.startsWith(`${service.url}/api/oauth/signin?signin=`)).toBe(true);
    expect(resource.tokenExchangeResource).toMatchObject({ uri: `api://${BOT_APP_ID}`, id: expect.stringMatching(UUID) });
    expect(service.signInStates[0].state).toMatchObject({ connectionName: 'aad', msAppId: BOT_APP_ID, conversation: { conversation: { id: 'conv-1' } } });

    service.grantToken('29:user', 'aad', 'user-token');
    await client.signOutUser('29:user', 'aad', 'msteams');
    expect(service.signedOut('29:user')).toBe(true);
    expect(service.tokenOf('29:user', 'aad')).toBeUndefined();
  });

  it('answers 401 without a bearer or with another app’s token', async () => {
    const url = `${service.url}/api/usertoken/GetToken?userId=u&connectionName=aad&channelId=msteams`;
    const none = await callJson(url, undefined);
    const otherApp = await callJson(url, await signer.mint(BOT_SCOPE, { appid: 'someone-else' }));
    expect([none.status, otherApp.status]).toEqual([401, 401]);
  });

  describe('signed in with another account, sign-outs and outages', () => {
    const getToken = (userId: string, code?: string) =>
      callJson(`${service.url}/api/usertoken/GetToken?${new URLSearchParams({ userId, connectionName: 'aad', channelId: 'msteams', ...(code ? { code } : {}) })}`, botToken);

    beforeEach(() => {
      service.grantToken('29:ana', 'aad', 'ana-token');
      service.grantToken('29:mo', 'aad', 'mo-token');
    });

    it('hands one user’s token out for another on a plain lookup, until that user signs out', async () => {
      service.signInWithAccountOf({ user: '29:mo', account: '29:ana' });
      const mixedUp = await getToken('29:mo');
      expect(mixedUp.status).toBe(200);
      expect(mixedUp.json).toEqual({ channelId: 'msteams', connectionName: 'aad', token: 'ana-token', expiration: expect.any(String) });
      expect((await client.getUserToken('29:mo', 'aad', 'msteams', undefined as unknown as string)).token).toBe('ana-token');

      await client.signOutUser('29:mo', 'aad', 'msteams');
      expect(service.signOuts).toEqual([{ userId: '29:mo', connectionName: 'aad', channelId: 'msteams', tokens: ['ana-token'], at: expect.any(Number) }]);
      expect([service.wasSignedOut('ana-token'), service.wasSignedOut('mo-token')]).toEqual([true, false]);
      expect((await getToken('29:mo')).status).toBe(404);
      expect((await getToken('29:ana')).json.token).toBe('ana-token');
    });

    it('hands it out for a typed magic code only, once', async () => {
      service.signInWithAccountOf({ user: '29:mo', account: '29:ana', connectionName: 'aad', magicCode: '482913' });
      const wrongCode = await getToken('29:mo', '000000');
      const typed = await client.getUserToken('29:mo', 'aad', 'msteams', '482913');
      const again = await getToken('29:mo', '482913');
      expect(wrongCode.status).toBe(404);
      expect(typed).toMatchObject({ connectionName: 'aad', token: 'ana-token' });
      expect(again.status).toBe(404);
      expect((await getToken('29:mo')).json.token).toBe('ana-token');
      expect(service.requestsTo('GET', /GetToken$/).map((r) => [r.query.code, r.status])).toEqual([
        ['000000', 404],
        ['482913', 200],
        ['482913', 404],
        [undefined, 200],
      ]);
    });

    it('records a sign-out of every connection without a connection name', async () => {
      const res = await callJson(`${service.url}/api/usertoken/SignOut?userId=${encodeURIComponent('29:mo')}&channelId=msteams`, botToken, { method: 'DELETE' });
      expect(res.status).toBe(200);
      expect(service.signOuts).toEqual([expect.objectContaining({ userId: '29:mo', connectionName: undefined, tokens: ['mo-token'] })]);
      expect(service.signedOut('29:mo', 'aad')).toBe(true);
      service.clear();
      expect(service.signOuts).toEqual([]);
    });

    it('answers 5xx in the ErrorResponse shape during an outage, which ends by itself or on endOutage', async () => {
      service.startOutage(503, { forMs: 1_000, retryAfterSec: 1 });
      const down = await getToken('29:ana');
      expect([down.status, down.headers.get('retry-after')]).toEqual([503, '1']);
      expect(down.json).toEqual({ error: { code: 'ServiceError', message: 'The service is temporarily unavailable.' } });
      expect((await callJson(`${service.url}/api/usertoken/GetToken?userId=u&connectionName=aad`, undefined)).status).toBe(401);
      await new Promise((resolve) => setTimeout(resolve, 1_050));
      expect((await getToken('29:ana')).status).toBe(200);

      service.clear();
      service.startOutage(503, { retryAfterSec: 1, matcher: (method) => method === 'GET' });
      const lookup = client.getUserToken('29:ana', 'aad', 'msteams', undefined as unknown as string);
      while (service.requests[0]?.status !== 503) await new Promise((resolve) => setTimeout(resolve, 10));
      await client.signOutUser('29:mo', 'aad', 'msteams');
      service.endOutage();
      // botbuilder's token client retries a 503 after its Retry-After, by which time this outage is over.
      expect((await lookup).token).toBe('ana-token');
      expect(service.requests.map((r) => `${r.method} ${r.status}`)).toEqual(['GET 503', 'DELETE 200', 'GET 200']);
      expect(service.signOuts.map((s) => s.userId)).toEqual(['29:mo']);
    });
  });
});
