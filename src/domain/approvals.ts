import { refusalFrom, refuseUnlessHolds } from './access';
import { runApproved, type ApprovalSubject, type ApprovedContainment, type ApprovedFailure } from './approval-actions';
import type { ContainDeps } from './containment';
import type { ActionDeps } from './block-file';
import type { Caller } from './caller';
import type { FileStatus } from './file-status';
import { actorOf, type Refusal } from './outcomes';
import type { Delegation, Store, Versioned } from './ports';
import { BLOCKING_ROLES } from './roles';
import type { OpenEntry } from './approval-index';
import { StoreKey, StorePrefix } from './store-keys';

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
function keptFor(deps: ApprovalDeps, request: Pick<ApprovalRequest, 'expiresAt'>): number {
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

function normalized(request: ApprovalRequest): ApprovalRequest {
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

/** Every way an approver's press (approve, reject, retry) or the requester's cancel can end. */
export type DecisionOutcome =
  | { readonly kind: 'unknown' }
  | { readonly kind: 'alreadyDecided'; readonly request: ApprovalRequest }
  | { readonly kind: 'expired'; readonly request: ApprovalRequest }
  | { readonly kind: 'selfApproval'; readonly request: ApprovalRequest }
  | { readonly kind: 'notRequester'; readonly request: ApprovalRequest }
  | { readonly kind: 'decided'; readonly request: ApprovalRequest; readonly containment?: ApprovedContainment }
  | (Refusal & { readonly request: ApprovalRequest });

/** An approver's choice. */
export type Decision = { readonly kind: 'approve' } | { readonly kind: 'retry' } | { readonly kind: 'reject'; readonly reason?: string };

/**
 * Decides a request: reloaded from the store by id (never from the card), four eyes (the requester
 * never approves their own), the approver's role checked live, and exactly one decision thanks to
 * the store's eTags, whatever races or replays. Approval runs the requested action (block, unblock,
 * Undo, allow) as the approver, with the approver's delegation. Every decision is kept on the
 * request; a failed action may be retried until the request expires.
 */
export async function decide(deps: ApprovalDeps, id: string, decider: Caller, delegation: Delegation, decision: Decision): Promise<DecisionOutcome> {
  const stored = await findRequest(deps.store, id);
  if (!stored || stored.value.tenantId !== decider.tenantId) return { kind: 'unknown' };
  const request = stored.value;
  const retry = decision.kind === 'retry';
  const open = retry ? request.status === 'failed' || stalled(request, deps.now()) : request.status === 'pending';
  if (!open) return { kind: 'alreadyDecided', request };
  if (Date.parse(request.expiresAt) <= deps.now().getTime()) {
    if (request.status === 'approving') return { kind: 'expired', request };
    return { kind: 'expired', request: await settle(deps, stored, expiry(request, deps.now())) };
  }
  if (samePerson(request.requester, decider)) return { kind: 'selfApproval', request };
  const refused = await refuseUnlessHolds(deps.roles, decider, delegation, BLOCKING_ROLES).catch(refusalFrom);
  if (refused) return { ...refused, request };
  const at = deps.now().toISOString();
  const by = actorOf(decider);
  if (decision.kind === 'reject') {
    const reason = decision.reason?.trim() || undefined;
    const rejected = await saveDecision(deps, stored, {
      ...request,
      status: 'rejected',
      reason,
      decisions: [...request.decisions, { by, action: 'reject', at, outcome: 'rejected' }],
    });
    if (!rejected) return lostRace(deps, id);
    await auditDecision(deps, rejected.value, 'cancelled', `rejected${reason ? `: ${reason}` : ''}`);
    return { kind: 'decided', request: rejected.value };
  }
  const claim = await saveDecision(deps, stored, {
    ...request,
    status: 'approving',
    decisions: [...request.decisions, { by, action: decision.kind, at, outcome: 'blocking' }],
    attempts: request.attempts + 1,
  });
  if (!claim) return lostRace(deps, id);
  const claimed = claim.value;
  const run = await runApproved(deps, claimed, decider, delegation);
  const decisions = [...claimed.decisions.slice(0, -1), { by, action: decision.kind, at, outcome: run.done ? 'blocked' : 'failed' } satisfies ApprovalDecision];
  const finished: ApprovalRequest = run.done
    ? { ...claimed, status: 'approved', decisions, result: run.result, note: run.note, failure: undefined }
    : { ...claimed, status: 'failed', decisions, failure: run.failure };
  const saved = await saveDecision(deps, claim, finished);
  if (!saved) return lostRace(deps, id);
  const done = saved.value;
  const verb = retry ? `retried (approved by ${approverOf(done)?.name ?? 'an approver'})` : 'approved';
  const what = AUDIT_WORDS[done.action];
  const unknown = !run.done && done.failure?.unknown === true;
  const ended = run.done ? `${verb} and ${what.done}` : `${verb}, ${what.noun} ${unknown ? 'outcome unknown' : 'failed'}: ${done.failure?.detail}`;
  await auditDecision(deps, done, run.done ? 'done' : unknown ? 'unknown' : 'failed', ended);
  return { kind: 'decided', request: done, ...(run.done && run.containment ? { containment: run.containment } : {}) };
}

/** The requester withdraws a pending request. */
export async function cancelRequest(deps: ApprovalDeps, id: string, requester: Caller): Promise<DecisionOutcome> {
  const stored = await findRequest(deps.store, id);
  if (!stored || stored.value.tenantId !== requester.tenantId) return { kind: 'unknown' };
  const request = stored.value;
  if (!samePerson(request.requester, requester)) return { kind: 'notRequester', request };
  if (request.status !== 'pending') return { kind: 'alreadyDecided', request };
  const decision: ApprovalDecision = { by: actorOf(requester), action: 'cancel', at: deps.now().toISOString(), outcome: 'cancelled' };
  const cancelled = await saveDecision(deps, stored, { ...request, status: 'cancelled', decisions: [...request.decisions, decision] });
  if (!cancelled) return lostRace(deps, id);
  await auditDecision(deps, cancelled.value, 'cancelled', 'cancelled by the requester');
  return { kind: 'decided', request: cancelled.value };
}

/**
 * Marks requests past their time that still wait (pending, or failed and not retried) as expired;
 * returns those this call expired (each once, across instances). Reads only the open-approval
 * index up to now, never every request: an entry is dropped once its request is settled or gone;
 * one whose approved action is still running stays for the next sweep.
 */
export async function expireDue(deps: ApprovalDeps): Promise<ApprovalRequest[]> {
  const now = deps.now();
  const expired: ApprovalRequest[] = [];
  const due = await deps.store.list<OpenEntry>(StorePrefix.openApproval, { before: StoreKey.openApprovalDue(now.getTime() + 1) });
  for (const entry of due) {
    const stored = await findRequest(deps.store, entry.value.id);
    const request = stored?.value;
    if (request?.status === 'approving') continue;
    if (stored && (request?.status === 'pending' || request?.status === 'failed')) {
      if (Date.parse(stored.value.expiresAt) > now.getTime()) continue;
      const written = await saveDecision(deps, stored, expiry(stored.value, now));
      if (!written) continue;
      expired.push(written.value);
    }
    await deps.store.delete(entry.key, { ifMatch: entry.etag });
  }
  return expired;
}

/** Marks that requests stored before the open-approval index and retention existed were brought up to date. */
const LEGACY_MIGRATION_KEY = `${StorePrefix.migration}approval-index-v1`;

/**
 * Once per store (whichever instance gets there first): gives requests stored before this version
 * their retention and, when they may still expire, their open-approval index entry. Lists every
 * request, once; afterwards a marker makes it a single read. Returns how many requests it updated.
 */
export async function indexLegacyRequests(deps: ApprovalDeps): Promise<number> {
  if (await deps.store.get(LEGACY_MIGRATION_KEY)) return 0;
  const indexed = new Set((await deps.store.list<OpenEntry>(StorePrefix.openApproval)).map((entry) => entry.value.id));
  let updated = 0;
  for (const entry of await deps.store.list<ApprovalRequest>(StorePrefix.approval)) {
    const request = normalized(entry.value);
    const ttlMs = keptFor(deps, request);
    if (!indexed.has(request.id) && ['pending', 'approving', 'failed'].includes(request.status)) {
      const open: OpenEntry = { id: request.id, tenantId: request.tenantId, requester: request.requester, undoId: request.undo?.undoId };
      await deps.store.put<OpenEntry>(StoreKey.openApproval(Date.parse(request.expiresAt), request.id), open, { ttlMs });
    }
    if ((await deps.store.put(approvalKey(request.id), entry.value, { ifMatch: entry.etag, ttlMs })).ok) updated++;
  }
  await deps.store.put(LEGACY_MIGRATION_KEY, { at: deps.now().toISOString(), updated });
  return updated;
}

/** How the trail names each action's approved run. */
const AUDIT_WORDS: Record<ApprovalRequest['action'], { readonly done: string; readonly noun: string }> = {
  block: { done: 'blocked', noun: 'block' },
  unblock: { done: 'unblocked', noun: 'unblock' },
  undo: { done: 'undone', noun: 'undo' },
  allow: { done: 'allowed', noun: 'allow' },
  contain: { done: 'stop & quarantine started', noun: 'stop & quarantine' },
  'block+contain': { done: 'blocked, stop & quarantine started', noun: 'block' },
};

/** The approver whose press first sent the approved action (retries come after it). */
export function approverOf(request: ApprovalRequest): Person | undefined {
  return [...request.decisions].reverse().find((d) => d.action === 'approve')?.by;
}

/** An approval whose block never reported back (the instance died) may be retried after this long. */
const STALLED_AFTER_MS = 5 * 60 * 1000;

function stalled(request: ApprovalRequest, now: Date): boolean {
  const at = lastDecision(request)?.at;
  return request.status === 'approving' && !!at && now.getTime() - Date.parse(at) > STALLED_AFTER_MS;
}

function expiry(request: ApprovalRequest, now: Date): ApprovalRequest {
  return { ...request, status: 'expired', decisions: [...request.decisions, { action: 'expire', at: now.toISOString(), outcome: 'expired' }] };
}

async function settle(deps: ApprovalDeps, stored: Versioned<ApprovalRequest>, next: ApprovalRequest): Promise<ApprovalRequest> {
  const written = await saveDecision(deps, stored, next);
  return written?.value ?? (await findRequest(deps.store, stored.value.id))?.value ?? next;
}

/**
 * Writes `next` over the version `base` it was decided from. Another write that left the decision
 * as it was (attachCard saving where the card was posted) is not a lost race: the decision is
 * written again over it, keeping what it saved. Undefined when the decision itself changed.
 */
async function saveDecision(deps: ApprovalDeps, base: Versioned<ApprovalRequest>, next: ApprovalRequest): Promise<Versioned<ApprovalRequest> | undefined> {
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

async function lostRace(deps: ApprovalDeps, id: string): Promise<DecisionOutcome> {
  const now = await findRequest(deps.store, id);
  return now ? { kind: 'alreadyDecided', request: now.value } : { kind: 'unknown' };
}

/** Whether the caller is the person a request names (by Entra object id when both have one). */
export function samePerson(person: Person, caller: Caller): boolean {
  if (person.aadObjectId && caller.aadObjectId) return person.aadObjectId.toLowerCase() === caller.aadObjectId.toLowerCase();
  return person.userId === caller.userId;
}

async function auditDecision(deps: ApprovalDeps, request: ApprovalRequest, outcome: 'done' | 'failed' | 'unknown' | 'cancelled', detail: string): Promise<void> {
  await deps.audit.record({
    tenantId: request.tenantId,
    actor: lastDecision(request)?.by ?? request.requester,
    action: 'approval-decision',
    outcome,
    hash: request.hash.value,
    hashType: request.hash.type,
    comment: request.reason ?? request.comment,
    options: request.options,
    api: deps.defender.kind,
    detail,
    correlationId: request.failure?.correlationId ?? request.result?.indicatorId ?? request.id,
  });
}
