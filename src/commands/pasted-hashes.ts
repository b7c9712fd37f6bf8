import { MAX_BULK_HASHES, type BulkLine } from '../domain/bulk-intake';
import { findHashes } from './find-hashes';
import { parseBulkLines } from './parse-bulk';

/** A first cell this long and all hex is a mistyped hash, not prose: the line is shown as unusable rather than the list read as free text. */
const HASH_LIKE = /^[0-9a-f]{16,128}$/i;

/** A first line asking for the opposite of a block (lifting or allowing): such a message is never offered as hashes to block. */
const OTHER_INTENT = /\b(unblock|allow|allowed|allowlist|whitelist|lift|undo)\b/i;

/**
 * The bulk lines of a message that is nothing but hashes and carries no command word: one hash per
 * line, `hash,comment` lines or a CSV pasted as text (each line read as a bulk line); otherwise, a
 * copied alert or report, whose hashes are picked out of the text. Undefined when it has no hash, or when
 * its first line asks for the opposite (an unblock, an allow) in words the grammar did not take.
 */
export function pastedHashLines(text: string): BulkLine[] | undefined {
  const lines = parseBulkLines(text);
  const hashed = lines.filter((line) => line.hash).length;
  if (hashed > 0 && lines.every((line) => line.hash || HASH_LIKE.test(firstCell(line.text)))) return lines;
  if (OTHER_INTENT.test(text.slice(0, text.indexOf('\n') === -1 ? text.length : text.indexOf('\n')))) return undefined;
  const found = findHashes(text, MAX_BULK_HASHES + 1);
  if (found.hashes.length === 0) return undefined;
  return found.hashes.map((hash, index) => ({ line: index + 1, text: hash.value, hash }));
}

function firstCell(line: string): string {
  return /^"?([^\s,;"]*)/.exec(line)?.[1] ?? '';
}
