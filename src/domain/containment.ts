import { refusalFrom, refuseUnlessHolds } from './access';
import type { Caller } from './caller';
import type { ContainmentApi, DeviceRefusalReason, DeviceSighting, MachineActionStatus } from './containment-ports';
import type { FileHash } from './file-hash';
import type { DefenderSource } from './file-status';
import { actorOf, refusalDetail, refusalOutcome, type Refusal } from './outcomes';
import type { AuditLog, Delegation, RoleDirectory, Store } from './ports';
import { BLOCKING_ROLES } from './roles';

/** Defender acts device by device on at most this many devices; beyond it, a BlockAndRemediate indicator is the route. */
export const DEVICE_ACTION_LIMIT = 1000;

/** How containment behaves (CONTAIN_* settings). */
export interface ContainSettings {
  /** Above this many devices the analyst confirms first. */
  readonly confirmAbove: number;
  /** First poll of the machine actions after this long; later polls back off. */
  readonly pollMs: number;
  /** Tracking stops after this long, whatever the states. */
  readonly watchMs: number;
}

/** What the containment use cases need. */
export interface ContainDeps {
  readonly roles: RoleDirectory;
  readonly containment: ContainmentApi;
  readonly audit: AuditLog;
  readonly store: Store;
  readonly now: () => Date;
  /** Which Defender API the audit trail names. */
  readonly api: DefenderSource;
  readonly settings: ContainSettings;
}

/** Where one device stands: not sent yet, Defender's machine action state, or refused before any action existed. */
export type DeviceState = 'queued' | MachineActionStatus | 'refused' | 'unknown';

/** One device of a containment job. */
export interface ContainDevice {
  readonly machineId: string;
  readonly name?: string;
  readonly lastSeen?: string;
  readonly osPlatform?: string;
  readonly state: DeviceState;
  /** Defender's machine action id, once the action exists. */
  readonly actionId?: string;
  /** An earlier stop & quarantine is still running there (HTTP 400 ActiveRequestAlreadyExists): pending, tracked by Defender, not by this job. */
  readonly alreadyRunning?: boolean;
  readonly reason?: DeviceRefusalReason;
  readonly detail?: string;
  readonly updatedAt?: string;
}

/** A stop & quarantine across devices, kept in the store until it is final or its watch ends; the store's copy is the truth. */
export interface ContainJob {
  readonly id: string;
  readonly tenantId?: string;
  readonly hash: FileHash;
  readonly sha1: string;
  readonly comment: string;
  /** Whose token every call uses: the analyst, or the approver of a request. */
  readonly caller: Caller;
  readonly createdAt: string;
  readonly watchUntil: string;
  /** When the job should next be driven (send the queued devices, or poll). */
  readonly nextAt: string;
  readonly polls: number;
  /** Where the next poll starts (index into `devices`), when the last one stopped at its step budget or at a 429. */
  readonly pollFrom?: number;
  readonly phase: 'sending' | 'tracking' | 'finished';
  readonly devices: readonly ContainDevice[];
  /** Where the progress card lives (opaque to the domain). */
  readonly card?: unknown;
  /** Why the last turn could not drive the job (the caller is not signed in); cleared once it runs again. */
  readonly paused?: 'signInRequired' | 'signInFailed';
  /** Set when tracking stopped with actions still open. */
  readonly watchEnded?: boolean;
  /** Who holds the job right now; only the holder drives it until `until`. */
  readonly lease?: { readonly owner: string; readonly until: string };
  readonly endedAt?: string;
  /** Audit entries that could not be written (said on the card). */
  readonly auditMissed?: number;
}

/** What Defender knows of the file's devices, before anything is done. */
export type Discovery = { readonly kind: 'devices'; readonly sha1: string; readonly devices: readonly DeviceSighting[] } | { readonly kind: 'unknownFile' } | Refusal;

/** What the bot does with the devices found. */
export type ContainPlan =
  { readonly kind: 'nothing' } | { readonly kind: 'go' } | { readonly kind: 'confirm'; readonly above: number } | { readonly kind: 'tooMany'; readonly limit: number };

