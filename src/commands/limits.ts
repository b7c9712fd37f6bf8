/** Longest comment accepted; Defender keeps it with the action and the card shows it. */
export const MAX_COMMENT_LENGTH = 1000;

/** Most hashes in one bulk request (Defender allows 15,000 active indicators per tenant). */
export const MAX_BULK_HASHES = 15000;
