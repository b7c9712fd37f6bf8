import { READING_ROLES, refusalFrom, rolesIfHolds } from './access';
import { BLOCKING_ROLES, holdsAny } from './roles';
import type { ActionDeps } from './block-file';
import type { Caller } from './caller';
import type { FileHash } from './file-hash';
import type { FileReport } from './file-report';
import { actorOf, refusalDetail, refusalOutcome, type Refusal } from './outcomes';
import type { AuditEntry, Delegation } from './ports';

/** The status command's answer: Defender's view plus the last lifted block from the audit trail. */
export type LookupOutcome =
  | {
      readonly kind: 'report';
      readonly report: FileReport;
      /** The most recent unblock or undo this bot did, for the cancellation trail the modern API forgets. */
      readonly lastLifted?: AuditEntry;
      /** Whether the caller may block (from the same role lookup). */
      readonly canBlock: boolean;
    }
  | Refusal;

/** Looks a file up (Security Reader may): its block state, what Defender knows of it, and the bot's own trail. */
export async function lookupFile(deps: ActionDeps, hash: FileHash, caller: Caller, delegation: Delegation): Promise<LookupOutcome> {
  const outcome = await decide(deps, hash, caller, delegation);
  await deps.audit.record({
    tenantId: caller.tenantId,
    actor: actorOf(caller),
    action: 'status',
    outcome: outcome.kind === 'report' ? 'done' : refusalOutcome(outcome),
    hash: hash.value,
    hashType: hash.type,
    api: deps.defender.kind,
    detail: outcome.kind === 'report' ? (outcome.report.block ? `blocked (${outcome.report.block.actionType})` : 'not blocked') : refusalDetail(outcome),
  });
  return outcome;
}

async function decide(deps: ActionDeps, hash: FileHash, caller: Caller, delegation: Delegation): Promise<LookupOutcome> {
  try {
    const checked = await rolesIfHolds(deps.roles, caller, delegation, READING_ROLES);
    if ('kind' in checked) return checked;
    const [block, details, trail] = await Promise.all([
      deps.defender.hashTypes.includes(hash.type) ? deps.defender.currentBlock(hash, delegation.defender) : Promise.resolve(undefined),
      deps.defender.fileDetails(hash, delegation.defender),
      deps.audit.recent({ tenantId: caller.tenantId, hash: hash.value, limit: 50 }),
    ]);
    const lastLifted = trail.find((e) => (e.action === 'unblock' || e.action === 'undo') && e.outcome === 'done');
    return { kind: 'report', report: { hash, block, info: details.info, stats: details.stats }, lastLifted, canBlock: holdsAny(checked.held, BLOCKING_ROLES) };
  } catch (error) {
    return refusalFrom(error);
  }
}
