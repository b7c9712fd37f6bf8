import { ContainmentBudget, unbudgetedLimiter } from '../../src/defender/containment-budget';
import { createContainmentApi } from '../../src/defender/containment-factory';
import { HttpContainmentApi } from '../../src/defender/containment-http';
import { SimulatedContainment } from '../../src/defender/simulated-containment';
import { DefenderError } from '../../src/errors';
import type { TokenSource } from '../../src/domain/ports';
import { startDefenderKit, type DefenderKit } from '../fakes/fake-defender-kit';

const SHA1 = '7327b54fd718525cbca07dacde913b5ac3c85673';
const SHA256 = '2233223322332233223322332233223322332233223322332233223322332222';
const MD5 = 'd41d8cd98f00b204e9800998ecf8427e';
const FAKE_NOW = Date.parse('2025-03-01T09:00:00Z');
const FULL = 'Machine.Read Machine.StopAndQuarantine File.Read.All';
const DEVICES = [
  { id: 'a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2', computerDnsName: 'FIN-LT-042.contoso.com', osPlatform: 'Windows11', lastSeen: '2025-02-28T17:01:02.3Z' },
  { id: 'b1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2', computerDnsName: 'HR-LT-007.contoso.com', osPlatform: 'Windows10', lastSeen: '2025-02-27T08:00:00Z' },
  { id: 'c1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2', computerDnsName: 'ENG-SRV-003', osPlatform: 'Linux', lastSeen: '2025-02-26T08:00:00Z' },
];
const [FIN, HR, ENG] = DEVICES.map((d) => d.id);

