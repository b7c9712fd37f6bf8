/** Longest comment accepted; Defender keeps it with the action and the card shows it. */
export const MAX_COMMENT_LENGTH = 1000;

export { MAX_BULK_HASHES } from '../domain/bulk-intake';
