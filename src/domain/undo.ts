import { refusalFrom, refuseUnlessHolds } from './access';
import type { ActionDeps } from './block-file';
import type { Caller } from './caller';
import type { FileHash } from './file-hash';
import { actorOf, refusalCorrelation, refusalDetail, refusalOutcome, type Refusal } from './outcomes';
import type { Delegation, Store } from './ports';
import { BLOCKING_ROLES } from './roles';
import { StoreKey } from './store-keys';
import { unblockFile, type UnblockOutcome } from './unblock-file';

/** What an Undo button stands for; the card carries only its id. */
export interface UndoRecord {
  readonly id: string;
  readonly hash: FileHash;
  readonly tenantId?: string;
  readonly blockedBy: string;
  readonly blockedAt: string;
  /** ISO time after which Undo is refused. */
  readonly until: string;
}

/** Undo records outlive their window by this much, so a late press is told why instead of "unknown". */
const KEEP_AFTER_WINDOW_MS = 24 * 60 * 60 * 1000;

const key = StoreKey.undo;

/** Remembers a block so that its Undo button works for `windowMs`. */
export async function offerUndo(store: Store, block: { readonly hash: FileHash; readonly caller: Caller }, id: string, now: Date, windowMs: number): Promise<UndoRecord> {
  const record: UndoRecord = {
    id,
    hash: block.hash,
    tenantId: block.caller.tenantId,
    blockedBy: block.caller.name,
    blockedAt: now.toISOString(),
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
  | (UnblockOutcome & { readonly record: UndoRecord })
  | Refusal;

/** Undoes a block from its Undo button: only inside the window, only by someone allowed to unblock, only once. */
export async function undoBlock(deps: ActionDeps & { readonly store: Store }, undoId: string, presser: Caller, delegation: Delegation): Promise<UndoOutcome> {
  const stored = await deps.store.get<UndoRecord>(key(undoId));
  if (!stored || stored.value.tenantId !== presser.tenantId) return { kind: 'unknown' };
  const record = stored.value;
  if (deps.now().getTime() > Date.parse(record.until)) return { kind: 'expired', record };
  const comment = `Undo of the block by ${record.blockedBy} at ${record.blockedAt}, pressed by ${presser.name} in Teams.`;
  const refused = await refuseUnlessHolds(deps.roles, presser, delegation, BLOCKING_ROLES).catch(refusalFrom);
  if (refused) {
    await auditRefusal(deps, record, presser, comment, refused);
    return refused;
  }
  const claimed = await deps.store.delete(key(undoId), { ifMatch: stored.etag });
  if (!claimed.ok) return { kind: 'alreadyUndone', record };
  const outcome = await unblockFile(deps, { hash: record.hash, comment, caller: presser }, delegation, 'undo');
  if (outcome.kind !== 'unblocked' && outcome.kind !== 'notBlocked') {
    await deps.store.put(key(undoId), record, { ifNoneMatch: '*', ttlMs: Math.max(1, Date.parse(record.until) - deps.now().getTime()) + KEEP_AFTER_WINDOW_MS });
  }
  return { ...outcome, record };
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
