import type { BulkItemResult } from '../domain/file-report';
import type { BlockFileRequest } from '../domain/ports';
import { DefenderError } from '../errors';
import { isRetryable } from './error-mapping';

/** Defender's import limit, which every implementation adopts as its `maxBatch`. */
export const MAX_BATCH = 500;

/** Throws when a caller hands over more than `max` requests at once (split first). */
export function requireBatchSize(count: number, max: number): void {
  if (count > max) throw new DefenderError('invalidRequest', `At most ${max} files per import; got ${count}. Split the list.`);
}

/**
 * Blocks one request after another for an API without an import endpoint. A DefenderError about
 * the item (bad hash, forbidden, ...) becomes a failed item; a transient one (rate limited,
 * unavailable, timeout, network: retries already spent) and any other error propagate so the
 * caller can pause and resend the same batch later: blocking is idempotent, so items already
 * done are merely blocked again.
 */
export async function importOneByOne(requests: readonly BlockFileRequest[], block: (request: BlockFileRequest) => Promise<unknown>): Promise<BulkItemResult[]> {
  requireBatchSize(requests.length, MAX_BATCH);
  const results: BulkItemResult[] = [];
  for (const request of requests) {
    try {
      await block(request);
      results.push({ hash: request.hash, ok: true });
    } catch (error) {
      if (!(error instanceof DefenderError) || isRetryable(error)) throw error;
      results.push({ hash: request.hash, ok: false, reason: error.message });
    }
  }
  return results;
}
