import type { StopAndQuarantineResult } from '../../src/domain/containment-ports';
import { SimulatedContainment } from '../../src/defender/simulated-containment';
import { simulatedDevices } from '../../src/defender/simulated-devices';
import { SimulatedDefender } from '../../src/defender/simulated-defender';
import { DEMO_MANY_DEVICES_SHA1, DEMO_MICROSOFT_SIGNED_SHA1, DEMO_UNSEEN_SHA1, DEMO_WIDESPREAD_SHA1, SimulatedFileCatalog } from '../../src/defender/simulated-file-details';

const SHA1 = '7327b54fd718525cbca07dacde913b5ac3c85673';
const SHA256 = '2233223322332233223322332233223322332233223322332233223322332222';
/** Local mode has no token: the simulator must never ask for one. */
const token = async (): Promise<string> => {
  throw new Error('the simulator asked for a token');
};
const TIMINGS = { pendingMs: 1_000, runMs: 2_000, offlineTimeoutMs: 10_000 };
const START = Date.parse('2025-03-01T10:00:00.000Z');

/** Many hashes, so the rules hold for every shape of list (3 to 7 devices). */
const SAMPLE = Array.from({ length: 60 }, (_, i) => (i.toString(16).padStart(2, '0') + 'ab').repeat(10));

describe('simulated devices', () => {
  it.each(SAMPLE)('%s: 3 to 7 named devices, exactly one Linux and one offline, one failing from four up', (sha1) => {
    const devices = simulatedDevices(sha1);
    expect(devices.length).toBeGreaterThanOrEqual(3);
    expect(devices.length).toBeLessThanOrEqual(7);
    expect(devices.filter((d) => d.fate === 'linux').map((d) => d.osPlatform)).toEqual(['Linux']);
    expect(devices.filter((d) => d.fate === 'offline')).toHaveLength(1);
    expect(devices.filter((d) => d.fate === 'fails')).toHaveLength(devices.length >= 4 ? 1 : 0);
    for (const d of devices) expect(d.name).toMatch(/^(FIN-LT|HR-LT|ENG-WS|SALES-LT|OPS-SRV|DEV-WS|LEGAL-LT|MKT-LT|BUILD-LNX)-\d{3}$/);
    expect(new Set(devices.map((d) => d.name)).size).toBe(devices.length);
    expect(new Set(devices.map((d) => d.id)).size).toBe(devices.length);
    expect(simulatedDevices(sha1)).toEqual(devices);
  });

  it('has demo files seen nowhere, on 40 devices and on 5,000 (distinct names)', () => {
    expect(simulatedDevices(DEMO_UNSEEN_SHA1)).toEqual([]);
    expect(simulatedDevices(DEMO_MANY_DEVICES_SHA1)).toHaveLength(40);
    const wide = simulatedDevices(DEMO_WIDESPREAD_SHA1);
    expect(wide).toHaveLength(5_000);
    expect(new Set(wide.map((d) => d.name)).size).toBe(5_000);
  });
});

