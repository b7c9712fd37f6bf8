import type { ApprovalSubject, ApprovedFailure } from './approval-actions';
import type { ContainDeps } from './containment';
import type { ActionDeps } from './block-file';
import type { Caller } from './caller';
import type { FileStatus } from './file-status';
import type { Store, Versioned } from './ports';
import type { OpenEntry } from './approval-index';
import { StoreKey } from './store-keys';

/** Where an approval request stands. */
export type ApprovalStatus = 'pending' | 'approving' | 'approved' | 'rejected' | 'cancelled' | 'expired' | 'failed';

/** A person as the approval record keeps them. */
export interface Person {
  readonly userId: string;
  readonly aadObjectId?: string;
  readonly name: string;
}

/** One decision taken on a request; a request keeps all of them, oldest first. */
export interface ApprovalDecision {
  /** Who decided; absent when the request expired on its own. */
  readonly by?: Person;
  readonly action: 'approve' | 'reject' | 'retry' | 'cancel' | 'expire';
  readonly at: string;
  /** `blocking` while the approved action is on its way to Defender, `blocked` once it is done (named for blocks, whatever the action). */
  readonly outcome: 'blocking' | 'blocked' | 'failed' | 'rejected' | 'cancelled' | 'expired';
}

/** A request for a second person to approve a block, an unblock, an Undo or an allow; the store's copy is the only truth. */
export interface ApprovalRequest extends ApprovalSubject {
  readonly id: string;
  readonly tenantId?: string;
  readonly requester: Person;
  readonly requestedAt: string;
  readonly expiresAt: string;
  readonly status: ApprovalStatus;
  /** Where the requester asked (opaque to the domain: the bot's conversation reference). */
  readonly origin?: unknown;
  /** The approval card (opaque: conversation and message ids). */
  readonly card?: unknown;
  /** The indicator already in force for the hash when the request was made, so the approver sees what a block or an allow replaces. */
  readonly existing?: FileStatus;
  /** Why that lookup (or an unblock's listing) could not be made, when it failed. */
  readonly existingUnknown?: string;
  readonly decisions: readonly ApprovalDecision[];
  readonly reason?: string;
  /** Defender's answer to the approved action. */
  readonly result?: FileStatus;
  /** Said when the approved action found nothing to change (nothing blocked any more, the Undo's block already lifted). */
  readonly note?: string;
  /** Why the approved action failed, and Defender's correlation id; `unknown`: it may have been carried out. */
  readonly failure?: ApprovedFailure;
  readonly attempts: number;
}

/** Key of an approval request in the store. */
export const approvalKey = StoreKey.approval;

/** What the approval use cases need. */
export interface ApprovalDeps extends ActionDeps {
  readonly store: Store;
  /** Stop & quarantine, for requests that contain (absent: such requests fail with a reason). */
  readonly contain?: ContainDeps;
  readonly requestTtlMs: number;
  /** Pending requests one person may have at once (10 unless set). */
  readonly maxOpenPerUser?: number;
  /** How long a request is kept after its expiry, decided or not (30 days unless set); the store then forgets it. */
  readonly retentionMs?: number;
}

const DEFAULT_RETENTION_MS = 30 * 24 * 60 * 60 * 1000;

/** The store's time to live for a request (and its index entry): until its expiry plus the retention. */
export function keptFor(deps: ApprovalDeps, request: Pick<ApprovalRequest, 'expiresAt'>): number {
  return Math.max(1, Date.parse(request.expiresAt) + (deps.retentionMs ?? DEFAULT_RETENTION_MS) - deps.now().getTime());
}

/**
 * Stores a new request, if none has its id, with its entry in the open-approval index (written
 * first, so no stored request is missing from it; an entry whose request was never written is
 * dropped by the sweep). False when the id is taken.
 */
