import { DefenderError, TokenError } from '../errors';
import { refusalFrom, refuseUnlessHolds } from './access';
import type { ActionDeps } from './block-file';
import { optionsSentAt, type BlockOptions } from './block-options';
import { auditItems, auditSummary } from './bulk-audit';
import type { Caller } from './caller';
import type { FileHash } from './file-hash';
import type { FileStatus } from './file-status';
import type { BulkItemResult } from './file-report';
import { refusalDetail, refusalOutcome, type Refusal } from './outcomes';
import type { BulkItemOutcome, BulkJournal } from './bulk-job';
import type { BlockFileRequest, Delegation } from './ports';
import { BLOCKING_ROLES } from './roles';

/** One hash of a bulk block, with its comment. */
export interface BulkItem {
  readonly hash: FileHash;
  readonly comment: string;
}

/** Where a bulk block stands; sent to the progress card after every batch. */
export interface BulkProgress {
  readonly total: number;
  readonly done: number;
  readonly blocked: number;
  readonly failures: readonly { readonly hash: FileHash; readonly reason: string }[];
  /** Set while Defender asked the bot to wait (429) or was unavailable. */
  readonly waitingUntil?: string;
  readonly finished: boolean;
}

/** How a bulk block ends. */
export type BulkOutcome =
  | {
      readonly kind: 'finished';
      readonly progress: BulkProgress;
      /** The hashes Defender accepted a block for, in the list's order. */
      readonly blockedHashes: readonly FileHash[];
    }
  | Refusal;

/** Timing of the bulk runner; injectable for tests. */
export interface BulkTiming {
  readonly sleep: (ms: number) => Promise<void>;
  /** Longest total wait on rate limits and outages before the rest is reported as failed. */
  readonly patienceMs: number;
}

/**
 * Blocks many files through the API's bulk import, in batches of `maxBatch`. Rate limits and
 * outages pause the run (Retry-After honoured) instead of failing it; every hash ends either
 * blocked or listed as a failure with its reason, and each one is audited.
 */
export async function bulkBlock(
  deps: ActionDeps & { readonly timing: BulkTiming },
  job: { readonly items: readonly BulkItem[]; readonly options?: BlockOptions; readonly caller: Caller; readonly verify?: readonly string[] },
  delegation: Delegation,
  onProgress: (progress: BulkProgress) => Promise<void>,
  /** Where the intent of each batch and its outcome are written, so that a restart knows what was sent. */
  journal?: BulkJournal,
): Promise<BulkOutcome> {
  const refused = await refuseUnlessHolds(deps.roles, job.caller, delegation, BLOCKING_ROLES).catch(refusalFrom);
  if (refused) {
    await auditSummary(deps, job, refusalOutcome(refused), refusalDetail(refused));
    return refused;
  }
  const run = new BulkRun(job.items.length);
  const wanted = job.items.filter((item) => {
    if (deps.defender.hashTypes.includes(item.hash.type)) return true;
    run.fail([item], `the ${deps.defender.kind} API does not take ${item.hash.type} hashes`);
    return false;
  });
  const supported = await verifiedFirst(deps, wanted, job.verify ?? [], delegation, run);
  let waitedMs = 0;
  for (let start = 0; start < supported.length;) {
    const batch = supported.slice(start, start + deps.defender.maxBatch);
    const options = deps.defender.supportsOptions && job.options ? optionsSentAt(job.options, deps.now()) : undefined;
    const requests: BlockFileRequest[] = batch.map((item) => ({ ...item, caller: job.caller, options }));
    try {
      await journal?.intent(batch);
    } catch {
      const rest = supported.slice(start);
      run.fail(rest, 'not sent: the progress of this bulk block could not be saved');
      break;
    }
    try {
      const results = await deps.defender.importBlocks(requests, delegation.defender);
      run.record(batch, results);
      await journal?.outcome(run.outcomesOf(batch)).catch(() => undefined);
      start += batch.length;
    } catch (error) {
      if (error instanceof DefenderError && error.reason === 'outcomeUnknown') {
        await settleUnknownBatch(deps, batch, delegation, run);
        await journal?.outcome(run.outcomesOf(batch)).catch(() => undefined);
        start += batch.length;
        await onProgress(run.snapshot());
        continue;
      }
      const pause = pauseFor(error, waitedMs, deps.timing.patienceMs);
      if (pause === undefined) {
        const stopsAll = !(error instanceof DefenderError) || ['forbidden', 'unauthorized', 'featureDisabled'].includes(error.reason);
        const failed = stopsAll ? supported.slice(start) : batch;
        run.fail(failed, reasonOf(error));
        await journal?.outcome(run.outcomesOf(failed)).catch(() => undefined);
        start += failed.length;
      } else {
        await journal?.alive(pause).catch(() => undefined);
        await onProgress(run.snapshot(new Date(deps.now().getTime() + pause).toISOString()));
        await deps.timing.sleep(pause);
        waitedMs += pause;
        continue;
      }
    }
    await onProgress(run.snapshot());
  }
  await auditItems(deps, job, run);
  const progress = run.snapshot(undefined, true);
  await auditSummary(deps, job, progress.failures.length === progress.total ? 'failed' : 'done', `${progress.blocked} of ${progress.total} blocked`);
  return { kind: 'finished', progress, blockedHashes: run.blockedHashes() };
}

