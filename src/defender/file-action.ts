import { z } from 'zod';
import { DefenderError } from '../errors';
import type { FileStatus, DefenderSource } from '../domain/file-status';
import type { BlockMade, UnblockFileRequest } from '../domain/ports';

const text = z
  .string()
  .nullish()
  .transform((s) => (s == null || s.trim() === '' ? undefined : s.trim()));

/** The legacy files API's FileAction; unknown fields are tolerated and strings trimmed. */
const FileActionSchema = z
  .object({
    fileIdentifier: z.string().transform((s) => s.trim()),
    fileIdentifierType: text,
    actionType: text,
    fileStatus: text,
    creationDateTimeUtc: text,
    requestor: text,
    requestorComment: text,
    cancellationDateTimeUtc: text,
    cancellationRequestor: text,
    cancellationComment: text,
    lastUpdateDateTimeUtc: text,
  })
  .passthrough();

/** Reads a FileAction answer into a FileStatus; a malformed answer is an `unexpected` failure. */
export function parseFileAction(body: unknown, source: DefenderSource): FileStatus {
  const parsed = FileActionSchema.safeParse(body);
  if (!parsed.success) {
    throw new DefenderError('unexpected', 'Defender answered with a FileAction the bot could not read.', {}, { cause: parsed.error });
  }
  const a = parsed.data;
  return {
    fileIdentifier: a.fileIdentifier.toLowerCase(),
    fileIdentifierType: a.fileIdentifierType ?? 'Sha1',
    actionType: a.actionType ?? 'Block',
    fileStatus: a.fileStatus ?? 'Unknown',
    creationDateTimeUtc: a.creationDateTimeUtc,
    requestor: a.requestor,
    requestorComment: a.requestorComment,
    cancellationDateTimeUtc: a.cancellationDateTimeUtc,
    cancellationRequestor: a.cancellationRequestor,
    cancellationComment: a.cancellationComment,
    lastUpdateDateTimeUtc: a.lastUpdateDateTimeUtc,
    confirmed: true,
    source,
  };
}

/** The raw FileAction whose `fileIdentifier` is `hash` (any case), if any. */
export function findFileAction(actions: readonly unknown[], hash: string): unknown {
  const wanted = hash.toLowerCase();
  return actions.find((a) => {
    const id = a && typeof a === 'object' ? (a as { fileIdentifier?: unknown }).fileIdentifier : undefined;
    return typeof id === 'string' && id.trim().toLowerCase() === wanted;
  });
}

/**
 * An unblock's FileAction as the bot reports it: an UnBlock action means the file is unblocked,
 * whatever `fileStatus` says (the doc's example says "Blocked"), and a cancellation trail
 * Defender left empty is filled from the request.
 */
export function withCancellationTrail(status: FileStatus, request: UnblockFileRequest, at: string): FileStatus {
  return {
    ...status,
    fileStatus: status.actionType.toLowerCase() === 'unblock' ? 'Unblocked' : status.fileStatus,
    cancellationDateTimeUtc: status.cancellationDateTimeUtc ?? at,
    cancellationRequestor: status.cancellationRequestor ?? request.caller.name,
    cancellationComment: status.cancellationComment ?? request.comment,
  };
}

/** A block as lifted by `request` when Defender describes nothing itself: the bot writes the trail. */
export function liftedStatus(blocked: FileStatus, request: UnblockFileRequest, at: string, actionType = 'UnBlock'): FileStatus {
  return {
    ...blocked,
    actionType,
    fileStatus: 'Unblocked',
    cancellationDateTimeUtc: at,
    cancellationRequestor: request.caller.name,
    cancellationComment: request.comment,
    lastUpdateDateTimeUtc: at,
  };
}

/** Whether an indicator in force with the id `made` names is still as the block left it (not updated since). */
export function isUnchangedSince(lastUpdate: string | undefined, made: BlockMade): boolean {
  return made.updatedAt === undefined || lastUpdate === undefined || sameInstant(lastUpdate, made.updatedAt);
}

/**
 * Whether the FileAction in force is the block `made` describes: the same creation time (and
 * requestor, when both are known); when Defender described nothing at block time, the same comment.
 */
export function isSameBlock(current: FileStatus, made: BlockMade): boolean {
  if (made.createdAt === undefined) return current.requestorComment === made.comment.trim();
  if (!current.creationDateTimeUtc || !sameInstant(current.creationDateTimeUtc, made.createdAt)) return false;
  return !made.requestor || !current.requestor || made.requestor.toLowerCase() === current.requestor.toLowerCase();
}

/** Whether two Defender timestamps name the same instant (7 or 3 fractional digits alike). */
export function sameInstant(a: string, b: string): boolean {
  if (a === b) return true;
  const [x, y] = [Date.parse(a), Date.parse(b)];
  return !Number.isNaN(x) && x === y;
}
