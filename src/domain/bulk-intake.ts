import type { BlockOptions, OptionsInput } from './block-options';
import type { BulkItem } from './bulk-block';
import type { Caller } from './caller';
import type { FileHash } from './file-hash';
import { resolveOptions } from './resolve-options';

/** Most hashes in one bulk request (Defender allows 15,000 active indicators per tenant). */
export const MAX_BULK_HASHES = 15000;

/** One line of a bulk list: a hash with an optional comment, or why the line is unusable. */
export interface BulkLine {
  /** 1-based line (or CSV row) number, as the analyst sees it. */
  readonly line: number;
  readonly text: string;
  readonly hash?: FileHash;
  readonly comment?: string;
  readonly problem?: string;
}

/** Marks repeated hashes as problems ("same as line N"), so each file is blocked once. */
export function markDuplicates(lines: readonly BulkLine[]): BulkLine[] {
  const seen = new Map<string, number>();
  return lines.map((line) => {
    if (!line.hash || line.problem) return line;
    const first = seen.get(line.hash.value);
    if (first !== undefined) return { ...line, problem: `same hash as line ${first}` };
    seen.set(line.hash.value, line.line);
    return line;
  });
}

/** A checked bulk block, ready to run (kept in the store while its review card waits). */
export interface BulkJobSpec {
  readonly items: readonly BulkItem[];
  readonly options: BlockOptions;
  readonly caller: Caller;
  /** Set once the pre-block checks ran and the analyst chose what to do with the hashes they flagged. */
  readonly prechecked?: boolean;
  /** Hash values sent before a restart whose answer was lost: checked in Defender first, never re-imported blindly. */
  readonly verify?: readonly string[];
  /** The other choice of the same review card (with or without the flagged hashes): withdrawn once this one runs. */
  readonly sibling?: string;
  /** Lines that could not be used and are not blocked (the result card lists them again). */
  readonly skipped?: readonly BulkLine[];
}

/** Checks every line before anything is sent: hash, comment (own or shared), duplicates, size. */
export function prepareBulk(
  lines: readonly BulkLine[],
  input: { readonly sharedComment?: string; readonly options: OptionsInput },
  caller: Caller,
  now: Date,
  defaultExpiryDays: number,
): { readonly spec: BulkJobSpec; readonly lines: readonly BulkLine[]; readonly tooMany: boolean } {
  const checked = markDuplicates(
    lines.map((line) =>
      line.problem || line.comment || input.sharedComment ? line : { ...line, problem: 'a comment is required: put it after the hash, or after the word block for every line' },
    ),
  );
  const items = checked.flatMap((line) => (line.hash && !line.problem ? [{ hash: line.hash, comment: (line.comment ?? input.sharedComment)! }] : []));
  return {
    spec: { items, options: resolveOptions(input.options, now, defaultExpiryDays), caller, skipped: checked.filter((line) => line.problem) },
    lines: checked,
    tooMany: items.length > MAX_BULK_HASHES,
  };
}
