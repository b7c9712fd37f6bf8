import type { BlockOptions } from './block-options';
import { markDuplicates, MAX_BULK_HASHES, type BulkJobSpec, type BulkLine } from './bulk-intake';
import type { Caller } from './caller';
import type { FileHash } from './file-hash';

/** Hashes pasted with no command word, waiting on their review card for the "Block N files" press (kept in the store). */
export interface PastedReview {
  /** Each usable hash once, with its own comment when its line had one. */
  readonly items: readonly { readonly hash: FileHash; readonly comment?: string }[];
  readonly options: BlockOptions;
  readonly caller: Caller;
}

/** Checks pasted lines: repeated hashes and unusable lines are listed, every other hash is kept (a comment may still be missing). */
export function preparePasted(
  lines: readonly BulkLine[],
  options: BlockOptions,
  caller: Caller,
): { readonly review: PastedReview; readonly lines: readonly BulkLine[]; readonly tooMany: boolean } {
  const checked = markDuplicates(lines);
  const items = checked.flatMap((line) => (line.hash && !line.problem ? [{ hash: line.hash, ...(line.comment ? { comment: line.comment } : {}) }] : []));
  return { review: { items, options, caller }, lines: checked, tooMany: items.length > MAX_BULK_HASHES };
}

/** How many of the review's hashes have no comment of their own. */
export function withoutComment(review: PastedReview): number {
  return review.items.filter((item) => !item.comment).length;
}

/** The bulk job a press starts: `comment` fills in for hashes without their own; undefined when one is still missing. */
export function pastedJob(review: PastedReview, comment: string | undefined): BulkJobSpec | undefined {
  if (!comment && withoutComment(review) > 0) return undefined;
  return { items: review.items.map((item) => ({ hash: item.hash, comment: (item.comment ?? comment)! })), options: review.options, caller: review.caller };
}
