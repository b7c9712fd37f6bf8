import { MAX_BULK_HASHES } from '../commands/limits';
import { markDuplicates, type BulkLine } from '../commands/parse-bulk';
import type { OptionsInput } from '../commands/parse-options';
import type { BlockOptions } from '../domain/block-options';
import type { BulkItem } from '../domain/bulk-block';
import type { Caller } from '../domain/caller';
import { resolveOptions } from '../domain/resolve-options';

/** A checked bulk block, ready to run (kept in the store while its review card waits). */
export interface BulkJobSpec {
  readonly items: readonly BulkItem[];
  readonly options: BlockOptions;
  readonly caller: Caller;
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
      line.problem || line.comment || input.sharedComment
        ? line
        : { ...line, problem: 'a comment is required: put it after the hash, or after the word block for every line' },
    ),
  );
  const items = checked.flatMap((line) => (line.hash && !line.problem ? [{ hash: line.hash, comment: (line.comment ?? input.sharedComment)! }] : []));
  return {
    spec: { items, options: resolveOptions(input.options, now, defaultExpiryDays), caller },
    lines: checked,
    tooMany: items.length > MAX_BULK_HASHES,
  };
}
