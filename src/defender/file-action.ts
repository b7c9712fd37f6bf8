import { z } from 'zod';
import { DefenderError } from '../errors';
import type { FileStatus, DefenderSource } from '../domain/file-status';

const text = z
  .string()
  .nullish()
  .transform((s) => (s == null || s.trim() === '' ? undefined : s.trim()));

/** The seed's FileAction; unknown fields are tolerated and strings trimmed. */
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
