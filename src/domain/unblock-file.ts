import { refusalFrom, refuseUnlessHolds } from './access';
import type { ActionDeps } from './block-file';
import type { FileStatus } from './file-status';
import { actorOf, refusalCorrelation, refusalDetail, refusalOutcome, type Refusal } from './outcomes';
import type { Delegation, UnblockFileRequest } from './ports';
import { BLOCKING_ROLES } from './roles';

/** Every way an unblock can end. */
export type UnblockOutcome = { readonly kind: 'unblocked'; readonly status: FileStatus } | { readonly kind: 'notBlocked' } | Refusal;

/** Lifts a block on the caller's behalf (same role rule as blocking) and audits it; `action` tells undo apart. */
export async function unblockFile(deps: ActionDeps, request: UnblockFileRequest, delegation: Delegation, action: 'unblock' | 'undo' = 'unblock'): Promise<UnblockOutcome> {
  const outcome = await decide(deps, request, delegation);
  const done = outcome.kind === 'unblocked';
  await deps.audit.record({
    tenantId: request.caller.tenantId,
    actor: actorOf(request.caller),
    action,
    outcome: done ? 'done' : outcome.kind === 'notBlocked' ? 'not-found' : refusalOutcome(outcome),
    hash: request.hash.value,
    hashType: request.hash.type,
    comment: request.comment,
    api: deps.defender.kind,
    detail: done ? undefined : outcome.kind === 'notBlocked' ? 'no block in force' : refusalDetail(outcome),
    correlationId: done ? undefined : outcome.kind === 'notBlocked' ? undefined : refusalCorrelation(outcome),
  });
  return outcome;
}

async function decide(deps: ActionDeps, request: UnblockFileRequest, delegation: Delegation): Promise<UnblockOutcome> {
  try {
    const refused = await refuseUnlessHolds(deps.roles, request.caller, delegation, BLOCKING_ROLES);
    if (refused) return refused;
    if (!deps.defender.hashTypes.includes(request.hash.type)) {
      return { kind: 'unsupportedHash', hash: request.hash, api: deps.defender.kind, supported: deps.defender.hashTypes };
    }
    const status = await deps.defender.unblock(request, delegation.defender);
    return status ? { kind: 'unblocked', status } : { kind: 'notBlocked' };
  } catch (error) {
    return refusalFrom(error);
  }
}