export class BulkRun {
  readonly results = new Map<string, { ok: boolean; reason?: string; hash: FileHash }>();

  constructor(private readonly total: number) {}

  record(batch: readonly BulkItem[], results: readonly BulkItemResult[]): void {
    const byHash = new Map(results.map((r) => [r.hash.value, r]));
    for (const item of batch) {
      const result = byHash.get(item.hash.value);
      this.results.set(item.hash.value, { hash: item.hash, ok: !!result?.ok, reason: result?.ok ? undefined : (result?.reason ?? 'no answer from Defender for this hash') });
    }
  }

  outcomesOf(items: readonly BulkItem[]): Map<string, BulkItemOutcome> {
    return new Map(
      items.flatMap((item) => {
        const result = this.results.get(item.hash.value);
        return result ? [[item.hash.value, { ok: result.ok, reason: result.reason }] as const] : [];
      }),
    );
  }

  fail(items: readonly BulkItem[], reason: string): void {
    for (const item of items) this.results.set(item.hash.value, { hash: item.hash, ok: false, reason });
  }

  blockedHashes(): FileHash[] {
    return [...this.results.values()].filter((r) => r.ok).map((r) => r.hash);
  }

  snapshot(waitingUntil?: string, finished = false): BulkProgress {
    const all = [...this.results.values()];
    return {
      total: this.total,
      done: all.length,
      blocked: all.filter((r) => r.ok).length,
      failures: all.filter((r) => !r.ok).map((r) => ({ hash: r.hash, reason: r.reason ?? 'failed' })),
      waitingUntil,
      finished,
    };
  }
}

/**
 * Hashes sent before a restart whose answer was lost are looked up in Defender (one filtered GET per lookup
 * batch) instead of being imported again: found blocked, they count as blocked; not found, they are sent
 * with the rest; when the lookup fails, they are reported as unknown and not sent again.
 */
async function verifiedFirst(deps: ActionDeps, items: readonly BulkItem[], verify: readonly string[], delegation: Delegation, run: BulkRun): Promise<BulkItem[]> {
  const doubtful = items.filter((item) => verify.includes(item.hash.value));
  if (doubtful.length === 0) return [...items];
  let found: ReadonlyMap<string, FileStatus> | undefined;
  try {
    found = deps.defender.existingBlocks
      ? await deps.defender.existingBlocks(
          doubtful.map((i) => i.hash),
          delegation.defender,
        )
      : undefined;
  } catch {
    found = undefined;
  }
  if (!found) {
    run.fail(doubtful, 'outcome unknown: sent before the bot restarted and Defender could not be asked since; not sent again (check with status)');
    return items.filter((item) => !doubtful.includes(item));
  }
  const known = found;
  run.record(
    doubtful.filter((item) => known.get(item.hash.value)?.fileStatus === 'Blocked'),
    doubtful.map((item) => ({ hash: item.hash, ok: true })),
  );
  return items.filter((item) => !doubtful.includes(item) || known.get(item.hash.value)?.fileStatus !== 'Blocked');
}

/**
 * An import whose answer was lost (the connection broke after it was sent) is not sent again: Defender is asked
 * which of its hashes now have a block (one filtered lookup). Those count as blocked; the others are reported as
 * not blocked, to be sent again by the analyst; when the lookup fails too, as unknown.
 */
async function settleUnknownBatch(deps: ActionDeps, batch: readonly BulkItem[], delegation: Delegation, run: BulkRun): Promise<void> {
  let found: ReadonlyMap<string, FileStatus> | undefined;
  try {
    found = deps.defender.existingBlocks
      ? await deps.defender.existingBlocks(
          batch.map((i) => i.hash),
          delegation.defender,
        )
      : undefined;
  } catch {
    found = undefined;
  }
  if (!found) {
    run.fail(batch, 'outcome unknown: the connection broke after the batch was sent and Defender could not be asked since; not sent again (check with status)');
    return;
  }
  const known = found;
  const landed = batch.filter((item) => known.get(item.hash.value)?.fileStatus === 'Blocked');
  run.record(
    landed,
    landed.map((item) => ({ hash: item.hash, ok: true })),
  );
  run.fail(
    batch.filter((item) => !landed.includes(item)),
    'not blocked: the connection broke after the batch was sent and Defender has no block for it; send it again',
  );
}

/** How long to pause before retrying a batch, or undefined to give up on it. */
function pauseFor(error: unknown, waitedMs: number, patienceMs: number): number | undefined {
  if (!(error instanceof DefenderError)) return undefined;
  if (!['rateLimited', 'unavailable', 'timeout', 'network'].includes(error.reason)) return undefined;
  const asked = error.details.retryAfterSeconds;
  const pause = asked !== undefined ? asked * 1000 : Math.min(60_000, 5_000 * 2 ** Math.min(4, Math.floor(waitedMs / 5_000)));
  return waitedMs + pause <= patienceMs ? Math.max(pause, 1) : undefined;
}

function reasonOf(error: unknown): string {
  if (error instanceof DefenderError) {
    return `${error.message}${error.details.correlationId ? ` (correlation id ${error.details.correlationId})` : ''}`;
  }
  if (error instanceof TokenError) return `sign-in problem: ${error.message}`;
  return 'unexpected error';
}