/** Acts directly up to `confirmAbove` devices, asks above it, and above Defender's per-device limit offers an org-wide indicator instead. */
export function planFor(devices: number, confirmAbove: number): ContainPlan {
  if (devices === 0) return { kind: 'nothing' };
  if (devices > DEVICE_ACTION_LIMIT) return { kind: 'tooMany', limit: DEVICE_ACTION_LIMIT };
  if (devices > confirmAbove) return { kind: 'confirm', above: confirmAbove };
  return { kind: 'go' };
}

/**
 * Finds where the file is, as the caller (role checked live): a SHA-256 or MD5 is first resolved to
 * the SHA-1 machine actions need. Nothing is done to any device here; refusals and empty answers are audited.
 */
export async function discoverDevices(deps: ContainDeps, hash: FileHash, caller: Caller, delegation: Delegation): Promise<Discovery> {
  let found: Discovery;
  try {
    const refused = await refuseUnlessHolds(deps.roles, caller, delegation, BLOCKING_ROLES);
    if (refused) found = refused;
    else {
      const sha1 = await deps.containment.resolveSha1(hash, delegation.defender);
      found = sha1 === undefined ? { kind: 'unknownFile' } : { kind: 'devices', sha1, devices: await deps.containment.devicesWithFile(sha1, delegation.defender) };
    }
  } catch (error) {
    found = refusalFrom(error);
  }
  if (found.kind !== 'devices' || found.devices.length === 0) await auditDiscovery(deps, hash, caller, found);
  return found;
}

async function auditDiscovery(deps: ContainDeps, hash: FileHash, caller: Caller, found: Discovery): Promise<void> {
  const nothing = found.kind === 'devices' || found.kind === 'unknownFile';
  await deps.audit.record({
    tenantId: caller.tenantId,
    actor: actorOf(caller),
    action: 'contain',
    outcome: nothing ? 'not-found' : refusalOutcome(found),
    hash: hash.value,
    hashType: hash.type,
    api: deps.api,
    detail: nothing ? (found.kind === 'unknownFile' ? 'Defender does not know the file' : 'the file was seen on no device') : refusalDetail(found),
  });
}

/** A new job over the devices found: every device queued, to be sent by whichever instance drives it first. */
export function newJob(
  input: { id: string; hash: FileHash; sha1: string; comment: string; caller: Caller; devices: readonly DeviceSighting[] },
  now: Date,
  settings: ContainSettings,
): ContainJob {
  return {
    id: input.id,
    tenantId: input.caller.tenantId,
    hash: input.hash,
    sha1: input.sha1,
    comment: input.comment,
    caller: input.caller,
    createdAt: now.toISOString(),
    watchUntil: new Date(now.getTime() + settings.watchMs).toISOString(),
    nextAt: now.toISOString(),
    polls: 0,
    phase: 'sending',
    devices: input.devices.map((d) => ({ machineId: d.id, name: d.name, lastSeen: d.lastSeen, osPlatform: d.osPlatform, state: 'queued' })),
  };
}

/** Devices counted by where they stand, for the top of the progress card. */
export interface ContainCounts {
  readonly total: number;
  readonly succeeded: number;
  /** Queued, Pending, InProgress, and already running from an earlier action. */
  readonly open: number;
  readonly failed: number;
  readonly refused: number;
  /** Sent, but Defender's answer was lost: the action may or may not exist. */
  readonly unknown: number;
}

/** Counts a job's devices. */
export function countDevices(devices: readonly ContainDevice[]): ContainCounts {
  const counts = { total: devices.length, succeeded: 0, open: 0, failed: 0, refused: 0, unknown: 0 };
  for (const d of devices) {
    if (d.state === 'Succeeded') counts.succeeded++;
    else if (d.state === 'refused') counts.refused++;
    else if (d.state === 'unknown') counts.unknown++;
    else if (d.state === 'Failed' || d.state === 'TimeOut' || d.state === 'Cancelled') counts.failed++;
    else counts.open++;
  }
  return counts;
}
