import { z } from 'zod';
import type { DeviceSighting, MachineActionState, MachineActionStatus } from '../domain/containment-ports';
import { DefenderError } from '../errors';

const text = z
  .string()
  .nullish()
  .transform((s) => (s == null || s.trim() === '' ? undefined : s.trim()))
  .catch(undefined);

const STATUSES: readonly MachineActionStatus[] = ['Pending', 'InProgress', 'Succeeded', 'Failed', 'TimeOut', 'Cancelled'];

/** A machine of `GET /files/{sha1}/machines`; only the fields the bot shows. */
const MachineSchema = z.looseObject({ id: text, computerDnsName: text, lastSeen: text, osPlatform: text });

/** `GET /machineactions/{id}` or the 201 of a machine action; both spellings of the update time. */
const ActionSchema = z.looseObject({
  id: text,
  machineId: text,
  computerDnsName: text,
  status: text,
  requestor: text,
  lastUpdateDateTimeUtc: text,
  lastUpdateTimeUtc: text,
});

/** Reads one machine of a devices list; undefined when it has no id (nothing could be done on it). */
export function parseSighting(item: unknown): DeviceSighting | undefined {
  const parsed = MachineSchema.safeParse(item);
  if (!parsed.success || parsed.data.id === undefined) return undefined;
  const { id, computerDnsName, lastSeen, osPlatform } = parsed.data;
  return dropUndefined({ id, name: computerDnsName, lastSeen, osPlatform });
}

/** Reads a MachineAction; throws DefenderError('unexpected') when it has no id or machine id. */
export function parseMachineAction(body: unknown): MachineActionState {
  const parsed = ActionSchema.safeParse(body);
  if (!parsed.success || parsed.data.id === undefined || parsed.data.machineId === undefined) {
    throw new DefenderError('unexpected', 'Defender answered with a machine action the bot could not read.', {}, { cause: parsed.error });
  }
  const a = parsed.data;
  return dropUndefined({
    id: a.id as string,
    machineId: a.machineId as string,
    deviceName: a.computerDnsName,
    status: statusOf(a.status),
    updatedAt: a.lastUpdateDateTimeUtc ?? a.lastUpdateTimeUtc,
    requestor: a.requestor,
  });
}

/**
 * Defender's status, matched without regard to case. A status Defender does not document is read
 * as Pending (not final): the watch keeps asking and, at its end, reports the outcome as unknown.
 */
function statusOf(raw: string | undefined): MachineActionStatus {
  const lower = raw?.toLowerCase();
  return STATUSES.find((s) => s.toLowerCase() === lower) ?? 'Pending';
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
