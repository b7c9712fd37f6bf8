import { TokenError } from '../errors';
import type { BulkItem } from './bulk-block';
import { detailConcerns, lookupFailure, type ActionDeps, type Concern } from './block-file';
import type { FileHash } from './file-hash';
import type { FileStatus } from './file-status';
import type { Delegation } from './ports';

/** A hash of a bulk list that a single block would ask about first, and why. */
export interface BulkFlag {
  readonly hash: FileHash;
  readonly concerns: readonly Concern[];
}

/** Lists of up to this many hashes also get the signer and prevalence checks (three GETs per hash), as a single block does. */
export const BULK_DETAIL_CHECKS = 20;

/**
 * The checks a single block makes, for a whole list before anything is sent: which hashes already have an
 * indicator (one filtered GET per lookup batch, never one per hash), and for short lists which are
 * Microsoft-signed or widespread. A check that fails flags its hashes as unchecked; nothing passes silently.
 */
export async function precheckBulk(deps: ActionDeps, items: readonly BulkItem[], delegation: Delegation): Promise<BulkFlag[]> {
  const hashes = items.map((item) => item.hash).filter((hash) => deps.defender.hashTypes.includes(hash.type));
  const concerns = new Map<string, Concern[]>(hashes.map((hash) => [hash.value, []]));
  const add = (hash: FileHash, concern: Concern) => concerns.get(hash.value)?.push(concern);
  const detailed = hashes.length <= BULK_DETAIL_CHECKS;
  const { defender } = deps;
  if (defender.existingBlocks) {
    let existing: ReadonlyMap<string, FileStatus> | undefined;
    let failure = '';
    try {
      existing = await defender.existingBlocks(hashes, delegation.defender);
    } catch (error) {
      if (error instanceof TokenError) throw error;
      failure = lookupFailure(error);
    }
    for (const hash of hashes) {
      const status = existing?.get(hash.value);
      if (!existing) add(hash, { kind: 'existingUnchecked', reason: failure });
      else if (status) add(hash, { kind: 'existingBlock', status });
    }
  } else if (detailed) {
    const settled = await Promise.allSettled(hashes.map((hash) => defender.currentBlock(hash, delegation.defender)));
    settled.forEach((one, i) => {
      if (one.status === 'rejected' && one.reason instanceof TokenError) throw one.reason;
      if (one.status === 'rejected') add(hashes[i], { kind: 'existingUnchecked', reason: lookupFailure(one.reason) });
      else if (one.value) add(hashes[i], { kind: 'existingBlock', status: one.value });
    });
  }
  if (detailed) {
    const settled = await Promise.allSettled(hashes.map((hash) => defender.fileDetails(hash, delegation.defender)));
    settled.forEach((one, i) => {
      if (one.status === 'rejected' && one.reason instanceof TokenError) throw one.reason;
      detailConcerns(one, deps.widespreadThreshold).forEach((concern) => add(hashes[i], concern));
    });
  }
  return hashes.flatMap((hash) => {
    const found = concerns.get(hash.value) ?? [];
    return found.length ? [{ hash, concerns: found }] : [];
  });
}
