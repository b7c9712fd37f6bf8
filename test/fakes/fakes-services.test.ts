import { generateKeyPair, jwtVerify, SignJWT, type KeyLike } from 'jose';
import { UserTokenClientImpl } from 'botframework-connector/lib/auth/userTokenClientImpl';
import { FakeDefender } from './fake-defender';
import { FakeGraph } from './fake-graph';
import { FakeTokenService } from './fake-token-service';

const GRAPH = 'https://graph.microsoft.com';
const MDE = 'https://api.securitycenter.microsoft.com';
const BOT_SCOPE = 'https://api.botframework.com';
const BOT_APP_ID = '00000000-0000-0000-0000-00000000b07a';
const SHA1 = '7327b54fd718525cbca07dacde913b5ac3c85673';
const SHA256 = '2233223322332233223322332233223322332233223322332233223322332222';
const GLOBAL_ADMIN = '62e90394-69f5-4237-9190-012177145e10';
const SECURITY_ADMIN = '194ae4cb-b126-40b2-bd5b-6091b380977d';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let privateKey: KeyLike;
let publicKey: KeyLike;

const verify = async (token: string, audience: string): Promise<Record<string, unknown>> =>
  (await jwtVerify(token, publicKey, { audience })).payload as Record<string, unknown>;

function mint(audience: string, claims: Record<string, unknown>): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256' }).setAudience(audience).setIssuedAt().setExpirationTime('1h').sign(privateKey);
}

const analyst = (audience: string, scp: string): Promise<string> =>
  mint(audience, { oid: 'oid-analyst', upn: 'Analyst@contoso.com', name: 'Ana Lyst', tid: 'tenant-1', azp: 'bot-client', scp });

