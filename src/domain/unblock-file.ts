import { refusalFrom, refuseUnlessHolds } from './access';
import type { ActionDeps, AfterwardsProblem } from './block-file';
import type { FileStatus } from './file-status';
import { actorOf, auditEnding, recordIntent, refusalCorrelation, refusalDetail, sentOutcome, type Refusal } from './outcomes';
import type { AuditEntry, BlockMade, Delegation, LiftableBlock, UnblockFileRequest } from './ports';
import { BLOCKING_ROLES } from './roles';

/** Every way an unblock can end; `needsConfirmation` lists what would be lifted when some of it is not the bot's. */
export type UnblockOutcome =
  | { readonly kind: 'unblocked'; readonly status: FileStatus; readonly lifted: readonly LiftableBlock[]; readonly afterwards?: readonly AfterwardsProblem[] }
  | { readonly kind: 'notBlocked' }
  | { readonly kind: 'needsConfirmation'; readonly listed: readonly LiftableBlock[] }
  | Refusal;

/**
 * Lifts a block on the caller's behalf (same role rule as blocking) and audits it. It first lists
 * what it would lift; indicators someone or something else created are lifted only once their ids
 * are in `acknowledged` (the caller saw them on a confirmation card), else it asks. The intent is
 * recorded before Defender is asked, so a lift whose answer is lost still shows in the trail.
 */
export async function unblockFile(deps: ActionDeps, request: UnblockFileRequest, delegation: Delegation, acknowledged: readonly string[] = []): Promise<UnblockOutcome> {
  const outcome = await decideUnblock(deps, request, delegation, acknowledged);
  if (outcome.kind === 'needsConfirmation') return outcome;
  if (outcome.kind === 'unblocked') return withAfterwards(outcome, await auditAfterLift(deps, request, 'unblock', { outcome: 'done', detail: liftedDetail(outcome.lifted) }));
  if (outcome.kind === 'notBlocked') await auditLift(deps, request, 'unblock', { outcome: 'not-found', detail: 'no block in force' });
  else await auditEnding(outcome, () => auditLift(deps, request, 'unblock', refusalAudit(outcome)));
  return outcome;
}

/** What an Undo asks for: lift exactly the block `made` describes. */
export interface LiftBlockRequest extends UnblockFileRequest {
  readonly made: BlockMade;
}

/** Every way lifting one known block can end; `alreadyLifted`: it is no longer in force and nothing was changed. */
export type LiftOutcome =
  { readonly kind: 'unblocked'; readonly status: FileStatus; readonly afterwards?: readonly AfterwardsProblem[] } | { readonly kind: 'alreadyLifted' } | Refusal;

/** Lifts only the block `request.made` describes, never another block of the same file; audited as an undo (its intent first, as for unblock). */
export async function liftOwnBlock(deps: ActionDeps, request: LiftBlockRequest, delegation: Delegation): Promise<LiftOutcome> {
  const outcome = await decideLift(deps, request, delegation);
  if (outcome.kind === 'unblocked') return withAfterwards(outcome, await auditAfterLift(deps, request, 'undo', { outcome: 'done', correlationId: request.made.indicatorId }));
  // Nothing changed at Defender: a trail that fails now must not turn that answer into an error (nor bring the Undo back).
  if (outcome.kind === 'alreadyLifted')
    await auditLift(deps, request, 'undo', { outcome: 'not-found', detail: 'the block this Undo made is no longer in force' }).catch(() => undefined);
  else await auditEnding(outcome, () => auditLift(deps, request, 'undo', refusalAudit(outcome)));
  return outcome;
}

async function decideUnblock(deps: ActionDeps, request: UnblockFileRequest, delegation: Delegation, acknowledged: readonly string[]): Promise<UnblockOutcome> {
  try {
    const refused = await refuseUnlessHolds(deps.roles, request.caller, delegation, BLOCKING_ROLES);
    if (refused) return refused;
    const unsupported = unsupportedHash(deps, request);
    if (unsupported) return unsupported;
    const listed = await deps.defender.liftable(request.hash, delegation.defender);
    if (listed.length === 0) return { kind: 'notBlocked' };
    if (listed.some((block) => block.foreign && !(block.id !== undefined && acknowledged.includes(block.id)))) return { kind: 'needsConfirmation', listed };
    await recordIntent(deps.audit, liftEntry(deps, request, 'unblock', { outcome: 'requested', detail: liftingDetail(listed) }));
    const status = await deps.defender.unblock(request, delegation.defender, listed);
    return status ? { kind: 'unblocked', status, lifted: listed } : { kind: 'notBlocked' };
  } catch (error) {
    return refusalFrom(error);
  }
}

