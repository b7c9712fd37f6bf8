/** Longest comment accepted; Defender keeps it with the action and the card shows it. */
export const MAX_COMMENT_LENGTH = 1000;
