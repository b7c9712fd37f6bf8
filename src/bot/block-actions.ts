import type { ConversationReference } from 'botbuilder';
import type { RefusedAction } from '../domain/action-names';
import { offersApprovalOnDenial, type ApprovalPolicy } from '../domain/approval-policy';
import { blockFile, type ActionDeps, type Concern } from '../domain/block-file';
import type { Caller } from '../domain/caller';
import type { FileHash } from '../domain/file-hash';
import { readHistory } from '../domain/history';
import { lookupFile } from '../domain/lookup-file';
import { isNotSent, type Refusal } from '../domain/outcomes';
import type { BlockFileRequest, DefenderApi, Delegation, Logger, Store, UnblockFileRequest } from '../domain/ports';
import { errorFields } from '../errors';
import { StoreKey } from '../domain/store-keys';
import { unblockFile } from '../domain/unblock-file';
import type { FileStatus } from '../domain/file-status';
import { offerUndo, undoBlock, type UndoOutcome, type UndoRecord } from '../domain/undo';
import { blockedFallbackReply, fileStatusReply, unblockOutcomeReply, undoOutcomeReply, type BlockResultExtras } from '../cards/block-views';
import { confirmBlockReply, confirmUnblockReply } from '../cards/confirm-views';
import { blockFieldsOf } from '../cards/form-views';
import type { BlockFields } from '../commands/parse-block-fields';
import { historyReply } from '../cards/history-views';
import { refusalReply } from '../cards/refusal-views';
import type { Reply } from '../cards/render';
import { fileReportReply } from '../cards/report-views';
import { signInAgainText } from '../cards/session-views';
import { storeOffer } from './contain-runner';
import type { FollowUps } from './follow-ups';

/** A reply, and whether the analyst must sign in again before it can work (Entra asked for MFA or consent). */
export interface ActionResult {
  readonly reply: Reply;
  readonly signInAgain?: string;
  /** The presser alone was refused (a missing role): the card stays as it is for everyone else. */
  readonly presserOnly?: boolean;
  /** Set when Defender accepted a block. */
  readonly blocked?: FileStatus;
}

/** A block waiting for its requester to confirm; the card carries only its id. */
export interface PendingConfirmation {
  readonly request: BlockFileRequest;
  readonly concerns: readonly Concern['kind'][];
}

/** An unblock waiting for its requester to confirm lifting indicators the bot did not create; the card carries only its id. */
export interface PendingUnblock {
  readonly request: UnblockFileRequest;
  /** Ids of the foreign indicators the card listed. */
  readonly acknowledged: readonly string[];
}

/** A denied block or allow (action Allowed) kept so that its "Request approval" button can ask for it (the card carries only the id). */
export interface ApprovalDraft {
  readonly request: BlockFileRequest;
}

/** What the file actions use. */
export interface BlockActionsDeps {
  readonly actions: ActionDeps;
  readonly store: Store;
  readonly undoWindowMs: number;
  /** Confirmations and approval drafts expire after this long. */
  readonly decisionTtlMs: number;
  readonly approvalPolicy: ApprovalPolicy;
  readonly newId: () => string;
  /** The same Defender on its own share of the query budget, for `status` (default: the actions' client). */
  readonly lookups?: DefenderApi;
  /** Checks every successful block again later, in its thread. */
  readonly followUps?: FollowUps;
  /** Whether the bot can stop & quarantine (the block result then offers it where devices have the file). */
  readonly canContain?: boolean;
  /** Hears when an action was not sent because the audit trail would not take its intent. */
  readonly logger?: Logger;
}

/** Runs the file use cases as one analyst and turns each outcome into its card. */
export class BlockActions {
  constructor(private readonly deps: BlockActionsDeps) {}

  /** Blocks (after any confirmation), offering Undo; or asks to confirm; or says why not. */
  async block(request: BlockFileRequest, delegation: Delegation, acknowledged: readonly Concern['kind'][] = [], where?: Partial<ConversationReference>): Promise<ActionResult> {
    const { actions, store, undoWindowMs, decisionTtlMs } = this.deps;
    let undo: UndoRecord | undefined;
    let offerId: string | undefined;
    let followUpMissed = false;
    // Everything kept about a block is written alongside its audit entry: one commit on local storage.
    const whenBlocked = async (status: FileStatus, orgPrevalence?: number) => {
      // Defender does not stop & quarantine Microsoft-signed files: no button that could only fail on every device.
      const canOffer = this.deps.canContain && (orgPrevalence ?? 0) > 0 && request.options?.action !== 'Allowed' && !acknowledged.includes('microsoftSigned');
      const followUps = this.deps.followUps;
      const [offered] = await Promise.allSettled([
        undoWindowMs > 0 ? offerUndo(store, { ...request, status }, this.deps.newId(), actions.now(), undoWindowMs).then((record) => void (undo = record)) : undefined,
        where && followUps ? followUps.schedule(where, { ...request, status }).catch(() => void (followUpMissed = true)) : undefined,
        canOffer
          ? storeOffer(store, { hash: request.hash, comment: request.comment, tenantId: request.caller.tenantId }, this.deps.newId()).then(
              (id) => void (offerId = id),
              () => undefined,
            )
          : undefined,
      ]);
      if (offered.status === 'rejected') throw offered.reason;
    };
    const outcome = await blockFile(actions, request, delegation, acknowledged, whenBlocked);
    this.noteNotSent(outcome, 'block', request.hash);
    switch (outcome.kind) {
      case 'blocked': {
        const notes = followUpMissed ? [...outcome.notes, 'The follow-up check of this block could not be scheduled.'] : outcome.notes;
        const contain = offerId ? { offerId, orgPrevalence: outcome.orgPrevalence ?? 0 } : undefined;
        const extras = { options: request.options, optionsIgnored: outcome.optionsIgnored, notes, undo, afterwards: outcome.afterwards, acknowledged, contain };
        return { reply: blockedReply(outcome.status, request.hash, extras), blocked: outcome.status };
      }
      case 'needsConfirmation': {
        const id = this.deps.newId();
        const pending: PendingConfirmation = { request, concerns: [...acknowledged, ...outcome.concerns.map((c) => c.kind)] };
        await store.put(StoreKey.confirmation(id), pending, { ifNoneMatch: '*', ttlMs: decisionTtlMs });
        const expiresAt = new Date(actions.now().getTime() + decisionTtlMs).toISOString();
        return { reply: confirmBlockReply(request.hash, outcome.concerns, id, { notes: outcome.notes, options: request.options, expiresAt }) };
      }
      case 'denied': {
        if (!offersApprovalOnDenial(this.deps.approvalPolicy)) return refused(outcome, 'block', request.caller, request.hash);
        const id = this.deps.newId();
        await store.put(StoreKey.draft(id), { request } satisfies ApprovalDraft, { ifNoneMatch: '*', ttlMs: decisionTtlMs });
        return { reply: refusalReply(outcome, 'block', request.caller, request.hash, { approvalDraftId: id }) };
      }
      default:
        return refused(outcome, 'block', request.caller, request.hash, blockFieldsOf(request));
    }
  }

