import { refusalFrom, refuseUnlessHolds } from './access';
import { blockFile, type ActionDeps, type Concern } from './block-file';
import type { BlockOptions } from './block-options';
import type { Caller } from './caller';
import type { FileHash } from './file-hash';
import type { FileStatus } from './file-status';
import { actorOf, refusalDetail, type Refusal } from './outcomes';
import type { Delegation, Store, Versioned } from './ports';
import { BLOCKING_ROLES } from './roles';
import { StoreKey, StorePrefix } from './store-keys';

/** Where an approval request stands. */
export type ApprovalStatus = 'pending' | 'approving' | 'approved' | 'rejected' | 'cancelled' | 'expired' | 'failed';

/** A person as the approval record keeps them. */
export interface Person {
  readonly userId: string;
  readonly aadObjectId?: string;
  readonly name: string;
}

/** A request for a second person to approve a block; the store's copy is the only truth. */
export interface ApprovalRequest {
  readonly id: string;
  readonly tenantId?: string;
  readonly hash: FileHash;
  readonly comment: string;
  readonly options?: BlockOptions;
  readonly requester: Person;
  readonly requestedAt: string;
  readonly expiresAt: string;
  readonly status: ApprovalStatus;
  /** Where the requester asked (opaque to the domain: the bot's conversation reference). */
  readonly origin?: unknown;
  /** The approval card (opaque: conversation and message ids). */
  readonly card?: unknown;
  readonly decidedBy?: Person;
  readonly decidedAt?: string;
  readonly reason?: string;
  /** Defender's answer to the approved block. */
  readonly result?: FileStatus;
  /** Why the approved block failed, and Defender's correlation id. */
  readonly failure?: { readonly detail: string; readonly correlationId?: string };
  readonly attempts: number;
}

/** Key of an approval request in the store. */
export const approvalKey = StoreKey.approval;

/** What the approval use cases need. */
export interface ApprovalDeps extends ActionDeps {
  readonly store: Store;
  readonly requestTtlMs: number;
}

/** Records a new request (pending) and audits it. */
export async function requestApproval(
  deps: ApprovalDeps,
  input: { readonly id: string; readonly hash: FileHash; readonly comment: string; readonly options?: BlockOptions; readonly requester: Caller; readonly origin?: unknown },
): Promise<ApprovalRequest> {
  const now = deps.now();
  const request: ApprovalRequest = {
    id: input.id,
    tenantId: input.requester.tenantId,
    hash: input.hash,
    comment: input.comment,
    options: input.options,
    requester: actorOf(input.requester),
    requestedAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + deps.requestTtlMs).toISOString(),
    status: 'pending',
    origin: input.origin,
    attempts: 0,
  };
  const written = await deps.store.put(approvalKey(request.id), request, { ifNoneMatch: '*' });
  if (!written.ok) throw new Error(`approval ${request.id} already exists`);
  await deps.audit.record({
    tenantId: request.tenantId,
    actor: request.requester,
    action: 'approval-request',
    outcome: 'done',
    hash: request.hash.value,
    hashType: request.hash.type,
    comment: request.comment,
    options: request.options,
    api: deps.defender.kind,
    correlationId: request.id,
  });
  return request;
}

/** Saves where the approval card was posted, over whatever is stored (a decision under way writes over it again, keeping the card). */
export async function attachCard(deps: ApprovalDeps, id: string, card: unknown): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const stored = await deps.store.get<ApprovalRequest>(approvalKey(id));
    if (!stored) return;
    const written = await deps.store.put(approvalKey(id), { ...stored.value, card }, { ifMatch: stored.etag });
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
  | { readonly kind: 'decided'; readonly request: ApprovalRequest }
  | (Refusal & { readonly request: ApprovalRequest });

/** An approver's choice. */
export type Decision = { readonly kind: 'approve' } | { readonly kind: 'retry' } | { readonly kind: 'reject'; readonly reason?: string };

/**
 * Decides a request: reloaded from the store by id (never from the card), four eyes (the requester
 * never approves their own), the approver's role checked live, and exactly one decision thanks to
 * the store's eTags, whatever races or replays. Approval runs the block as the approver.
 */
