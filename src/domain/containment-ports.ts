import type { FileHash } from './file-hash';
import type { TokenSource } from './ports';

/** One device on which Defender saw the file (`GET /api/files/{sha1}/machines`). */
export interface DeviceSighting {
  /** Defender's machine id. */
  readonly id: string;
  /** `computerDnsName`, when Defender gave one. */
  readonly name?: string;
  /** ISO time the file was last seen on that device (`lastSeen`), when known. */
  readonly lastSeen?: string;
  /** `osPlatform` (e.g. Windows11, Linux): stop & quarantine is Windows only. */
  readonly osPlatform?: string;
}

/** Defender's machine action states; the last four are final. */
export type MachineActionStatus = 'Pending' | 'InProgress' | 'Succeeded' | 'Failed' | 'TimeOut' | 'Cancelled';

export const FINAL_MACHINE_ACTION_STATES: ReadonlySet<MachineActionStatus> = new Set(['Succeeded', 'Failed', 'TimeOut', 'Cancelled']);

/** A machine action as Defender reports it (`GET /api/machineactions/{id}`). */
export interface MachineActionState {
  readonly id: string;
  readonly machineId: string;
  readonly deviceName?: string;
  readonly status: MachineActionStatus;
  /** `lastUpdateDateTimeUtc` or `lastUpdateTimeUtc`, whichever Defender sent. */
  readonly updatedAt?: string;
  readonly requestor?: string;
}

/** Why Defender would not act on one device, in words a person can act on. */
export type DeviceRefusalReason = 'unsupported-platform' | 'outside-device-groups' | 'device-not-found' | 'missing-permission' | 'microsoft-signed' | 'other';

/** The answer to one `POST /api/machines/{id}/StopAndQuarantineFile`. */
export type StopAndQuarantineResult =
  | { readonly kind: 'started'; readonly action: MachineActionState }
  /** HTTP 400 "Action is already in progress" / `ActiveRequestAlreadyExists`: counts as pending, not failed. */
  | { readonly kind: 'already-in-progress'; readonly detail: string }
  | { readonly kind: 'refused'; readonly reason: DeviceRefusalReason; readonly detail: string; readonly code?: string };

/**
 * Defender's device-side containment, called with the analyst's on-behalf-of token.
 * Throttling (429, honouring Retry-After) and transport failures throw DefenderError like the rest of the client;
 * per-device refusals are results, not errors.
 */
export interface ContainmentApi {
  /** The SHA-1 machine actions need: a SHA-1 is returned as is; SHA-256/MD5 through `GET /api/files/{hash}`. Undefined: Defender does not know the file. */
  resolveSha1(hash: FileHash, token: TokenSource): Promise<string | undefined>;
  /** Devices where the file was seen (an unknown file gives an empty list). */
  devicesWithFile(sha1: string, token: TokenSource): Promise<DeviceSighting[]>;
  stopAndQuarantine(machineId: string, sha1: string, comment: string, token: TokenSource): Promise<StopAndQuarantineResult>;
  /** Undefined when Defender does not know the action (404). */
  machineAction(actionId: string, token: TokenSource): Promise<MachineActionState | undefined>;
}
