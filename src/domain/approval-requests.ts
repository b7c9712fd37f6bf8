import { refusalFrom } from './access';
import type { ApprovalAsk } from './approval-actions';
import { openRequests } from './approval-index';
import { approvalKey, samePerson, storeNewRequest, type ApprovalDeps, type ApprovalRequest } from './approval-record';
import type { Caller } from './caller';
import type { FileHash } from './file-hash';
import { actorOf, refusalInWords } from './outcomes';
import type { Delegation } from './ports';

const DEFAULT_MAX_OPEN_PER_USER = 10;

/** How asking for an approval ended: recorded, or refused because the requester has too many open. */
export type RequestOutcome = { readonly kind: 'requested'; readonly request: ApprovalRequest } | { readonly kind: 'tooMany'; readonly open: number; readonly max: number };

/** What asking for an approval takes: the file, why, what is asked (a block unless said), who asks and from where. */
export interface ApprovalInput {
  readonly id: string;
  readonly hash: FileHash;
  readonly comment: string;
  readonly ask?: ApprovalAsk;
  readonly requester: Caller;
  readonly origin?: unknown;
}

/**
 * Records a new request (pending) and audits it, unless the requester already has the most open
 * requests allowed. With the requester's delegation, what the approver must see is looked up and
 * kept on the request: the indicator already in force (a block or an allow replaces it), or what
 * an unblock would lift.
 */
export async function requestApproval(deps: ApprovalDeps, input: ApprovalInput, delegation: Delegation): Promise<RequestOutcome> {
  const ask: ApprovalAsk = input.ask ?? { action: 'block' };
  const options = ask.action === 'block' || ask.action === 'block+contain' || ask.action === 'allow' ? ask.options : undefined;
  const max = deps.maxOpenPerUser ?? DEFAULT_MAX_OPEN_PER_USER;
  const now = deps.now();
  const mine = await openRequests(deps.store, (e) => e.tenantId === input.requester.tenantId && !!e.requester && samePerson(e.requester, input.requester));
  const open = mine.filter(
    (r) => r.status === 'pending' && Date.parse(r.expiresAt) > now.getTime() && r.tenantId === input.requester.tenantId && samePerson(r.requester, input.requester),
  ).length;
  const audited = { tenantId: input.requester.tenantId, actor: actorOf(input.requester), hash: input.hash.value, hashType: input.hash.type, comment: input.comment };
  if (open >= max) {
    await deps.audit.record({
      ...audited,
      action: 'approval-request',
      outcome: 'denied',
      options,
      api: deps.defender.kind,
      detail: `${open} requests already wait for approval (at most ${max})`,
    });
    return { kind: 'tooMany', open, max };
  }
  const unknown = (error: unknown) => ({ existingUnknown: refusalInWords(refusalFrom(error), 'the requester') });
  const inView =
    ask.action === 'unblock'
      ? await deps.defender.liftable(input.hash, delegation.defender).then((listed) => ({ listed }), unknown)
      : ask.action === 'undo'
        ? {}
        : await deps.defender.currentBlock(input.hash, delegation.defender).then((status) => ({ existing: status }), unknown);
  const request: ApprovalRequest = {
    id: input.id,
    tenantId: input.requester.tenantId,
    action: ask.action,
    hash: input.hash,
    comment: input.comment,
    options,
    ...(ask.action === 'undo' ? { undo: ask.undo } : {}),
    requester: actorOf(input.requester),
    requestedAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + deps.requestTtlMs).toISOString(),
    status: 'pending',
    origin: input.origin,
    ...inView,
    decisions: [],
    attempts: 0,
  };
  if (!(await storeNewRequest(deps, request))) throw new Error(`approval ${request.id} already exists`);
  await deps.audit.record({
    ...audited,
    action: 'approval-request',
    outcome: 'done',
    options: request.options,
    api: deps.defender.kind,
    detail: ask.action === 'block' ? undefined : `asks to approve: ${ask.action}`,
    correlationId: request.id,
  });
  return { kind: 'requested', request };
}

/** Takes back a request whose card could not be posted: it is deleted (never shown as pending) and the trail says why. */
export async function withdrawRequest(deps: ApprovalDeps, request: ApprovalRequest, detail: string): Promise<void> {
  await deps.store.delete(approvalKey(request.id));
  await deps.audit.record({
    tenantId: request.tenantId,
    actor: request.requester,
    action: 'approval-request',
    outcome: 'failed',
    hash: request.hash.value,
    hashType: request.hash.type,
    comment: request.comment,
    options: request.options,
    api: deps.defender.kind,
    detail: `no approval was requested: ${detail}`,
    correlationId: request.id,
  });
}