export async function decide(deps: ApprovalDeps, id: string, decider: Caller, delegation: Delegation, decision: Decision): Promise<DecisionOutcome> {
  const stored = await deps.store.get<ApprovalRequest>(approvalKey(id));
  if (!stored || stored.value.tenantId !== decider.tenantId) return { kind: 'unknown' };
  const request = stored.value;
  const open = decision.kind === 'retry' ? request.status === 'failed' || stalled(request, deps.now()) : request.status === 'pending';
  if (!open) return { kind: 'alreadyDecided', request };
  if (request.status === 'pending' && Date.parse(request.expiresAt) <= deps.now().getTime()) {
    return { kind: 'expired', request: await settle(deps, stored, { status: 'expired' }) };
  }
  if (samePerson(request.requester, decider)) return { kind: 'selfApproval', request };
  const refused = await refuseUnlessHolds(deps.roles, decider, delegation, BLOCKING_ROLES).catch(refusalFrom);
  if (refused) return { ...refused, request };
  const now = deps.now().toISOString();
  const decidedBy = actorOf(decider);
  if (decision.kind === 'reject') {
    const rejected = await saveDecision(deps, stored, { ...request, status: 'rejected', decidedBy, decidedAt: now, reason: decision.reason?.trim() || undefined });
    if (!rejected) return lostRace(deps, id);
    await auditDecision(deps, rejected.value, 'cancelled', `rejected${rejected.value.reason ? `: ${rejected.value.reason}` : ''}`);
    return { kind: 'decided', request: rejected.value };
  }
  const claim = await saveDecision(deps, stored, { ...request, status: 'approving', decidedBy, decidedAt: now, attempts: request.attempts + 1 });
  if (!claim) return lostRace(deps, id);
  const claimed = claim.value;
  const acknowledged: Concern['kind'][] = ['existingBlock', 'microsoftSigned', 'widespread'];
  const outcome = await blockFile(deps, { hash: request.hash, comment: request.comment, caller: decider, options: request.options }, delegation, acknowledged);
  const finished: ApprovalRequest =
    outcome.kind === 'blocked'
      ? { ...claimed, status: 'approved', result: outcome.status, failure: undefined }
      : {
          ...claimed,
          status: 'failed',
          failure:
            outcome.kind === 'needsConfirmation'
              ? { detail: 'Defender asked for a confirmation that an approval already gives.' }
              : { detail: refusalDetail(outcome), correlationId: outcome.kind === 'failed' ? outcome.error.details.correlationId : undefined },
        };
  const saved = await saveDecision(deps, claim, finished);
  if (!saved) return lostRace(deps, id);
  const done = saved.value;
  await auditDecision(
    deps,
    done,
    done.status === 'approved' ? 'done' : 'failed',
    done.status === 'approved' ? 'approved and blocked' : `approved, block failed: ${done.failure?.detail}`,
  );
  return { kind: 'decided', request: done };
}

/** The requester withdraws a pending request. */
export async function cancelRequest(deps: ApprovalDeps, id: string, requester: Caller): Promise<DecisionOutcome> {
  const stored = await deps.store.get<ApprovalRequest>(approvalKey(id));
  if (!stored || stored.value.tenantId !== requester.tenantId) return { kind: 'unknown' };
  if (!samePerson(stored.value.requester, requester)) return { kind: 'notRequester', request: stored.value };
  if (stored.value.status !== 'pending') return { kind: 'alreadyDecided', request: stored.value };
  const cancelled = await saveDecision(deps, stored, { ...stored.value, status: 'cancelled', decidedBy: actorOf(requester), decidedAt: deps.now().toISOString() });
  if (!cancelled) return lostRace(deps, id);
  await auditDecision(deps, cancelled.value, 'cancelled', 'cancelled by the requester');
  return { kind: 'decided', request: cancelled.value };
}

/** Marks pending requests past their time as expired; returns those this call expired (each once, across instances). */
export async function expireDue(deps: ApprovalDeps): Promise<ApprovalRequest[]> {
  const now = deps.now().getTime();
  const expired: ApprovalRequest[] = [];
  for (const entry of await deps.store.list<ApprovalRequest>(StorePrefix.approval)) {
    if (entry.value.status !== 'pending' || Date.parse(entry.value.expiresAt) > now) continue;
    const written = await saveDecision(deps, entry, { ...entry.value, status: 'expired' });
    if (written) expired.push(written.value);
  }
  return expired;
}

/** An approval whose block never reported back (the instance died) may be retried after this long. */
const STALLED_AFTER_MS = 5 * 60 * 1000;

function stalled(request: ApprovalRequest, now: Date): boolean {
  return request.status === 'approving' && !!request.decidedAt && now.getTime() - Date.parse(request.decidedAt) > STALLED_AFTER_MS;
}

async function settle(deps: ApprovalDeps, stored: Versioned<ApprovalRequest>, change: Partial<ApprovalRequest>): Promise<ApprovalRequest> {
  const written = await saveDecision(deps, stored, { ...stored.value, ...change });
  return written?.value ?? (await deps.store.get<ApprovalRequest>(approvalKey(stored.value.id)))?.value ?? { ...stored.value, ...change };
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
    const written = await deps.store.put(approvalKey(next.id), value, { ifMatch: current.etag });
    if (written.ok) return { value, etag: written.etag };
    const latest = await deps.store.get<ApprovalRequest>(approvalKey(next.id));
    if (!latest || !sameDecision(latest.value, base.value)) return undefined;
    current = latest;
  }
  return undefined;
}

/** Whether two versions of a request stand at the same point of deciding (who, when, which attempt, what status). */
function sameDecision(a: ApprovalRequest, b: ApprovalRequest): boolean {
  return (
    a.status === b.status &&
    a.attempts === b.attempts &&
    a.decidedAt === b.decidedAt &&
    a.decidedBy?.userId === b.decidedBy?.userId &&
    a.decidedBy?.aadObjectId === b.decidedBy?.aadObjectId
  );
}

async function lostRace(deps: ApprovalDeps, id: string): Promise<DecisionOutcome> {
  const now = await deps.store.get<ApprovalRequest>(approvalKey(id));
  return now ? { kind: 'alreadyDecided', request: now.value } : { kind: 'unknown' };
}

function samePerson(person: Person, caller: Caller): boolean {
  if (person.aadObjectId && caller.aadObjectId) return person.aadObjectId.toLowerCase() === caller.aadObjectId.toLowerCase();
  return person.userId === caller.userId;
}

async function auditDecision(deps: ApprovalDeps, request: ApprovalRequest, outcome: 'done' | 'failed' | 'cancelled', detail: string): Promise<void> {
  await deps.audit.record({
    tenantId: request.tenantId,
    actor: request.decidedBy ?? request.requester,
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