async function call(url: string, token: string | undefined, init: { method?: string; body?: unknown } = {}): Promise<{ status: number; headers: Headers; json: any }> {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(url, { method: init.method ?? 'GET', headers, body: init.body === undefined ? undefined : JSON.stringify(init.body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : undefined };
}

beforeAll(async () => {
  ({ privateKey, publicKey } = await generateKeyPair('RS256'));
});

describe('FakeDefender', () => {
  let defender: FakeDefender;
  let clock: number;
  let filesToken: string;
  let tiToken: string;

  beforeEach(async () => {
    clock = Date.parse('2025-01-01T00:00:00Z');
    defender = new FakeDefender({ verify, now: () => clock, rateLimit: true });
    await defender.start();
    filesToken = await analyst(GRAPH, 'User.Read');
    tiToken = await analyst(MDE, 'Ti.ReadWrite File.Read.All');
  });
  afterEach(() => defender.close());

  it('answers 401 in the documented error shape without a valid bearer', async () => {
    const noToken = await call(`${defender.filesUrl}/fileactions`, undefined);
    const wrongAudience = await call(`${defender.indicatorsUrl}/indicators`, filesToken);
    expect(noToken.status).toBe(401);
    expect(noToken.json.error).toEqual({ code: 'Unauthorized', message: expect.any(String), target: expect.stringMatching(UUID) });
    expect(wrongAudience.status).toBe(401);
    expect(defender.requests.map((r) => r.claims)).toEqual([undefined, undefined]);
  });

  it('blocks with a 201 FileAction whose requestor has a trailing space, lists it, then unblocks', async () => {
    const block = await call(`${defender.filesUrl}/files/${SHA1}/block`, filesToken, { method: 'POST', body: { Comment: 'alert 32123' } });
    expect(block.status).toBe(201);
    expect(block.json).toMatchObject({
      fileIdentifier: SHA1, fileIdentifierType: 'Sha1', actionType: 'Block', fileStatus: 'Blocked',
      requestor: 'Analyst@contoso.com ', requestorComment: 'alert 32123', cancellationDateTimeUtc: null,
    });
    expect(block.json.creationDateTimeUtc).toMatch(/^2025-01-01T00:00:00\.\d{7}Z$/);
    expect(block.json.requestSource).toBe('PublicApi');
    expect(defender.requestsTo('POST', /\/block$/)[0].claims).toMatchObject({ oid: 'oid-analyst', aud: GRAPH, scp: 'User.Read' });

    const listed = await call(`${defender.filesUrl}/fileactions`, filesToken);
    expect(listed.json.value.map((a: { fileIdentifier: string }) => a.fileIdentifier)).toEqual([SHA1]);

    defender.setBlockAnswer('200-empty');
    const unblock = await call(`${defender.filesUrl}/files/${SHA1}/unblock`, filesToken, { method: 'POST', body: { Comment: 'false alarm' } });
    expect(unblock.status).toBe(200);
    expect(unblock.json).toBeUndefined();
    expect((await call(`${defender.filesUrl}/fileactions`, filesToken)).json.value).toEqual([]);
    expect(defender.fileActions().map((a) => a.actionType)).toEqual(['Block', 'UnBlock']);
  });

  it('rejects a lower-case comment key and a non-SHA-1 hash on the legacy API', async () => {
    const lower = await call(`${defender.filesUrl}/files/${SHA1}/block`, filesToken, { method: 'POST', body: { comment: 'x' } });
    const sha256 = await call(`${defender.filesUrl}/files/${SHA256}/block`, filesToken, { method: 'POST', body: { Comment: 'x' } });
    expect([lower.status, lower.json.error.code]).toEqual([400, 'MissingRequiredParameter']);
    expect([sha256.status, sha256.json.error.code]).toEqual([400, 'InvalidHashValue']);
    expect(defender.isBlocked(SHA1)).toBe(false);
  });

  it('submits or updates one indicator per value and type', async () => {
    const body = { indicatorValue: SHA256, indicatorType: 'FileSha256', action: 'Block', title: 't', description: 'd', application: 'bot' };
    const first = await call(`${defender.indicatorsUrl}/indicators`, tiToken, { method: 'POST', body });
    clock += 1000;
    const second = await call(`${defender.indicatorsUrl}/indicators`, tiToken, { method: 'POST', body: { ...body, title: 't2', application: 'other' } });
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ createdBy: 'Analyst@contoso.com', createdByDisplayName: 'Ana Lyst', sourceType: 'User', lastUpdatedBy: null });
    expect(second.json).toMatchObject({ id: first.json.id, title: 't2', application: 'bot', lastUpdatedBy: 'Analyst@contoso.com' });
    expect(second.json.lastUpdateTime).not.toBe(first.json.lastUpdateTime);
    expect(defender.indicators()).toHaveLength(1);
  });

  it('validates indicator fields case-sensitively, hash lengths and Audit', async () => {
    const base = { indicatorValue: SHA1, indicatorType: 'FileSha1', action: 'Block', title: 't', description: 'd' };
    const post = (body: unknown) => call(`${defender.indicatorsUrl}/indicators`, tiToken, { method: 'POST', body });
    const { indicatorValue, ...rest } = base;
    const wrongCase = await post({ ...rest, IndicatorValue: indicatorValue });
    const wrongLength = await post({ ...base, indicatorType: 'FileSha256' });
    const audit = await post({ ...base, action: 'Audit' });
    expect(wrongCase.json.error).toMatchObject({ code: 'MissingRequiredParameter', message: 'Parameter indicatorValue is missing.' });
    expect([wrongLength.status, wrongLength.json.error.code]).toEqual([400, 'InvalidHashValue']);
    expect([audit.status, audit.json.error.code]).toEqual([400, 'InvalidInput']);
    expect(defender.indicators()).toEqual([]);
  });

  it('filters indicators with $filter, $top and $skip', async () => {
    for (const [value, type] of [[SHA1, 'FileSha1'], [SHA256, 'FileSha256'], ['d41d8cd98f00b204e9800998ecf8427e', 'FileMd5']]) {
      defender.seedIndicator({ indicatorValue: value, indicatorType: type, action: 'Block', title: 't', description: 'd' });
    }
    const q = (params: string) => call(`${defender.indicatorsUrl}/indicators?${params}`, tiToken);
    const one = await q(`$filter=${encodeURIComponent(`indicatorValue eq '${SHA256}' and indicatorType eq 'FileSha256'`)}`);
    const none = await q(`$filter=${encodeURIComponent(`indicatorValue eq '${SHA256}' and indicatorType eq 'FileSha1'`)}`);
    const paged = await q('$top=1&$skip=1');
    const bad = await q(`$filter=${encodeURIComponent("indicatorValue eq 'x' xor")}`);
    expect(one.json['@odata.context']).toContain('$metadata#Indicators');
    expect(one.json.value.map((i: { indicatorValue: string }) => i.indicatorValue)).toEqual([SHA256]);
    expect(none.json.value).toEqual([]);
    expect(paged.json.value.map((i: { indicatorType: string }) => i.indicatorType)).toEqual(['FileSha256']);
    expect([bad.status, bad.json.error.code]).toEqual([400, 'ODataError']);
  });

  it('imports per item and rejects batches over 500', async () => {
    const item = (v: string) => ({ indicatorValue: v, indicatorType: 'FileSha1', action: 'Block', title: 't', description: 'd' });
    const tooMany = await call(`${defender.indicatorsUrl}/indicators/import`, tiToken, { method: 'POST', body: { Indicators: Array.from({ length: 501 }, () => item(SHA1)) } });
    const mixed = await call(`${defender.indicatorsUrl}/indicators/import`, tiToken, { method: 'POST', body: { Indicators: [item(SHA1), item('abc')] } });
    expect([tooMany.status, tooMany.json.error.code]).toEqual([400, 'MaximumBatchSizeExceeded']);
    expect(mixed.json.value).toEqual([
      { id: expect.any(String), indicator: SHA1, isFailed: false, failureReason: null },
      { id: null, indicator: 'abc', isFailed: true, failureReason: 'Hash value abc is invalid.' },
    ]);
  });

  it('requires Ti.ReadWrite on the indicators API', async () => {
    const readOnly = await analyst(MDE, 'File.Read.All');
    const res = await call(`${defender.indicatorsUrl}/indicators`, readOnly);
    expect([res.status, res.json.error.code]).toEqual([403, 'Forbidden']);
  });

  it('plays scripted 429s with Retry-After and enforces the import rate limit', async () => {
    defender.failNext(1, { status: 429, retryAfterSec: 7, matcher: (m, p) => m === 'GET' && p.endsWith('/indicators') });
    const throttled = await call(`${defender.indicatorsUrl}/indicators`, tiToken);
    const after = await call(`${defender.indicatorsUrl}/indicators`, tiToken);
    expect([throttled.status, throttled.json.error.code, throttled.headers.get('retry-after')]).toEqual([429, 'TooManyRequests', '7']);
    expect(after.status).toBe(200);

    const imp = () => call(`${defender.indicatorsUrl}/indicators/import`, tiToken, { method: 'POST', body: { Indicators: [] } });
    for (let i = 0; i < 30; i += 1) expect((await imp()).status).toBe(200);
    clock += 20_000;
    const limited = await imp();
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '40']);
    clock += 40_000;
    expect((await imp()).status).toBe(200);
  });

  it('stalls for timeouts and keeps failing with n = Infinity', async () => {
    defender.failNext(1, { delayMs: 2_000 });
    const url = `${defender.indicatorsUrl}/indicators`;
    const init = { headers: { authorization: `Bearer ${tiToken}` }, signal: AbortSignal.timeout(100) };
    await expect(fetch(url, init)).rejects.toThrow();
    defender.failNext(Infinity, { status: 500 });
    const failures = await Promise.all([1, 2, 3].map(() => call(url, tiToken)));
    expect(failures.map((f) => [f.status, f.json.error.code])).toEqual(Array(3).fill([500, 'InternalServerError']));
  });

  it('answers seeded file info and stats in each API’s documented shape, 404 otherwise', async () => {
    defender.seedFile({ sha1: SHA1, sha256: SHA256, globalPrevalence: 5, isPeFile: true, signer: 'Contoso', orgPrevalence: 3, topFileNames: ['evil.exe'] });
    const info = await call(`${defender.indicatorsUrl}/files/${SHA256}`, tiToken);
    const stats = await call(`${defender.indicatorsUrl}/files/${SHA1}/stats?lookBackHours=48`, tiToken);
    const legacyStats = await call(`${defender.filesUrl}/files/${SHA1}/stats`, filesToken);
    const unknown = await call(`${defender.filesUrl}/files/${'0'.repeat(40)}`, filesToken);
    expect(info.json).toMatchObject({ sha1: SHA1, globalPrevalence: 5, isPeFile: true, signer: 'Contoso' });
    expect(info.json.topFileNames).toBeUndefined();
    expect(stats.json).toMatchObject({ organizationPrevalence: 3, globallyPrevalence: 5, topFileNames: ['evil.exe'] });
    expect(legacyStats.json).toMatchObject({ orgPrevalence: '3', topFileNames: ['evil.exe'] });
    expect([unknown.status, unknown.json.error.code]).toEqual([404, 'NotFound']);
  });
});

