import { optionsSentAt, type BlockOptions } from './block-options';
import type { FileHash } from './file-hash';
import type { FileInfo, FileStats } from './file-report';
import type { FileStatus } from './file-status';
import { DefenderError, TokenError } from '../errors';
import { refusalFrom, refuseUnlessHolds } from './access';
import { actorOf, auditEnding, recordIntent, refusalCorrelation, refusalDetail, sentOutcome, type Refusal } from './outcomes';
import type { AuditLog, BlockFileRequest, DefenderApi, Delegation, RoleDirectory } from './ports';
import { BLOCKING_ROLES } from './roles';

/** What the action use cases need from the outside world. */
export interface ActionDeps {
  readonly roles: RoleDirectory;
  readonly defender: DefenderApi;
  readonly audit: AuditLog;
  readonly now: () => Date;
  /** Org prevalence (devices) from which a file counts as widespread. */
  readonly widespreadThreshold: number;
}

/** Why a block should be confirmed before it goes out; an allow (action Allowed) always raises `allowed`. */
export type Concern =
  | { readonly kind: 'allowed' }
  | { readonly kind: 'existingBlock'; readonly status: FileStatus }
  | { readonly kind: 'microsoftSigned'; readonly signer: string }
  | { readonly kind: 'widespread'; readonly orgPrevalence: number; readonly threshold: number }
  /** The lookup of the indicator in force failed (throttled, unavailable): a block could silently replace one. */
  | { readonly kind: 'existingUnchecked'; readonly reason: string }
  /** The file's signer and prevalence could not be read: it may be Microsoft-signed or widespread. */
  | { readonly kind: 'detailsUnchecked'; readonly reason: string };

/** What could not be done after Defender accepted a block; the block stands regardless. */
export interface AfterwardsProblem {
  readonly kind: 'auditNotWritten' | 'undoNotOffered';
  readonly detail: string;
}

/** Every way a block request can end; only `blocked` means Defender accepted it. */
export type BlockOutcome =
  | {
      readonly kind: 'blocked';
      readonly status: FileStatus;
      /** Options were given but the API ignores them (the files API). */
      readonly optionsIgnored: boolean;
      /** Checks that could not be made, said on the card. */
      readonly notes: readonly string[];
      /** What failed after Defender accepted (the audit entry, the Undo record); empty when all went well. */
      readonly afterwards: readonly AfterwardsProblem[];
      /** On how many devices of the organization Defender saw the file, when the lookup said. */
      readonly orgPrevalence?: number;
    }
  | { readonly kind: 'needsConfirmation'; readonly concerns: readonly Concern[]; readonly notes: readonly string[] }
  | Refusal;

/**
 * Checks the caller's role live, looks the file up (an existing indicator would be silently
 * overwritten; Microsoft-signed or widespread files hurt to block) and, once every concern has
 * been acknowledged, records the intent and asks Defender to block it on the caller's behalf. Every
 * ending is audited. Once Defender accepted, nothing throws: what fails afterwards is listed in `afterwards`.
 */
