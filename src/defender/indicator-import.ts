import { z } from 'zod';
import type { BulkItemResult } from '../domain/file-report';
import type { BlockFileRequest } from '../domain/ports';
import { DefenderError } from '../errors';

/** What Defender says of a request it never mentioned in its import answer. */
export const NO_ANSWER = 'no answer from Defender for this item';

const ItemSchema = z.looseObject({
  id: z.union([z.string(), z.number()]).nullish(),
  indicator: z.string().nullish(),
  indicatorValue: z.string().nullish(),
  isFailed: z.union([z.boolean(), z.string()]).nullish(),
  failureReason: z.string().nullish(),
});

const AnswerSchema = z.union([z.array(ItemSchema), z.looseObject({ value: z.array(ItemSchema) }).transform((a) => a.value)]);

type ImportItem = z.infer<typeof ItemSchema>;

/**
 * Maps `POST /indicators/import`'s per-item answers (`{id, indicator, isFailed, failureReason}`,
 * bare or in a `value` wrapper) onto the requests, in request order, matching by indicator value.
 */
export function importResults(requests: readonly BlockFileRequest[], body: unknown): BulkItemResult[] {
  const parsed = AnswerSchema.safeParse(body);
  if (!parsed.success) {
    throw new DefenderError('unexpected', 'Defender answered the import with something the bot could not read.', {}, { cause: parsed.error });
  }
  const unused = [...parsed.data];
  return requests.map((request) => {
    const at = unused.findIndex((item) => valueOf(item) === request.hash.value);
    if (at === -1) return { hash: request.hash, ok: false, reason: NO_ANSWER };
    const [item] = unused.splice(at, 1);
    const id = item.id == null ? undefined : String(item.id);
    if (failed(item)) return { hash: request.hash, ok: false, reason: item.failureReason?.trim() || 'Defender refused this item.', indicatorId: id };
    return { hash: request.hash, ok: true, indicatorId: id };
  });
}

function valueOf(item: ImportItem): string | undefined {
  return (item.indicator ?? item.indicatorValue ?? undefined)?.trim().toLowerCase();
}

function failed(item: ImportItem): boolean {
  return item.isFailed === true || (typeof item.isFailed === 'string' && item.isFailed.toLowerCase() === 'true');
}
