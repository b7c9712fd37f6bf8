import { classifyHash } from '../domain/file-hash';
import type { BulkLine } from '../domain/bulk-intake';
import { MAX_COMMENT_LENGTH } from './limits';
import { stripCellQuotes } from './text-parts';

export type { BulkLine } from '../domain/bulk-intake';

const HEADER = /^\s*"?(sha-?1|sha-?256|md5|hash|file ?hash|indicator(value)?)"?\s*([,;\t].*)?$/i;

/** Splits pasted lines (`hash`, `hash,comment`, `hash comment`) into bulk lines; blank lines are skipped. */
export function parseBulkLines(text: string, firstLineNumber = 1): BulkLine[] {
  const lines: BulkLine[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '') return;
    const number = firstLineNumber + index;
    if (index === 0 && HEADER.test(line)) return;
    const match = /^([^\s,;]+)\s*(?:[,;\t]\s*)?(.*)$/.exec(line);
    lines.push(bulkLine(number, line, match?.[1] ?? line, match?.[2] ?? ''));
  });
  return lines;
}

/** A bulk line from already separated cells (CSV rows). */
export function bulkLine(line: number, text: string, hashCell: string, commentCell: string): BulkLine {
  const token = stripCellQuotes(hashCell.trim());
  const hash = classifyHash(token);
  const comment =
    commentCell
      .trim()
      .replace(/^"(.*)"$/s, '$1')
      .trim() || undefined;
  if (!hash) return { line, text, problem: token ? `"${truncate(token, 70)}" is not a SHA-1, SHA-256 or MD5` : 'no hash' };
  if (comment && comment.length > MAX_COMMENT_LENGTH) {
    return { line, text, hash, problem: `comment is ${comment.length} characters; the limit is ${MAX_COMMENT_LENGTH}` };
  }
  return { line, text, hash, comment };
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
