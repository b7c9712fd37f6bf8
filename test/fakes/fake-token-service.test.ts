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
      type: 'message', id: 'a1', channelId: 'msteams', serviceUrl: 'https://smba.example/', from: { id: '29:user' },
      recipient: { id: `28:${BOT_APP_ID}` }, conversation: { id: 'conv-1' },
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
});
