import { FakeDefender } from './fake-defender';
import { callJson } from './http-json';
import { analystToken, createTestSigner, type TestSigner } from './test-signer';

const GRAPH = 'https://graph.microsoft.com';
const MDE = 'https://api.securitycenter.microsoft.com';
const SHA1 = '7327b54fd718525cbca07dacde913b5ac3c85673';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SHA256 = '2233223322332233223322332233223322332233223322332233223322332222';

describe('FakeDefender: the legacy files API and the file lookups', () => {
  let signer: TestSigner;
  let defender: FakeDefender;
  let clock: number;
  let filesToken: string;
  let tiToken: string;

  beforeAll(async () => {
    signer = await createTestSigner();
  });

  beforeEach(async () => {
    clock = Date.parse('2025-01-01T00:00:00Z');
    defender = new FakeDefender({ verify: signer.verify, now: () => clock, rateLimit: true });
    await defender.start();
    filesToken = await analystToken(signer, GRAPH, 'User.Read');
    tiToken = await analystToken(signer, MDE, 'Ti.ReadWrite File.Read.All');
  });
  afterEach(() => defender.close());

  it('answers 401 in the documented error shape without a valid bearer', async () => {
    const noToken = await callJson(`${defender.filesUrl}/fileactions`, undefined);
    const wrongAudience = await callJson(`${defender.indicatorsUrl}/indicators`, filesToken);
    expect(noToken.status).toBe(401);
    expect(noToken.json.error).toEqual({ code: 'Unauthorized', message: expect.any(String), target: expect.stringMatching(UUID) });
    expect(wrongAudience.status).toBe(401);
    expect(defender.requests.map((r) => r.claims)).toEqual([undefined, undefined]);
  });

  it('blocks with a 201 FileAction whose requestor has a trailing space, lists it, then unblocks', async () => {
    const block = await callJson(`${defender.filesUrl}/files/${SHA1}/block`, filesToken, { method: 'POST', body: { Comment: 'alert 32123' } });
    expect(block.status).toBe(201);
    expect(block.json).toMatchObject({
      fileIdentifier: SHA1,
      fileIdentifierType: 'Sha1',
      actionType: 'Block',
      fileStatus: 'Blocked',
      requestor: 'Analyst@contoso.com ',
      requestorComment: 'alert 32123',
      cancellationDateTimeUtc: null,
    });
    expect(block.json.creationDateTimeUtc).toMatch(/^2025-01-01T00:00:00\.\d{7}Z$/);
    expect(block.json.requestSource).toBe('PublicApi');
    expect(defender.requestsTo('POST', /\/block$/)[0].claims).toMatchObject({ oid: 'oid-analyst', aud: GRAPH, scp: 'User.Read' });

    const listed = await callJson(`${defender.filesUrl}/fileactions`, filesToken);
    expect(listed.json.value.map((a: { fileIdentifier: string }) => a.fileIdentifier)).toEqual([SHA1]);

    defender.setBlockAnswer('200-empty');
    const unblock = await callJson(`${defender.filesUrl}/files/${SHA1}/unblock`, filesToken, { method: 'POST', body: { Comment: 'false alarm' } });
    expect(unblock.status).toBe(200);
    expect(unblock.json).toBeUndefined();
    expect((await callJson(`${defender.filesUrl}/fileactions`, filesToken)).json.value).toEqual([]);
    expect(defender.fileActions().map((a) => a.actionType)).toEqual(['Block', 'UnBlock']);
  });

  it('rejects a lower-case comment key and a non-SHA-1 hash on the legacy API', async () => {
    const lower = await callJson(`${defender.filesUrl}/files/${SHA1}/block`, filesToken, { method: 'POST', body: { comment: 'x' } });
    const sha256 = await callJson(`${defender.filesUrl}/files/${SHA256}/block`, filesToken, { method: 'POST', body: { Comment: 'x' } });
    expect([lower.status, lower.json.error.code]).toEqual([400, 'MissingRequiredParameter']);
    expect([sha256.status, sha256.json.error.code]).toEqual([400, 'InvalidHashValue']);
    expect(defender.isBlocked(SHA1)).toBe(false);
  });

  it('answers seeded file info and stats in each API’s documented shape, 404 otherwise', async () => {
    defender.seedFile({ sha1: SHA1, sha256: SHA256, globalPrevalence: 5, isPeFile: true, signer: 'Contoso', orgPrevalence: 3, topFileNames: ['evil.exe'] });
    const info = await callJson(`${defender.indicatorsUrl}/files/${SHA256}`, tiToken);
    const stats = await callJson(`${defender.indicatorsUrl}/files/${SHA1}/stats?lookBackHours=48`, tiToken);
    const legacyStats = await callJson(`${defender.filesUrl}/files/${SHA1}/stats`, filesToken);
    const unknown = await callJson(`${defender.filesUrl}/files/${'0'.repeat(40)}`, filesToken);
    expect(info.json).toMatchObject({ sha1: SHA1, globalPrevalence: 5, isPeFile: true, signer: 'Contoso' });
    expect(info.json.topFileNames).toBeUndefined();
    expect(stats.json).toMatchObject({ organizationPrevalence: 3, globallyPrevalence: 5, topFileNames: ['evil.exe'] });
    expect(legacyStats.json).toMatchObject({ orgPrevalence: '3', topFileNames: ['evil.exe'] });
    expect([unknown.status, unknown.json.error.code]).toEqual([404, 'NotFound']);
  });
});
