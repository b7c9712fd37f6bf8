import { refusalFrom, refuseUnlessHolds } from './access';
import { runApproved, type ApprovedContainment } from './approval-actions';
import { approverOf, expiry, findRequest, lastDecision, samePerson, saveDecision, type ApprovalDecision, type ApprovalDeps, type ApprovalRequest } from './approval-record';
import type { Caller } from './caller';
import { actorOf, type Refusal } from './outcomes';
import type { Delegation, Versioned } from './ports';
import { BLOCKING_ROLES } from './roles';

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
  const ended = run.done ? `${verb} and ${what.done}` : `${verb}, ${what.noun} ${unknown ? 'outcome unknown' : 'failed'}: ${done.failure?.audited ?? done.failure?.detail}`;
  const audited = auditDecision(deps, done, run.done ? 'done' : unknown ? 'unknown' : 'failed', ended);
  // The trail just refused the action's intent: the saved decision still answers approver and requester.
  await (done.failure?.notSent ? audited.catch(() => undefined) : audited);
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
/** How the trail names each action's approved run. */
const AUDIT_WORDS: Record<ApprovalRequest['action'], { readonly done: string; readonly noun: string }> = {
  block: { done: 'blocked', noun: 'block' },
  unblock: { done: 'unblocked', noun: 'unblock' },
  undo: { done: 'undone', noun: 'undo' },
  allow: { done: 'allowed', noun: 'allow' },
  contain: { done: 'stop & quarantine started', noun: 'stop & quarantine' },
  'block+contain': { done: 'blocked, stop & quarantine started', noun: 'block' },
};
/** An approval whose block never reported back (the instance died) may be retried after this long. */
const STALLED_AFTER_MS = 5 * 60 * 1000;

function stalled(request: ApprovalRequest, now: Date): boolean {
  const at = lastDecision(request)?.at;
  return request.status === 'approving' && !!at && now.getTime() - Date.parse(at) > STALLED_AFTER_MS;
}
async function settle(deps: ApprovalDeps, stored: Versioned<ApprovalRequest>, next: ApprovalRequest): Promise<ApprovalRequest> {
  const written = await saveDecision(deps, stored, next);
  return written?.value ?? (await findRequest(deps.store, stored.value.id))?.value ?? next;
}
async function lostRace(deps: ApprovalDeps, id: string): Promise<DecisionOutcome> {
  const now = await findRequest(deps.store, id);
  return now ? { kind: 'alreadyDecided', request: now.value } : { kind: 'unknown' };
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