export async function blockFile(
  deps: ActionDeps,
  request: BlockFileRequest,
  delegation: Delegation,
  acknowledged: readonly Concern['kind'][] = [],
  /** Runs alongside the audit write once Defender accepted, so both are stored together (one commit on local storage). */
  whenBlocked?: (status: FileStatus, orgPrevalence?: number) => Promise<void>,
): Promise<BlockOutcome> {
  const outcome = await decide(deps, request, delegation, acknowledged);
  if (outcome.kind === 'needsConfirmation') return outcome;
  if (outcome.kind !== 'blocked') {
    await auditEnding(outcome, () => auditBlock(deps, request, outcome));
    return outcome;
  }
  const [audited, offered] = await Promise.allSettled([auditBlock(deps, request, outcome), whenBlocked ? whenBlocked(outcome.status, outcome.orgPrevalence) : undefined]);
  const afterwards: AfterwardsProblem[] = [];
  if (audited.status === 'rejected') afterwards.push({ kind: 'auditNotWritten', detail: describe(audited.reason) });
  if (offered.status === 'rejected') afterwards.push({ kind: 'undoNotOffered', detail: describe(offered.reason) });
  return afterwards.length ? { ...outcome, afterwards } : outcome;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function decide(deps: ActionDeps, request: BlockFileRequest, delegation: Delegation, acknowledged: readonly Concern['kind'][]): Promise<BlockOutcome> {
  try {
    const refused = await refuseUnlessHolds(deps.roles, request.caller, delegation, BLOCKING_ROLES);
    if (refused) return refused;
    if (!deps.defender.hashTypes.includes(request.hash.type)) {
      return { kind: 'unsupportedHash', hash: request.hash, api: deps.defender.kind, supported: deps.defender.hashTypes };
    }
    const allowing = request.options?.action === 'Allowed';
    if (allowing && !deps.defender.supportsOptions) {
      return { kind: 'failed', error: new DefenderError('invalidRequest', `The ${deps.defender.kind} API has no Allowed indicators; nothing was sent.`) };
    }
    const looked = await lookBeforeBlocking(deps, request.hash, delegation);
    const concerns: Concern[] = allowing ? [{ kind: 'allowed' }, ...looked.concerns.filter((c) => c.kind === 'existingBlock' || c.kind === 'existingUnchecked')] : looked.concerns;
    const open = concerns.filter((c) => !acknowledged.includes(c.kind));
    // A check that could not be made asks first; once acknowledged, it is said on the result card.
    const notes = concerns.filter((c) => !open.includes(c)).flatMap(uncheckedNote);
    if (open.length > 0) return { kind: 'needsConfirmation', concerns: open, notes };
    const sent = deps.defender.supportsOptions
      ? { ...request, ...(request.options ? { options: optionsSentAt(request.options, deps.now()) } : {}) }
      : { ...request, options: undefined };
    await auditIntent(deps, request);
    const status = await deps.defender.block(sent, delegation.defender);
    const blocked = {
      kind: 'blocked',
      status,
      optionsIgnored: !deps.defender.supportsOptions && !!request.options && !isPlainBlock(request.options),
      notes,
      afterwards: [],
    } as const;
    return looked.orgPrevalence === undefined ? blocked : { ...blocked, orgPrevalence: looked.orgPrevalence };
  } catch (error) {
    return refusalFrom(error);
  }
}

/** What the result card says of a check that could not be made and was acknowledged. */
function uncheckedNote(concern: Concern): string[] {
  if (concern.kind === 'existingUnchecked') return ['The bot could not check whether the file was already blocked.'];
  if (concern.kind === 'detailsUnchecked') return ['The bot could not check how widespread the file is or who signed it.'];
  return [];
}

/**
 * The existing block and what Defender knows of the file. A lookup that fails (throttled, unavailable) is a
 * concern to confirm, never a silent pass; a sign-in failure is the caller's problem and ends the block.
 */
async function lookBeforeBlocking(deps: ActionDeps, hash: FileHash, delegation: Delegation): Promise<{ concerns: Concern[]; orgPrevalence?: number }> {
  const [existing, details] = await Promise.allSettled([deps.defender.currentBlock(hash, delegation.defender), deps.defender.fileDetails(hash, delegation.defender)]);
  for (const settled of [existing, details]) if (settled.status === 'rejected' && settled.reason instanceof TokenError) throw settled.reason;
  const concerns: Concern[] = [];
  if (existing.status === 'fulfilled') {
    if (existing.value) concerns.push({ kind: 'existingBlock', status: existing.value });
  } else {
    concerns.push({ kind: 'existingUnchecked', reason: lookupFailure(existing.reason) });
  }
  const orgPrevalence = details.status === 'fulfilled' ? details.value.stats?.orgPrevalence : undefined;
  const found = [...concerns, ...detailConcerns(details, deps.widespreadThreshold)];
  return orgPrevalence === undefined ? { concerns: found } : { concerns: found, orgPrevalence };
}

/** What a file's details say against blocking it (Microsoft signature, wide prevalence), or that they could not be read. */
export function detailConcerns(details: PromiseSettledResult<{ readonly info?: FileInfo; readonly stats?: FileStats }>, widespreadThreshold: number): Concern[] {
  if (details.status === 'rejected') return [{ kind: 'detailsUnchecked', reason: lookupFailure(details.reason) }];
  const concerns: Concern[] = [];
  const { info, stats } = details.value;
  const signer = info?.signer ?? info?.filePublisher;
  if (signer && /microsoft/i.test(signer) && info?.isValidCertificate !== false) concerns.push({ kind: 'microsoftSigned', signer });
  const prevalence = stats?.orgPrevalence;
  if (prevalence !== undefined && prevalence >= widespreadThreshold) concerns.push({ kind: 'widespread', orgPrevalence: prevalence, threshold: widespreadThreshold });
  return concerns;
}

/** Why a lookup failed, in a few words for the confirmation card. */
export function lookupFailure(error: unknown): string {
  return error instanceof DefenderError ? error.message : 'an unexpected error';
}

function isPlainBlock(options: BlockOptions): boolean {
  return options.action === 'Block' && !options.severity && !options.deviceGroups?.length;
}

/** The intent, written before Defender is called, so that a block whose answer is lost still shows in the trail. */
async function auditIntent(deps: ActionDeps, request: BlockFileRequest): Promise<void> {
  await recordIntent(deps.audit, {
    tenantId: request.caller.tenantId,
    actor: actorOf(request.caller),
    action: 'block',
    outcome: 'requested',
    hash: request.hash.value,
    hashType: request.hash.type,
    comment: request.comment,
    options: request.options,
    api: deps.defender.kind,
  });
}

async function auditBlock(deps: ActionDeps, request: BlockFileRequest, outcome: Exclude<BlockOutcome, { kind: 'needsConfirmation' }>): Promise<void> {
  const blocked = outcome.kind === 'blocked';
  await deps.audit.record({
    tenantId: request.caller.tenantId,
    actor: actorOf(request.caller),
    action: 'block',
    outcome: blocked ? 'done' : sentOutcome(outcome),
    hash: request.hash.value,
    hashType: request.hash.type,
    comment: request.comment,
    options: request.options,
    api: deps.defender.kind,
    detail: blocked ? undefined : refusalDetail(outcome),
    correlationId: blocked ? outcome.status.indicatorId : refusalCorrelation(outcome),
  });
}
