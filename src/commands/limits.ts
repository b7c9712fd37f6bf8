/** Longest comment accepted; Defender keeps it with the action and the card shows it. */
export const MAX_COMMENT_LENGTH = 1000;

/**
 * Longest message read, in characters (UTF-16 code units). Teams itself stops a message at about 28 KB,
 * so this only turns away what did not come from a person typing; it keeps parsing bounded. A pasted list
 * of hashes must fit too: some 1,600 SHA-256 lines with a short comment each. Longer lists go in a CSV file,
 * which has its own limit (MAX_BULK_HASHES); the answer says so.
 */
export const MAX_MESSAGE_LENGTH = 128 * 1024;

/** Most of a message's HTML a message action reads (Teams' HTML around the text is larger than the text); the rest is ignored. */
export const MAX_MESSAGE_HTML_LENGTH = 256 * 1024;