describe('HttpContainmentApi against the fake Defender', () => {
  let kit: DefenderKit;
  let api: HttpContainmentApi;
  let token: TokenSource;

  beforeAll(async () => {
    kit = await startDefenderKit({ now: () => FAKE_NOW });
    token = kit.token(FULL);
    api = new HttpContainmentApi(kit.fake.indicatorsUrl, kit.http(unbudgetedLimiter()));
  });
  afterAll(() => kit.close());
  beforeEach(() => {
    kit.fake.reset();
    kit.retrySleeps.length = 0;
    kit.fake.seedDevices({ sha1: SHA1, sha256: SHA256, md5: MD5 }, DEVICES);
  });

  describe('resolveSha1', () => {
    it('returns a SHA-1 as it is, without asking Defender', async () => {
      await expect(api.resolveSha1({ value: SHA1, type: 'Sha1' }, token)).resolves.toBe(SHA1);
      expect(kit.fake.requests).toHaveLength(0);
    });

    it.each([
      ['SHA-256', SHA256, 'Sha256'],
      ['MD5', MD5, 'Md5'],
    ] as const)('resolves a %s through GET /files/{hash} with the analyst token', async (_name, value, type) => {
      await expect(api.resolveSha1({ value, type }, token)).resolves.toBe(SHA1);
      const [call] = kit.fake.requests;
      expect([call.method, call.path, call.status]).toEqual(['GET', `/api/files/${value}`, 200]);
      expect(call.claims).toMatchObject({ upn: 'Ana@contoso.com', scp: FULL });
    });

    it('answers undefined for a file Defender does not know (404)', async () => {
      await expect(api.resolveSha1({ value: 'ab'.repeat(32), type: 'Sha256' }, token)).resolves.toBeUndefined();
      expect(kit.fake.requests[0].status).toBe(404);
    });
  });

  describe('devicesWithFile', () => {
    it('maps name, last seen, platform and id of each device', async () => {
      const devices = await api.devicesWithFile(SHA1, token);
      expect(devices).toEqual([
        { id: FIN, name: 'FIN-LT-042.contoso.com', osPlatform: 'Windows11', lastSeen: '2025-02-28T17:01:02.3Z' },
        { id: HR, name: 'HR-LT-007.contoso.com', osPlatform: 'Windows10', lastSeen: '2025-02-27T08:00:00Z' },
        { id: ENG, name: 'ENG-SRV-003', osPlatform: 'Linux', lastSeen: '2025-02-26T08:00:00Z' },
      ]);
      expect(kit.fake.requests.map((r) => [r.method, r.path, r.status])).toEqual([['GET', `/api/files/${SHA1}/machines`, 200]]);
    });

    it('gives an empty list for a file seen nowhere (Defender answers 200 with an empty value)', async () => {
      await expect(api.devicesWithFile('f'.repeat(40), token)).resolves.toEqual([]);
      expect(kit.fake.requests[0].status).toBe(200);
    });

    it('refuses anything but a SHA-1 before calling Defender', async () => {
      await expect(api.devicesWithFile(SHA256, token)).rejects.toMatchObject({ reason: 'invalidHash' });
      expect(kit.fake.requests).toHaveLength(0);
    });

    it('names Machine.Read when the sign-in lacks it', async () => {
      const error = await api.devicesWithFile(SHA1, kit.token('Machine.StopAndQuarantine')).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DefenderError);
      expect(error).toMatchObject({ reason: 'forbidden', details: { httpStatus: 403 } });
      expect((error as Error).message).toMatch(/lacks the delegated permission Machine\.Read\b/);
    });
  });

  describe('stopAndQuarantine', () => {
    it('posts exactly {"Comment", "Sha1"} with the analyst token and answers the 201 machine action', async () => {
      const result = await api.stopAndQuarantine(FIN, SHA1.toUpperCase(), 'Dropper from alert 32123', token);
      const [call] = kit.fake.requests;
      expect([call.method, call.path, call.status]).toEqual(['POST', `/api/machines/${FIN}/StopAndQuarantineFile`, 201]);
      expect(call.body).toEqual({ Comment: 'Dropper from alert 32123', Sha1: SHA1 });
      expect(call.claims).toMatchObject({ upn: 'Ana@contoso.com' });
      const [made] = kit.fake.machineActions();
      expect(result).toEqual({
        kind: 'started',
        action: { id: made.id, machineId: FIN, deviceName: 'FIN-LT-042.contoso.com', status: 'Pending', updatedAt: made.lastUpdateDateTimeUtc, requestor: 'Ana@contoso.com' },
      });
    });

    it('counts a second action on a busy device as already in progress, not failed', async () => {
      await api.stopAndQuarantine(FIN, SHA1, 'first', token);
      const again = await api.stopAndQuarantine(FIN, SHA1, 'second', token);
      expect(again).toEqual({ kind: 'already-in-progress', detail: 'Action is already in progress' });
      expect(kit.fake.requests.map((r) => r.status)).toEqual([201, 400]);
      expect(kit.fake.machineActions()).toHaveLength(1);
    });

    it.each([
      ['a Linux device', ENG, undefined, { reason: 'unsupported-platform', code: 'OsPlatformNotSupported' }],
      ['an old Defender client', HR, 'old-client', { reason: 'unsupported-platform', code: 'ClientVersionNotSupported' }],
      ['a device outside the analyst’s device groups (403)', HR, 'outside-groups', { reason: 'outside-device-groups', code: 'Forbidden' }],
      ['a device Defender does not know (404)', 'd'.repeat(40), undefined, { reason: 'device-not-found', code: 'ResourceNotFound' }],
    ] as const)('refuses %s per device, with a reason', async (_name, machineId, refusal, expected) => {
      if (refusal) kit.fake.setDeviceRefusal(machineId, refusal);
      const result = await api.stopAndQuarantine(machineId, SHA1, 'contain', token);
      expect(result).toMatchObject({ kind: 'refused', ...expected });
      expect(result.kind === 'refused' && result.detail.length > 0).toBe(true);
      expect(kit.fake.machineActions()).toHaveLength(0);
    });

    it('names Machine.StopAndQuarantine when the token lacks it, and does nothing on the device', async () => {
      const result = await api.stopAndQuarantine(FIN, SHA1, 'contain', kit.token('Machine.Read File.Read.All'));
      expect(result).toMatchObject({ kind: 'refused', reason: 'missing-permission', code: 'Forbidden' });
      expect(result.kind === 'refused' && result.detail).toMatch(/lacks the delegated permission Machine\.StopAndQuarantine/);
      expect(kit.fake.requests[0].status).toBe(403);
      expect(kit.fake.machineActions()).toHaveLength(0);
    });

    it('waits out a 429 for its Retry-After and then acts once', async () => {
      kit.fake.throttleStopAndQuarantine(1, 7);
      const result = await api.stopAndQuarantine(FIN, SHA1, 'contain', token);
      expect(result.kind).toBe('started');
      expect(kit.fake.requests.map((r) => r.status)).toEqual([429, 201]);
      expect(kit.retrySleeps).toEqual([7_000]);
      expect(kit.fake.machineActions()).toHaveLength(1);
    });

    it('throws a rateLimited DefenderError when throttling lasts, then holds stop & quarantine back until its Retry-After', async () => {
      let now = FAKE_NOW;
      const own = new HttpContainmentApi(kit.fake.indicatorsUrl, kit.http(unbudgetedLimiter()), new ContainmentBudget({ now: () => now }));
      kit.fake.throttleStopAndQuarantine(3, 12);
      await expect(own.stopAndQuarantine(FIN, SHA1, 'contain', token)).rejects.toMatchObject({ reason: 'rateLimited', details: { retryAfterSeconds: 12, attempts: 3 } });
      now += 5_000;
      await expect(own.stopAndQuarantine(HR, SHA1, 'contain', token)).rejects.toMatchObject({ reason: 'rateLimited', details: { retryAfterSeconds: 7 } });
      await expect(own.machineAction('00000000-0000-4000-8000-999999999999', token)).resolves.toBeUndefined();
      expect(kit.fake.requests.map((r) => [r.method, r.status])).toEqual([...Array(3).fill(['POST', 429]), ['GET', 404]]);
      now += 7_000;
      expect((await own.stopAndQuarantine(HR, SHA1, 'contain', token)).kind).toBe('started');
      expect(kit.fake.machineActions().map((a) => a.machineId)).toEqual([HR]);
    });

    it('throws for a failure that is not about the device (401)', async () => {
      await expect(api.stopAndQuarantine(FIN, SHA1, 'contain', async () => 'not-a-token')).rejects.toMatchObject({ reason: 'unauthorized' });
    });
  });

  describe('machineAction', () => {
    it.each(['lastUpdateDateTimeUtc', 'lastUpdateTimeUtc'] as const)('follows an action to its final state (update time spelt %s)', async (field) => {
      kit.fake.setUpdateTimeField(field);
      kit.fake.scriptMachineAction(FIN, ['InProgress', 'Succeeded']);
      const started = await api.stopAndQuarantine(FIN, SHA1, 'contain', token);
      if (started.kind !== 'started') throw new Error('not started');
      const seen = [];
      for (let i = 0; i < 3; i++) seen.push(await api.machineAction(started.action.id, token));
      expect(seen.map((a) => a?.status)).toEqual(['InProgress', 'Succeeded', 'Succeeded']);
      expect(seen[1]).toMatchObject({ id: started.action.id, machineId: FIN, deviceName: 'FIN-LT-042.contoso.com', requestor: 'Ana@contoso.com' });
      expect(seen[1]?.updatedAt).toMatch(/^2025-03-01T09:00:00\.000/);
      expect(kit.fake.requestsTo('GET', /^\/api\/machineactions\//).map((r) => r.path)).toEqual(Array(3).fill(`/api/machineactions/${started.action.id}`));
    });

    it('reads a status set by the test (TimeOut) and answers undefined for an unknown action (404)', async () => {
      const started = await api.stopAndQuarantine(HR, SHA1, 'contain', token);
      if (started.kind !== 'started') throw new Error('not started');
      kit.fake.setMachineActionStatus(started.action.id, 'TimeOut');
      await expect(api.machineAction(started.action.id, token)).resolves.toMatchObject({ status: 'TimeOut' });
      await expect(api.machineAction('00000000-0000-4000-8000-999999999999', token)).resolves.toBeUndefined();
    });
  });
});

describe('createContainmentApi', () => {
  const silent = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };
  const settings = { baseUrl: 'https://api.security.microsoft.com/api', timeoutMs: 1_000, maxAttempts: 1, maxRetryAfterSeconds: 1, logger: silent };

  it('builds the HTTP client for the Defender for Endpoint API, the simulator for local mode, none for the legacy files API', async () => {
    const kit = await startDefenderKit();
    try {
      kit.fake.seedDevices('e'.repeat(40), [{ id: 'm1', computerDnsName: 'FIN-LT-042' }]);
      const real = createContainmentApi({ ...settings, api: 'indicators', baseUrl: kit.fake.indicatorsUrl });
      await expect(real?.devicesWithFile('e'.repeat(40), kit.token('Machine.Read'))).resolves.toEqual([{ id: 'm1', name: 'FIN-LT-042', osPlatform: 'Windows11' }]);
      expect(kit.fake.requests.map((r) => [r.path, r.status])).toEqual([[`/api/files/${'e'.repeat(40)}/machines`, 200]]);
    } finally {
      await kit.close();
    }
    expect(createContainmentApi({ ...settings, api: 'simulator' })).toBeInstanceOf(SimulatedContainment);
    expect(createContainmentApi({ ...settings, api: 'files' })).toBeUndefined();
  });
});

describe('ContainmentBudget', () => {
  it('holds a kind to 100 calls a minute and leaves the other kinds alone', async () => {
    let now = 0;
    const sleeps: number[] = [];
    const budget = new ContainmentBudget({
      now: () => now,
      sleep: async (ms) => {
        sleeps.push(ms);
        now += ms;
      },
    });
    for (let i = 0; i < 100; i++) await expect(budget.acquire('stopAndQuarantine')).resolves.toBe(0);
    await expect(budget.acquire('machineAction')).resolves.toBe(0);
    await expect(budget.acquire('stopAndQuarantine')).resolves.toBe(60_000);
    expect(sleeps).toEqual([60_000]);
  });

  it('holds a kind to 1,500 calls an hour', async () => {
    let now = 0;
    const budget = new ContainmentBudget({
      now: () => now,
      sleep: async (ms) => {
        now += ms;
      },
    });
    for (let i = 0; i < 1_500; i++) {
      await budget.acquire('devices');
      now += 1_000;
    }
    expect(now).toBeLessThan(3_600_000);
    const waited = await budget.acquire('devices');
    expect(waited).toBe(3_600_000 - 1_500_000);
  });
});