describe('SimulatedContainment', () => {
  let now: number;
  let sim: SimulatedContainment;
  let files: SimulatedFileCatalog;

  beforeEach(() => {
    now = START;
    files = new SimulatedFileCatalog();
    sim = new SimulatedContainment(() => new Date(now), files, TIMINGS);
  });

  const byFate = (fate: string) => simulatedDevices(SHA1).find((d) => d.fate === fate);
  const started = (result: StopAndQuarantineResult) => {
    if (result.kind !== 'started') throw new Error(`not started: ${JSON.stringify(result)}`);
    return result.action;
  };

  it('lists the devices with names, platforms and last seen before now', async () => {
    const devices = await sim.devicesWithFile(SHA1, token);
    expect(devices.map((d) => d.id)).toEqual(simulatedDevices(SHA1).map((d) => d.id));
    for (const d of devices) {
      expect(d.name).toBeTruthy();
      expect(d.osPlatform).toMatch(/^(Windows|Linux)/);
      expect(Date.parse(d.lastSeen ?? '')).toBeLessThan(now);
    }
  });

  it('moves an action Pending → InProgress → Succeeded by elapsed time, with the time of each change', async () => {
    const device = byFate('succeeds');
    if (!device) throw new Error('no succeeding device');
    const action = started(await sim.stopAndQuarantine(device.id, SHA1, 'contain', token));
    expect(action).toEqual({ id: action.id, machineId: device.id, deviceName: device.name, status: 'Pending', updatedAt: new Date(START).toISOString() });
    now = START + 1_000 * device.pace;
    expect(await sim.machineAction(action.id, token)).toMatchObject({ status: 'InProgress', updatedAt: new Date(START + Math.round(1_000 * device.pace)).toISOString() });
    now = START + 3_000 * device.pace - 1;
    expect((await sim.machineAction(action.id, token))?.status).toBe('InProgress');
    now = START + 3_000 * device.pace;
    expect((await sim.machineAction(action.id, token))?.status).toBe('Succeeded');
  });

  it('ends a failing device’s action Failed and the offline device’s TimeOut, Pending until then', async () => {
    const failing = simulatedDevices(SHA1).length >= 4 ? byFate('fails') : undefined;
    const offline = byFate('offline');
    if (!offline) throw new Error('no offline device');
    const off = started(await sim.stopAndQuarantine(offline.id, SHA1, 'contain', token));
    const bad = failing && started(await sim.stopAndQuarantine(failing.id, SHA1, 'contain', token));
    now = START + 9_999;
    expect((await sim.machineAction(off.id, token))?.status).toBe('Pending');
    if (bad) expect((await sim.machineAction(bad.id, token))?.status).toBe('Failed');
    now = START + 10_000;
    expect(await sim.machineAction(off.id, token)).toMatchObject({ status: 'TimeOut', updatedAt: new Date(START + 10_000).toISOString() });
  });

  it('refuses the Linux device as an unsupported platform and an unknown device as not found', async () => {
    const linux = byFate('linux');
    if (!linux) throw new Error('no Linux device');
    expect(await sim.stopAndQuarantine(linux.id, SHA1, 'contain', token)).toMatchObject({ kind: 'refused', reason: 'unsupported-platform', code: 'OsPlatformNotSupported' });
    expect(await sim.stopAndQuarantine('0'.repeat(40), SHA1, 'contain', token)).toMatchObject({ kind: 'refused', reason: 'device-not-found' });
  });

  it('answers already in progress while the device’s action is not final, and starts anew once it is', async () => {
    const device = byFate('succeeds');
    if (!device) throw new Error('no succeeding device');
    const first = started(await sim.stopAndQuarantine(device.id, SHA1, 'contain', token));
    expect(await sim.stopAndQuarantine(device.id, SHA1, 'again', token)).toEqual({ kind: 'already-in-progress', detail: 'Action is already in progress' });
    now = START + 3_000 * device.pace;
    const second = started(await sim.stopAndQuarantine(device.id, SHA1, 'again', token));
    expect(second.id).not.toBe(first.id);
  });

  it('refuses every device for the Microsoft-signed demo file', async () => {
    const [device] = (await sim.devicesWithFile(DEMO_MICROSOFT_SIGNED_SHA1, token)).filter((d) => d.osPlatform !== 'Linux');
    expect(await sim.stopAndQuarantine(device.id, DEMO_MICROSOFT_SIGNED_SHA1, 'contain', token)).toMatchObject({ kind: 'refused', reason: 'microsoft-signed' });
  });

  it('follows an action started before a restart (a new instance reads it from its id alone)', async () => {
    const device = byFate('succeeds');
    if (!device) throw new Error('no succeeding device');
    const action = started(await sim.stopAndQuarantine(device.id, SHA1, 'contain', token));
    const restarted = new SimulatedContainment(() => new Date(now), new SimulatedFileCatalog(), TIMINGS);
    now = START + 3_000 * device.pace;
    expect(await restarted.machineAction(action.id, token)).toMatchObject({ id: action.id, machineId: device.id, status: 'Succeeded' });
    await expect(restarted.machineAction('00000000-0000-4000-8000-000000000001', token)).resolves.toBeUndefined();
  });

  it('resolves a SHA-256 to the SHA-1 the file details show for it, and back', async () => {
    const defender = new SimulatedDefender(() => new Date(now), files);
    const bySha256 = await defender.fileDetails({ value: SHA256, type: 'Sha256' }, token);
    const sha1 = await sim.resolveSha1({ value: SHA256, type: 'Sha256' }, token);
    expect(sha1).toBe(bySha256.info?.sha1);
    const bySha1 = await defender.fileDetails({ value: sha1 as string, type: 'Sha1' }, token);
    expect(bySha1.info?.sha256).toBe(SHA256);
    const shownSha256 = (await defender.fileDetails({ value: SHA1, type: 'Sha1' }, token)).info?.sha256 as string;
    await expect(sim.resolveSha1({ value: shownSha256, type: 'Sha256' }, token)).resolves.toBe(SHA1);
    await expect(sim.resolveSha1({ value: SHA1, type: 'Sha1' }, token)).resolves.toBe(SHA1);
  });
});