async function decideLift(deps: ActionDeps, request: LiftBlockRequest, delegation: Delegation): Promise<LiftOutcome> {
  try {
    const refused = await refuseUnlessHolds(deps.roles, request.caller, delegation, BLOCKING_ROLES);
    if (refused) return refused;
    const unsupported = unsupportedHash(deps, request);
    if (unsupported) return unsupported;
    await recordIntent(deps.audit, liftEntry(deps, request, 'undo', { outcome: 'requested', correlationId: request.made.indicatorId }));
    const status = await deps.defender.liftBlock(request.made, { hash: request.hash, comment: request.comment, caller: request.caller }, delegation.defender);
    return status ? { kind: 'unblocked', status } : { kind: 'alreadyLifted' };
  } catch (error) {
    return refusalFrom(error);
  }
}

function unsupportedHash(deps: ActionDeps, request: UnblockFileRequest): Refusal | undefined {
  if (deps.defender.hashTypes.includes(request.hash.type)) return undefined;
  return { kind: 'unsupportedHash', hash: request.hash, api: deps.defender.kind, supported: deps.defender.hashTypes };
}

function liftedDetail(lifted: readonly LiftableBlock[]): string | undefined {
  const ids = idsOf(lifted);
  return ids.length === 0 ? undefined : `lifted indicator${ids.length === 1 ? '' : 's'} ${ids.join(', ')}`;
}

function liftingDetail(listed: readonly LiftableBlock[]): string | undefined {
  const ids = idsOf(listed);
  return ids.length === 0 ? undefined : `lifting indicator${ids.length === 1 ? '' : 's'} ${ids.join(', ')}`;
}

function idsOf(blocks: readonly LiftableBlock[]): string[] {
  return blocks.flatMap((block) => (block.id === undefined ? [] : [block.id]));
}

/** How a lift ended, as the audit trail records it. */
interface LiftAudit {
  readonly outcome: 'requested' | 'done' | 'not-found' | 'denied' | 'failed' | 'unknown';
  readonly detail?: string;
  readonly correlationId?: string;
}

function refusalAudit(refusal: Refusal): LiftAudit {
  return { outcome: sentOutcome(refusal), detail: refusalDetail(refusal), correlationId: refusalCorrelation(refusal) };
}

/** Once Defender lifted the block nothing throws: an audit write that fails is said on the card ("Unblocked, but …"). */
async function auditAfterLift(deps: ActionDeps, request: UnblockFileRequest, action: 'unblock' | 'undo', ended: LiftAudit): Promise<AfterwardsProblem | undefined> {
  try {
    await auditLift(deps, request, action, ended);
    return undefined;
  } catch (error) {
    return { kind: 'auditNotWritten', detail: error instanceof Error ? error.message : String(error) };
  }
}

function withAfterwards<T extends { readonly afterwards?: readonly AfterwardsProblem[] }>(outcome: T, problem: AfterwardsProblem | undefined): T {
  return problem ? { ...outcome, afterwards: [problem] } : outcome;
}

/** One audit entry for an unblock or an undo. */
async function auditLift(deps: ActionDeps, request: UnblockFileRequest, action: 'unblock' | 'undo', ended: LiftAudit): Promise<void> {
  await deps.audit.record(liftEntry(deps, request, action, ended));
}

function liftEntry(deps: ActionDeps, request: UnblockFileRequest, action: 'unblock' | 'undo', ended: LiftAudit): Omit<AuditEntry, 'id' | 'at'> {
  return {
    tenantId: request.caller.tenantId,
    actor: actorOf(request.caller),
    action,
    outcome: ended.outcome,
    hash: request.hash.value,
    hashType: request.hash.type,
    comment: request.comment,
    api: deps.defender.kind,
    detail: ended.detail,
    correlationId: ended.correlationId,
  };
}
