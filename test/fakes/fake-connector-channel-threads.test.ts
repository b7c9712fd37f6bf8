import { ClientSecretCredential } from '@azure/identity';
import { CONNECTOR_AUDIENCE, FakeConnector } from './fake-connector';
import { FakeEntra } from './fake-entra';
import { callJson } from './http-json';
import type { TestCa } from './test-ca';
import { createTestCa, trustTestCa } from './test-ca';
import { BOT_ID, BOT_SECRET, identityOptions, TENANT } from './test-identities';

const CHANNEL = '19:LydFnezGKSkhYoiLNP6kZ8AuXQr36EDAkvG9CNJSPKc1@thread.tacv2';
const OTHER_CHANNEL = '19:0f1e2d3c4b5a69788796a5b4c3d2e1f0@thread.tacv2';

describe('FakeConnector: new threads in a Teams channel (Create Conversation)', () => {
  let ca: TestCa;
  let untrust: () => void;
  let entra: FakeEntra;
  let connector: FakeConnector;
  let token: string;

  const createUrl = (): string => `${connector.serviceUrl}v3/conversations`;
  const activitiesUrl = (conversationId: string, activityId = ''): string =>
    `${connector.serviceUrl}v3/conversations/${encodeURIComponent(conversationId)}/activities${activityId ? `/${encodeURIComponent(activityId)}` : ''}`;
  const threadParameters = (channelId = CHANNEL, activity: unknown = { type: 'message', text: 'Approval needed' }): Record<string, unknown> => ({
    isGroup: true,
    channelData: { channel: { id: channelId }, tenant: { id: TENANT } },
    activity,
    bot: { id: `28:${BOT_ID}`, name: 'Defender Block Bot' },
    tenantId: TENANT,
  });

  beforeAll(async () => {
    ca = createTestCa();
    untrust = trustTestCa(ca.caPem);
    entra = await new FakeEntra({ ca }).start();
    entra.registerApp({ clientId: BOT_ID, clientSecret: BOT_SECRET });
    connector = await new FakeConnector({ verify: (t) => entra.verify(t, { audience: CONNECTOR_AUDIENCE }), expectedAppId: BOT_ID }).start();
    const credential = new ClientSecretCredential(TENANT, BOT_ID, BOT_SECRET, identityOptions(entra));
    token = (await credential.getToken(`${CONNECTOR_AUDIENCE}/.default`)).token;
  });

  afterAll(async () => {
    await Promise.all([connector.close(), entra.close()]);
    untrust();
  });

  beforeEach(() => connector.clear());

  test('answers 201 {id: "<channel>;messageid=<id>", activityId} and records the posted activity under the new thread', async () => {
    const waiting = connector.waitForChannelPost(CHANNEL);
    const created = await callJson(createUrl(), token, { method: 'POST', body: threadParameters() });
    expect(created.status).toBe(201);
    expect(created.json).toEqual({ id: `${CHANNEL};messageid=${created.json.activityId}`, activityId: expect.stringMatching(/^\d+$/) });
    const post = await waiting;
    expect(post).toMatchObject({
      method: 'POST',
      path: '/v3/conversations',
      channelId: CHANNEL,
      conversationId: created.json.id,
      activityId: created.json.activityId,
      body: { type: 'message', text: 'Approval needed' },
      conversationParameters: threadParameters(),
      authorized: true,
      status: 201,
      response: created.json,
    });
  });

  test('the root activity can then be updated in place, addressed by the thread or by the channel', async () => {
    const { json: created } = await callJson(createUrl(), token, { method: 'POST', body: threadParameters() });
    const byThread = await callJson(activitiesUrl(created.id, created.activityId), token, { method: 'PUT', body: { type: 'message', text: 'Approved' } });
    const byChannel = await callJson(activitiesUrl(CHANNEL, created.activityId), token, { method: 'PUT', body: { type: 'message', text: 'Approved' } });
    const elsewhere = await callJson(activitiesUrl(OTHER_CHANNEL, created.activityId), token, { method: 'PUT', body: { type: 'message' } });
    expect([byThread.status, byThread.json]).toEqual([200, { id: created.activityId }]);
    expect([byChannel.status, byChannel.json]).toEqual([200, { id: created.activityId }]);
    expect([elsewhere.status, elsewhere.json.error.code]).toEqual([404, 'ActivityNotFoundInConversation']);
    const update = await connector.waitFor((r) => r.method === 'PUT' && r.conversationId === created.id);
    expect(update).toMatchObject({ activityId: created.activityId, body: { text: 'Approved' }, status: 200 });
  });

  test('a refused channel answers the documented 403 and 404, for new threads and for its existing threads', async () => {
    const { json: thread } = await callJson(createUrl(), token, { method: 'POST', body: threadParameters() });
    connector.refuseChannel(CHANNEL, 403);
    connector.refuseChannel(OTHER_CHANNEL, 404);
    const removed = await callJson(createUrl(), token, { method: 'POST', body: threadParameters() });
    const reply = await callJson(activitiesUrl(thread.id), token, { method: 'POST', body: { type: 'message', text: 'x' } });
    const update = await callJson(activitiesUrl(thread.id, thread.activityId), token, { method: 'PUT', body: { type: 'message' } });
    const gone = await callJson(createUrl(), token, { method: 'POST', body: threadParameters(OTHER_CHANNEL) });
    const forbidden = { error: { code: 'BotNotInConversationRoster', message: 'The bot is not part of the conversation roster.' } };
    expect([removed.status, removed.json]).toEqual([403, forbidden]);
    expect([reply.status, reply.json]).toEqual([403, forbidden]);
    expect([update.status, update.json]).toEqual([403, forbidden]);
    expect([gone.status, gone.json]).toEqual([404, { error: { code: 'ConversationNotFound', message: 'Conversation not found.' } }]);
    expect(connector.requests.filter((r) => r.path === '/v3/conversations').map((r) => [r.channelId, r.status, r.conversationId])).toEqual([
      [CHANNEL, 201, thread.id],
      [CHANNEL, 403, undefined],
      [OTHER_CHANNEL, 404, undefined],
    ]);
    await expect(connector.waitForChannelPost(OTHER_CHANNEL, 50)).rejects.toThrow(/new thread in channel/);

    connector.admitChannel(CHANNEL);
    expect((await callJson(createUrl(), token, { method: 'POST', body: threadParameters() })).status).toBe(201);
    connector.clear();
    expect((await callJson(createUrl(), token, { method: 'POST', body: threadParameters(OTHER_CHANNEL) })).status).toBe(201);
  });

  test('a thread needs its activity and a group chat cannot be created (400 BadSyntax); an activity over 40 KB is 413', async () => {
    const badSyntax = { error: { code: 'BadSyntax', message: 'Incorrect conversation creation parameters' } };
    const noActivity = await callJson(createUrl(), token, { method: 'POST', body: { ...threadParameters(), activity: undefined } });
    const groupChat = await callJson(createUrl(), token, { method: 'POST', body: { isGroup: true, members: [{ id: '29:a' }, { id: '29:b' }], tenantId: TENANT } });
    const notGroup = await callJson(createUrl(), token, { method: 'POST', body: { ...threadParameters(), isGroup: false } });
    const tooBig = await callJson(createUrl(), token, { method: 'POST', body: threadParameters(CHANNEL, { type: 'message', text: 'x'.repeat(20 * 1024) }) });
    expect([noActivity.status, noActivity.json]).toEqual([400, badSyntax]);
    expect([groupChat.status, groupChat.json]).toEqual([400, badSyntax]);
    expect([notGroup.status, notGroup.json]).toEqual([400, badSyntax]);
    expect([tooBig.status, tooBig.json.error.code]).toEqual([413, 'MessageSizeTooBig']);
  });

  test('without a bot token it is 401, recorded with the channel but no thread', async () => {
    const res = await callJson(createUrl(), undefined, { method: 'POST', body: threadParameters() });
    expect([res.status, res.json]).toEqual([401, { message: 'Authorization has been denied for this request.' }]);
    expect(connector.requests).toEqual([expect.objectContaining({ authorized: false, status: 401, channelId: CHANNEL, conversationId: undefined })]);
  });
});