describe('FakeGraph', () => {
  let graph: FakeGraph;
  const rolesUrl = () => `${graph.url}/v1.0/me/transitiveMemberOf/microsoft.graph.directoryRole`;

  beforeEach(async () => {
    graph = new FakeGraph({ verify, pageSize: 1 });
    await graph.start();
  });
  afterEach(() => graph.close());

  it('pages the caller’s directory roles by oid, with nextLink back to the fake', async () => {
    graph.setRoles('oid-analyst', [GLOBAL_ADMIN, SECURITY_ADMIN]);
    graph.setRoles('oid-other', []);
    const token = await analyst(GRAPH, 'User.Read');
    const page1 = await call(rolesUrl(), token);
    const page2 = await call(page1.json['@odata.nextLink'], token);
    expect(page1.json.value).toEqual([
      expect.objectContaining({ '@odata.type': '#microsoft.graph.directoryRole', displayName: 'Global Administrator', roleTemplateId: GLOBAL_ADMIN }),
    ]);
    expect(page1.json['@odata.nextLink'].startsWith(graph.url)).toBe(true);
    expect(page2.json.value.map((r: { roleTemplateId: string }) => r.roleTemplateId)).toEqual([SECURITY_ADMIN]);
    expect(page2.json['@odata.nextLink']).toBeUndefined();
    expect(page2.json.value[0].id).toMatch(UUID);
    expect(page2.json.value[0].id).not.toBe(SECURITY_ADMIN);
    expect(graph.requests.map((r) => r.claims?.oid)).toEqual(['oid-analyst', 'oid-analyst']);
  });

  it('fails in Graph’s error shape and refuses app-only tokens on /me', async () => {
    const token = await analyst(GRAPH, 'User.Read');
    graph.failNext(1, 503);
    const unavailable = await call(rolesUrl(), token);
    const appOnly = await call(rolesUrl(), await mint(GRAPH, { oid: 'app-sp', roles: ['Directory.Read.All'] }));
    const noBearer = await call(rolesUrl(), undefined);
    expect(unavailable.status).toBe(503);
    expect(unavailable.json.error).toMatchObject({ code: 'serviceNotAvailable', innerError: { 'request-id': expect.stringMatching(UUID) } });
    expect([appOnly.status, appOnly.json.error.code]).toEqual([400, 'BadRequest']);
    expect([noBearer.status, noBearer.json.error.code]).toEqual([401, 'InvalidAuthenticationToken']);
  });
});

describe('FakeTokenService', () => {
  let service: FakeTokenService;
  let client: UserTokenClientImpl;
  let botToken: string;

  beforeEach(async () => {
    service = new FakeTokenService({ verify, botAppId: BOT_APP_ID });
    await service.start();
    botToken = await mint(BOT_SCOPE, { appid: BOT_APP_ID, tid: 'botframework.com' });
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
    const none = await call(url, undefined);
    const otherApp = await call(url, await mint(BOT_SCOPE, { appid: 'someone-else' }));
    expect([none.status, otherApp.status]).toEqual([401, 401]);
  });
});