  /** Lifts a block; or, when indicators the bot did not create would go too, lists them and asks to confirm; or says why not. */
  async unblock(request: UnblockFileRequest, delegation: Delegation, acknowledged: readonly string[] = []): Promise<ActionResult> {
    const { actions, store, decisionTtlMs } = this.deps;
    const outcome = await unblockFile(actions, request, delegation, acknowledged);
    this.noteNotSent(outcome, 'unblock', request.hash);
    switch (outcome.kind) {
      case 'unblocked':
      case 'notBlocked':
        return { reply: unblockOutcomeReply(outcome, request.hash, request.caller) };
      case 'needsConfirmation': {
        const id = this.deps.newId();
        const foreign = outcome.listed.flatMap((block) => (block.foreign && block.id !== undefined ? [block.id] : []));
        const pending: PendingUnblock = { request, acknowledged: foreign };
        await store.put(StoreKey.unblockConfirmation(id), pending, { ifNoneMatch: '*', ttlMs: decisionTtlMs });
        const expiresAt = new Date(actions.now().getTime() + decisionTtlMs).toISOString();
        return { reply: confirmUnblockReply(request.hash, outcome.listed, id, expiresAt) };
      }
      default:
        return refused(outcome, 'unblock', request.caller, request.hash);
    }
  }

  /** Undoes a block from its Undo button. */
  async undo(undoId: string, presser: Caller, delegation: Delegation): Promise<ActionResult> {
    const outcome = await undoBlock({ ...this.deps.actions, store: this.deps.store }, undoId, presser, delegation);
    if ('record' in outcome) this.noteNotSent(outcome, 'undo', outcome.record.hash);
    return { reply: undoOutcomeReply(outcome, presser, undoId), signInAgain: signInAgainFor(outcome), presserOnly: outcome.kind === 'denied' };
  }

  /** Operators hear of an audit trail that refuses writes: the user only sees that nothing was sent. */
  private noteNotSent(outcome: { readonly kind: string; readonly error?: unknown }, action: RefusedAction, hash: FileHash): void {
    if (!isNotSent(outcome)) return;
    const error = outcome.error as Error;
    this.deps.logger?.error({ action, hash: hash.value, err: errorFields(error.cause ?? error) }, 'Audit trail unavailable: nothing was sent to Defender');
  }

  /** The status of a file. */
  async lookup(hash: FileHash, caller: Caller, delegation: Delegation): Promise<ActionResult> {
    const { actions, lookups } = this.deps;
    const outcome = await lookupFile(lookups ? { ...actions, defender: lookups } : actions, hash, caller, delegation);
    if (outcome.kind !== 'report') return refused(outcome, 'status', caller, hash);
    return { reply: fileReportReply(outcome.report, outcome.lastLifted, outcome.canBlock) };
  }

  /** The recent audit trail, one page of it. */
  async history(caller: Caller, delegation: Delegation, hash?: FileHash, page = 0): Promise<ActionResult> {
    const outcome = await readHistory(this.deps.actions, caller, delegation, { hash });
    if (outcome.kind !== 'entries') return refused(outcome, 'history', caller, hash);
    return { reply: historyReply(outcome.entries, hash, page) };
  }
}

/** The result card of a block Defender accepted; when it cannot be rendered, a small card that still says it is blocked. */
function blockedReply(status: FileStatus, hash: FileHash, extras: BlockResultExtras): Reply {
  try {
    return fileStatusReply(status, extras);
  } catch {
    return blockedFallbackReply(hash, extras.afterwards);
  }
}

/** The refusal card, and a fresh sign-in when the token failed for a reason the analyst can fix. */
function refused(refusal: Refusal, action: RefusedAction, caller: Caller, hash?: FileHash, retry?: BlockFields): ActionResult {
  return { reply: refusalReply(refusal, action, caller, hash, { retry }), signInAgain: signInAgainFor(refusal) };
}

/** What to say with a fresh sign-in, when the token failed for a reason the analyst can fix. */
function signInAgainFor(outcome: UndoOutcome): string | undefined {
  if (outcome.kind !== 'tokenFailed') return undefined;
  const { reason } = outcome.error;
  return reason === 'unavailable' ? undefined : signInAgainText(reason);
}