export async function storeNewRequest(deps: ApprovalDeps, request: ApprovalRequest): Promise<boolean> {
  const ttlMs = keptFor(deps, request);
  const entry: OpenEntry = { id: request.id, tenantId: request.tenantId, requester: request.requester, undoId: request.undo?.undoId };
  await deps.store.put<OpenEntry>(StoreKey.openApproval(Date.parse(request.expiresAt), request.id), entry, { ttlMs });
  return (await deps.store.put(approvalKey(request.id), request, { ifNoneMatch: '*', ttlMs })).ok;
}

/** The latest decision on a request, if any. */
export function lastDecision(request: ApprovalRequest): ApprovalDecision | undefined {
  return request.decisions.at(-1);
}

/** A stored request by id (records written before decisions or actions were kept read as blocks with no decisions). */
export async function findRequest(store: Store, id: string): Promise<Versioned<ApprovalRequest> | undefined> {
  const stored = await store.get<ApprovalRequest>(approvalKey(id));
  return stored && { ...stored, value: normalized(stored.value) };
}

export function normalized(request: ApprovalRequest): ApprovalRequest {
  return { ...request, action: request.action ?? 'block', decisions: request.decisions ?? [] };
}

/** Saves where the approval card was posted, over whatever is stored (a decision under way writes over it again, keeping the card). */
export async function attachCard(deps: ApprovalDeps, id: string, card: unknown): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const stored = await deps.store.get<ApprovalRequest>(approvalKey(id));
    if (!stored) return;
    const written = await deps.store.put(approvalKey(id), { ...stored.value, card }, { ifMatch: stored.etag, ttlMs: keptFor(deps, stored.value) });
    if (written.ok) return;
  }
}
/** The approver whose press first sent the approved action (retries come after it). */
export function approverOf(request: ApprovalRequest): Person | undefined {
  return [...request.decisions].reverse().find((d) => d.action === 'approve')?.by;
}
export function expiry(request: ApprovalRequest, now: Date): ApprovalRequest {
  return { ...request, status: 'expired', decisions: [...request.decisions, { action: 'expire', at: now.toISOString(), outcome: 'expired' }] };
}
/**
 * Writes `next` over the version `base` it was decided from. Another write that left the decision
 * as it was (attachCard saving where the card was posted) is not a lost race: the decision is
 * written again over it, keeping what it saved. Undefined when the decision itself changed.
 */
export async function saveDecision(deps: ApprovalDeps, base: Versioned<ApprovalRequest>, next: ApprovalRequest): Promise<Versioned<ApprovalRequest> | undefined> {
  let current = base;
  for (let attempt = 0; attempt < 5; attempt++) {
    const value: ApprovalRequest = { ...next, card: current.value.card };
    const written = await deps.store.put(approvalKey(next.id), value, { ifMatch: current.etag, ttlMs: keptFor(deps, next) });
    if (written.ok) return { value, etag: written.etag };
    const latest = await findRequest(deps.store, next.id);
    if (!latest || !sameDecision(latest.value, base.value)) return undefined;
    current = latest;
  }
  return undefined;
}

/** Whether two versions of a request stand at the same point of deciding (status, attempt, and the same decisions so far). */
function sameDecision(a: ApprovalRequest, b: ApprovalRequest): boolean {
  const [x, y] = [lastDecision(a), lastDecision(b)];
  return (
    a.status === b.status &&
    a.attempts === b.attempts &&
    a.decisions.length === b.decisions.length &&
    x?.at === y?.at &&
    x?.outcome === y?.outcome &&
    x?.by?.userId === y?.by?.userId &&
    x?.by?.aadObjectId === y?.by?.aadObjectId
  );
}
/** Whether the caller is the person a request names (by Entra object id when both have one). */
export function samePerson(person: Person, caller: Caller): boolean {
  if (person.aadObjectId && caller.aadObjectId) return person.aadObjectId.toLowerCase() === caller.aadObjectId.toLowerCase();
  return person.userId === caller.userId;
}
