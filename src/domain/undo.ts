import { refusalFrom, refuseUnlessHolds } from './access';
import type { ActionDeps } from './block-file';
import type { Caller } from './caller';
import type { FileHash } from './file-hash';
import { actorOf, refusalCorrelation, refusalDetail, refusalOutcome, type Refusal } from './outcomes';
import type { FileStatus } from './file-status';
import type { BlockMade, Delegation, Store } from './ports';
import { BLOCKING_ROLES } from './roles';
import { StoreKey } from './store-keys';
import { liftOwnBlock, type LiftOutcome } from './unblock-file';

/** What an Undo button stands for; the card carries only its id. */
export interface UndoRecord {
  readonly id: string;
  readonly hash: FileHash;
  readonly tenantId?: string;
  readonly blockedBy: string;
  readonly blockedAt: string;
  /** What the block created; Undo lifts that and nothing else. */
  readonly made: BlockMade;
  /** ISO time after which Undo is refused. */
  readonly until: string;
}

/** Undo records outlive their window by this much, so a late press is told why instead of "unknown". */
const KEEP_AFTER_WINDOW_MS = 24 * 60 * 60 * 1000;

const key = StoreKey.undo;

/** A block as sent and as Defender answered it. */
export interface DoneBlock {
  readonly hash: FileHash;
  readonly comment: string;
  readonly caller: Caller;
  readonly status: FileStatus;
}

/** Remembers a block and what it created so that its Undo button works for `windowMs`. */
export async function offerUndo(store: Store, block: DoneBlock, id: string, now: Date, windowMs: number): Promise<UndoRecord> {
  const { status } = block;
  const record: UndoRecord = {
    id,
    hash: block.hash,
    tenantId: block.caller.tenantId,
    blockedBy: block.caller.name,
    blockedAt: now.toISOString(),
    made: {
      comment: block.comment,
      ...(status.indicatorId !== undefined ? { indicatorId: status.indicatorId } : {}),
      ...(status.indicatorId !== undefined && status.lastUpdateDateTimeUtc ? { updatedAt: status.lastUpdateDateTimeUtc } : {}),
      ...(status.confirmed && status.creationDateTimeUtc ? { createdAt: status.creationDateTimeUtc } : {}),
      ...(status.confirmed && status.requestor ? { requestor: status.requestor } : {}),
    },
    until: new Date(now.getTime() + windowMs).toISOString(),
  };
  await store.put(key(id), record, { ifNoneMatch: '*', ttlMs: windowMs + KEEP_AFTER_WINDOW_MS });
  return record;
}

/** Every way pressing Undo can end. */
export type UndoOutcome =
  | { readonly kind: 'unknown' }
  | { readonly kind: 'expired'; readonly record: UndoRecord }
  | { readonly kind: 'alreadyUndone'; readonly record: UndoRecord }
  | (Extract<LiftOutcome, { kind: 'unblocked' | 'alreadyLifted' }> & { readonly record: UndoRecord })
  /** The lift failed after the offer was taken; `offerKept`: it was put back, so Undo can be pressed again. */
  | (Refusal & { readonly record: UndoRecord; readonly offerKept: boolean })
  /** Refused before the offer was taken: it still stands. */
  | Refusal;

/**
 * Undoes a block from its Undo button: only inside the window, only by someone allowed to unblock,
 * only once, and only the block it belongs to (a block since lifted or replaced is left as it is).
 */
export async function undoBlock(deps: ActionDeps & { readonly store: Store }, undoId: string, presser: Caller, delegation: Delegation): Promise<UndoOutcome> {
  const stored = await deps.store.get<UndoRecord>(key(undoId));
  if (!stored || stored.value.tenantId !== presser.tenantId || !stored.value.made) return { kind: 'unknown' };
  const record = stored.value;
  if (deps.now().getTime() > Date.parse(record.until)) return { kind: 'expired', record };
  const comment = `Undo of the block by ${record.blockedBy} at ${utcText(record.blockedAt)}, pressed by ${presser.name} in Teams.`;
  const refused = await refuseUnlessHolds(deps.roles, presser, delegation, BLOCKING_ROLES).catch(refusalFrom);
  if (refused) {
    await auditRefusal(deps, record, presser, comment, refused);
    return refused;
  }
  const claimed = await deps.store.delete(key(undoId), { ifMatch: stored.etag });
  if (!claimed.ok) return { kind: 'alreadyUndone', record };
  const restore = () => deps.store.put(key(undoId), record, { ifNoneMatch: '*', ttlMs: Math.max(1, Date.parse(record.until) - deps.now().getTime()) + KEEP_AFTER_WINDOW_MS });
  let outcome: LiftOutcome;
  try {
    outcome = await liftOwnBlock(deps, { hash: record.hash, comment, caller: presser, made: record.made }, delegation);
  } catch (error) {
    // Whatever failed, the Undo stays pressable while its window lasts.
    await restore().catch(() => undefined);
    throw error;
  }
  if (outcome.kind === 'unblocked' || outcome.kind === 'alreadyLifted') return { ...outcome, record };
  // A restore that fails too (storage is down with the trail) must not hide that nothing was lifted.
  const offerKept = await restore().then(
    (put) => put.ok,
    () => false,
  );
  return { ...outcome, record, offerKept };
}

/** A refused Undo goes on the trail as refused blocks and unblocks do. */
async function auditRefusal(deps: ActionDeps, record: UndoRecord, presser: Caller, comment: string, refusal: Refusal): Promise<void> {
  await deps.audit.record({
    tenantId: presser.tenantId,
    actor: actorOf(presser),
    action: 'undo',
    outcome: refusalOutcome(refusal),
    hash: record.hash.value,
    hashType: record.hash.type,
    comment,
    api: deps.defender.kind,
    detail: refusalDetail(refusal),
    correlationId: refusalCorrelation(refusal),
  });
}

/** `2025-03-01T12:00:00.000Z` → `2025-03-01 12:00:00 UTC`, as people read it in Defender's comment column; anything unparsable as given. */
export function utcText(iso: string): string {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso : `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}
