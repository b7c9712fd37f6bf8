import { FakeDefender } from './fake-defender';
import { callJson } from './http-json';
import { analystToken, createTestSigner, type TestSigner } from './test-signer';

const MDE = 'https://api.securitycenter.microsoft.com';
const SHA1 = '7327b54fd718525cbca07dacde913b5ac3c85673';
const SHA256 = '2233223322332233223322332233223322332233223322332233223322332222';
const FIN = 'a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2';
const LNX = 'c1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2';

describe('FakeDefender: devices, stop & quarantine and machine actions', () => {
  let signer: TestSigner;
  let defender: FakeDefender;
  let clock: number;
  let token: string;

  beforeAll(async () => {
    signer = await createTestSigner();
  });

  beforeEach(async () => {
    clock = Date.parse('2025-01-01T00:00:00Z');
    defender = new FakeDefender({ verify: signer.verify, now: () => clock, rateLimit: { perMinute: 3 } });
    await defender.start();
    token = await analystToken(signer, MDE, 'Machine.Read Machine.StopAndQuarantine File.Read.All');
    defender.seedDevices({ sha1: SHA1, sha256: SHA256 }, [
      { id: FIN, computerDnsName: 'FIN-LT-042', osPlatform: 'Windows11', lastSeen: '2024-12-31T10:00:00Z' },
      { id: LNX, computerDnsName: 'BUILD-LNX-001', osPlatform: 'Linux' },
    ]);
  });
  afterEach(() => defender.close());

  const post = (machineId: string, body: unknown, bearer = token) =>
    callJson(`${defender.indicatorsUrl}/machines/${machineId}/StopAndQuarantineFile`, bearer, { method: 'POST', body });

  it('resolves a SHA-256 to its SHA-1 and lists the devices by SHA-1 only; an unknown file is an empty list', async () => {
    const file = await callJson(`${defender.indicatorsUrl}/files/${SHA256}`, token);
    expect([file.status, file.json.sha1]).toEqual([200, SHA1]);
    const listed = await callJson(`${defender.indicatorsUrl}/files/${SHA1}/machines`, token);
    expect(listed.status).toBe(200);
    expect(listed.json.value.map((m: { id: string; computerDnsName: string }) => [m.id, m.computerDnsName])).toEqual([
      [FIN, 'FIN-LT-042'],
      [LNX, 'BUILD-LNX-001'],
    ]);
    expect((await callJson(`${defender.indicatorsUrl}/files/${'f'.repeat(40)}/machines`, token)).json.value).toEqual([]);
    expect((await callJson(`${defender.indicatorsUrl}/files/${SHA256}/machines`, token)).json.error.code).toBe('InvalidHashValue');
  });

  it('takes Comment and Sha1 case-sensitively and records the caller with the action', async () => {
    expect((await post(FIN, { comment: 'x', sha1: SHA1 })).json.error).toMatchObject({ code: 'MissingRequiredParameter', message: 'Parameter Comment is missing.' });
    expect((await post(FIN, { Comment: 'x', Sha1: 'abc' })).json.error.code).toBe('InvalidHashValue');
    const made = await post(FIN, { Comment: 'dropper', Sha1: SHA1 });
    expect(made.status).toBe(201);
    expect(made.json).toMatchObject({ type: 'StopAndQuarantineFile', status: 'Pending', machineId: FIN, requestor: 'Analyst@contoso.com', requestorComment: 'dropper' });
    expect(made.json.relatedFileInfo).toEqual({ fileIdentifier: SHA1, fileIdentifierType: 'Sha1' });
    expect(defender.requestsTo('POST', /StopAndQuarantineFile$/).map((r) => r.claims?.oid)).toEqual(['oid-analyst', 'oid-analyst', 'oid-analyst']);
  });

  it('answers the documented refusals: busy device, non-Windows, outside the device groups, unknown device, missing permission', async () => {
    await post(FIN, { Comment: 'c', Sha1: SHA1 });
    expect((await post(FIN, { Comment: 'c', Sha1: SHA1 })).json.error).toMatchObject({ code: 'ActiveRequestAlreadyExists', message: 'Action is already in progress' });
    expect((await post(LNX, { Comment: 'c', Sha1: SHA1 })).json.error.code).toBe('OsPlatformNotSupported');
    clock += 60_000;
    defender.setDeviceRefusal(LNX, 'outside-groups');
    const outside = await post(LNX, { Comment: 'c', Sha1: SHA1 });
    expect([outside.status, outside.json.error.code]).toEqual([403, 'Forbidden']);
    expect((await post('0'.repeat(40), { Comment: 'c', Sha1: SHA1 })).status).toBe(404);
    const reader = await analystToken(signer, MDE, 'Machine.Read');
    const denied = await post(FIN, { Comment: 'c', Sha1: SHA1 }, reader);
    expect([denied.status, denied.json.error.message]).toEqual([403, 'The token lacks any of the required permissions (Machine.StopAndQuarantine).']);
  });

  it('limits each route per minute with Retry-After, and scripts 429s', async () => {
    defender.throttleStopAndQuarantine(1, 9);
    const throttled = await post(FIN, { Comment: 'c', Sha1: SHA1 });
    expect([throttled.status, throttled.headers.get('retry-after')]).toEqual([429, '9']);
    for (let i = 0; i < 3; i++) expect((await callJson(`${defender.indicatorsUrl}/files/${SHA1}/machines`, token)).status).toBe(200);
    const limited = await callJson(`${defender.indicatorsUrl}/files/${SHA1}/machines`, token);
    expect([limited.status, limited.json.error.code, limited.headers.get('retry-after')]).toEqual([429, 'TooManyRequests', '60']);
    expect((await post(FIN, { Comment: 'c', Sha1: SHA1 })).status).toBe(201);
  });

  it('moves an action by script or by hand, in either spelling of the update time, and waits for requests', async () => {
    defender.setUpdateTimeField('lastUpdateTimeUtc');
    defender.scriptMachineAction(FIN, ['InProgress', 'Failed']);
    const waiting = defender.waitForRequests('GET', /^\/api\/machineactions\//, 3);
    const { json: made } = await post(FIN, { Comment: 'c', Sha1: SHA1 });
    const read = async () => (await callJson(`${defender.indicatorsUrl}/machineactions/${made.id}`, token)).json;
    clock += 5_000;
    const first = await read();
    expect([first.status, first.lastUpdateTimeUtc, first.lastUpdateDateTimeUtc]).toEqual(['InProgress', '2025-01-01T00:00:05.0000000Z', undefined]);
    expect((await read()).status).toBe('Failed');
    defender.setMachineActionStatus(made.id, 'Cancelled');
    expect((await read()).status).toBe('Cancelled');
    expect((await waiting).map((r) => r.status)).toEqual([200, 200, 200]);
    clock += 60_000;
    expect((await callJson(`${defender.indicatorsUrl}/machineactions/unknown`, token)).status).toBe(404);
    expect(defender.machineActions().map((a) => a.status)).toEqual(['Cancelled']);
  });
});
