/** Defender's machine action states. */
export type FakeActionStatus = 'Pending' | 'InProgress' | 'Succeeded' | 'Failed' | 'TimeOut' | 'Cancelled';

/** How a device answers `StopAndQuarantineFile`, besides acting normally. */
export type DeviceRefusal =
  /** 400 OsPlatformNotSupported (also what a non-Windows `osPlatform` answers). */
  | 'unsupported-platform'
  /** 400 ClientVersionNotSupported. */
  | 'old-client'
  /** 403 Forbidden: the device is outside the caller's device groups. */
  | 'outside-groups'
  /** 400 ActiveRequestAlreadyExists, whatever the device's actions. */
  | 'already-in-progress';

/** A device a test seeds. */
export interface SeedDevice {
  id: string;
  computerDnsName?: string;
  osPlatform?: string;
  lastSeen?: string;
  refusal?: DeviceRefusal;
  [extra: string]: unknown;
}

/** A machine action as Defender returns it (the update time in either documented spelling). */
export interface FakeMachineAction {
  id: string;
  type: 'StopAndQuarantineFile';
  scope: null;
  requestor: string;
  requestorComment: string;
  status: FakeActionStatus;
  machineId: string;
  computerDnsName: string | null;
  creationDateTimeUtc: string;
  lastUpdateDateTimeUtc?: string;
  lastUpdateTimeUtc?: string;
  cancellationRequestor: null;
  cancellationComment: null;
  cancellationDateTimeUtc: null;
  errorHResult: number;
  title: null;
  externalID: null;
  requestSource: 'PublicApi';
  relatedFileInfo: { fileIdentifier: string; fileIdentifierType: 'Sha1' };
}

/** Which spelling of the update time the fake's machine actions carry. */
export type UpdateTimeField = 'lastUpdateDateTimeUtc' | 'lastUpdateTimeUtc';

const FINAL: ReadonlySet<FakeActionStatus> = new Set(['Succeeded', 'Failed', 'TimeOut', 'Cancelled']);

/** Devices, where each file was seen, and the machine actions taken: the fake's device side. */
export class MachinesState {
  readonly devices = new Map<string, SeedDevice>();
  /** Machine ids by lower-case SHA-1. */
  readonly sightings = new Map<string, string[]>();
  readonly actions = new Map<string, FakeMachineAction>();
  /** Statuses still to be answered by `GET /machineactions/{id}`, one per read, by action id. */
  readonly scripts = new Map<string, FakeActionStatus[]>();
  /** Scripts waiting for the next action created on a device, by machine id. */
  readonly deviceScripts = new Map<string, FakeActionStatus[]>();
  updateTimeField: UpdateTimeField = 'lastUpdateDateTimeUtc';
  private nextAction = 1;

  /** A fresh action id (a GUID, as Defender's are). */
  newActionId(): string {
    return `00000000-0000-4000-8000-${String(this.nextAction++).padStart(12, '0')}`;
  }

  /** True when the device has an action that is not final yet. */
  busy(machineId: string): boolean {
    return [...this.actions.values()].some((a) => a.machineId === machineId && !FINAL.has(a.status));
  }

  /** Sets an action's status and update time. */
  setStatus(action: FakeMachineAction, status: FakeActionStatus, at: string): void {
    action.status = status;
    delete action.lastUpdateDateTimeUtc;
    delete action.lastUpdateTimeUtc;
    action[this.updateTimeField] = at;
  }

  reset(): void {
    this.devices.clear();
    this.sightings.clear();
    this.actions.clear();
    this.scripts.clear();
    this.deviceScripts.clear();
    this.updateTimeField = 'lastUpdateDateTimeUtc';
  }
}
