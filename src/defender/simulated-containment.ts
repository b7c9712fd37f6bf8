import type { ContainmentApi, DeviceSighting, MachineActionState, MachineActionStatus, StopAndQuarantineResult } from '../domain/containment-ports';
import { FINAL_MACHINE_ACTION_STATES } from '../domain/containment-ports';
import type { FileHash } from '../domain/file-hash';
import type { TokenSource } from '../domain/ports';
import { DefenderError } from '../errors';
import { simulatedDevices, type SimulatedDevice } from './simulated-devices';
import { DEMO_MICROSOFT_SIGNED_SHA1, SimulatedFileCatalog } from './simulated-file-details';

/** How long simulated machine actions take (each device is 1 to 1.75 times slower). */
export interface SimulatedContainmentTimings {
  /** Pending before the device picks the action up. */
  readonly pendingMs: number;
  /** InProgress before the action ends. */
  readonly runMs: number;
  /** How long an offline device's action stays Pending before it times out. */
  readonly offlineTimeoutMs: number;
}

/** Quick enough to watch in local mode with short poll intervals. */
export const DEFAULT_SIMULATED_TIMINGS: SimulatedContainmentTimings = { pendingMs: 10_000, runMs: 20_000, offlineTimeoutMs: 180_000 };

const SHA1 = /^[0-9a-f]{40}$/i;
/** `sim-<created, epoch ms in base 36>-<sha1>-<device index>`: the state follows from the id and the clock alone. */
const ACTION_ID = /^sim-([0-9a-z]+)-([0-9a-f]{40})-(\d+)$/;
const DEVICE_CACHE = 50;

/**
 * Containment in memory for local mode: the devices of `simulatedDevices` and machine actions that move
 * Pending → InProgress → Succeeded (or Failed) with the injected clock; the offline device stays Pending,
 * then TimeOut; the Linux device is refused. An action's id encodes when it started and where, so a
 * restarted bot still follows the actions it started.
 */
export class SimulatedContainment implements ContainmentApi {
  private readonly bySha1 = new Map<string, SimulatedDevice[]>();
  private readonly startedAt = new Map<string, { id: string; createdMs: number; device: SimulatedDevice }>();

  constructor(
    private readonly now: () => Date = () => new Date(),
    private readonly files: SimulatedFileCatalog = new SimulatedFileCatalog(),
    private readonly timings: SimulatedContainmentTimings = DEFAULT_SIMULATED_TIMINGS,
  ) {}

  async resolveSha1(hash: FileHash, _token: TokenSource): Promise<string | undefined> {
    return this.files.sha1Of(hash);
  }

  async devicesWithFile(sha1: string, _token: TokenSource): Promise<DeviceSighting[]> {
    requireSha1(sha1);
    const now = this.now().getTime();
    return this.devicesOf(sha1.toLowerCase()).map((d) => ({
      id: d.id,
      name: d.name,
      osPlatform: d.osPlatform,
      lastSeen: new Date(now - d.lastSeenHoursAgo * 3_600_000).toISOString(),
    }));
  }

  async stopAndQuarantine(machineId: string, sha1: string, _comment: string, _token: TokenSource): Promise<StopAndQuarantineResult> {
    requireSha1(sha1);
    const file = sha1.toLowerCase();
    const device = this.devicesOf(file).find((d) => d.id === machineId);
    if (!device) return { kind: 'refused', reason: 'device-not-found', code: 'ResourceNotFound', detail: `Machine ${machineId} was not found.` };
    if (device.fate === 'linux') {
      return { kind: 'refused', reason: 'unsupported-platform', code: 'OsPlatformNotSupported', detail: `Action StopAndQuarantineFile is not supported on ${device.osPlatform}.` };
    }
    if (file === DEMO_MICROSOFT_SIGNED_SHA1) {
      return { kind: 'refused', reason: 'microsoft-signed', code: 'InvalidRequestBody', detail: 'Stop and quarantine is not available for Microsoft-signed files.' };
    }
    const running = this.startedAt.get(machineId);
    if (running && !FINAL_MACHINE_ACTION_STATES.has(this.state(running.id, running.createdMs, running.device).status)) {
      return { kind: 'already-in-progress', detail: 'Action is already in progress' };
    }
    const createdMs = this.now().getTime();
    const id = `sim-${createdMs.toString(36)}-${file}-${device.index}`;
    this.startedAt.set(machineId, { id, createdMs, device });
    return { kind: 'started', action: this.state(id, createdMs, device) };
  }

  async machineAction(actionId: string, _token: TokenSource): Promise<MachineActionState | undefined> {
    const match = ACTION_ID.exec(actionId);
    if (!match) return undefined;
    const createdMs = parseInt(match[1], 36);
    const device = this.devicesOf(match[2])[Number(match[3])];
    if (!device || device.fate === 'linux' || createdMs > this.now().getTime()) return undefined;
    return this.state(actionId, createdMs, device);
  }

  /** The action's state now: which phase its elapsed time falls in, updated when that phase began. */
  private state(id: string, createdMs: number, device: SimulatedDevice): MachineActionState {
    const elapsed = this.now().getTime() - createdMs;
    const { pendingMs, runMs, offlineTimeoutMs } = this.timings;
    const phases: Array<[number, MachineActionStatus]> =
      device.fate === 'offline'
        ? [[offlineTimeoutMs, 'TimeOut']]
        : [
            [pendingMs * device.pace, 'InProgress'],
            [(pendingMs + runMs) * device.pace, device.fate === 'fails' ? 'Failed' : 'Succeeded'],
          ];
    let status: MachineActionStatus = 'Pending';
    let since = 0;
    for (const [at, next] of phases) {
      if (elapsed < at) break;
      status = next;
      since = at;
    }
    return { id, machineId: device.id, deviceName: device.name, status, updatedAt: new Date(createdMs + Math.round(since)).toISOString() };
  }

  private devicesOf(sha1: string): SimulatedDevice[] {
    let devices = this.bySha1.get(sha1);
    if (!devices) {
      devices = simulatedDevices(sha1);
      this.bySha1.set(sha1, devices);
      if (this.bySha1.size > DEVICE_CACHE) this.bySha1.delete(this.bySha1.keys().next().value as string);
    }
    return devices;
  }
}

function requireSha1(sha1: string): void {
  if (!SHA1.test(sha1)) throw new DefenderError('invalidHash', `Stop & quarantine takes a SHA-1 only; ${sha1} is not one.`);
}
