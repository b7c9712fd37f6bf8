import type { FileStatus } from '../domain/file-status';
import type { BlockFileRequest } from '../domain/ports';

/**
 * A block Defender accepted (a 2xx) but described with no details or with a body the bot cannot
 * read: it is still a block, reported from the request and marked unconfirmed, never as a failure.
 */
export function acceptedWithoutDetails(request: BlockFileRequest, source: FileStatus['source'], at: string, fileStatus = 'Blocked'): FileStatus {
  return {
    fileIdentifier: request.hash.value,
    fileIdentifierType: request.hash.type,
    actionType: request.options?.action ?? 'Block',
    fileStatus,
    creationDateTimeUtc: at,
    requestor: request.caller.name,
    requestorComment: request.comment,
    lastUpdateDateTimeUtc: at,
    confirmed: false,
    source,
  };
}
