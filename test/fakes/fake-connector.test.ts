import { ClientSecretCredential } from '@azure/identity';
import { CONNECTOR_AUDIENCE, FakeConnector } from './fake-connector';
import { FakeEntra } from './fake-entra';
import type { TestCa } from './test-ca';
import { createTestCa, trustTestCa } from './test-ca';
import { BOT_ID, BOT_SECRET, identityOptions, TENANT, USER_OID } from './test-identities';

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
