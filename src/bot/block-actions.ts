import type { Caller } from '../domain/caller';
import { blockFile, type Concern } from '../domain/block-file';
import type { FileHash } from '../domain/file-hash';
import { lookupFile } from '../domain/lookup-file';
import type { Refusal } from '../domain/outcomes';
import type { BlockFileRequest, Delegation } from '../domain/ports';
import { unblockFile } from '../domain/unblock-file';
import { offerUndo, undoBlock } from '../domain/undo';
import { readHistory } from '../domain/history';
import { fileStatusReply, unblockOutcomeReply, undoOutcomeReply } from '../cards/block-views';
import { confirmBlockReply } from '../cards/confirm-views';
import { historyReply } from '../cards/history-views';
import { refusalReply } from '../cards/refusal-views';
import type { Reply } from '../cards/render';
import { fileReportReply } from '../cards/report-views';
import { signInAgainText } from '../cards/session-views';
import type { BotServices } from './bot-services';

/** A reply, and whether the analyst must sign in again before it can work (Entra asked for MFA or consent). */
export interface ActionResult {
  readonly reply: Reply;
  readonly signInAgain?: string;
}

/** A block waiting for its requester to confirm; the card carries only its id. */
export interface PendingConfirmation {
  readonly request: BlockFileRequest;
  readonly concerns: readonly Concern['kind'][];
}

/** A denied block kept so that its "Request approval" button can ask for it (the card carries only the id). */
export interface ApprovalDraft {
  readonly request: BlockFileRequest;
}

/** Key of an approval draft in the store. */
export const draftKey = (id: string) => `draft/${id}`;

/** Key of a pending confirmation in the store. */
export const confirmationKey = (id: string) => `confirm/${id}`;

/** Runs the file use cases as one analyst and turns each outcome into its card. */
export class BlockActions {
  constructor(private readonly s: BotServices) {}

  /** Blocks (after any confirmation), offering Undo; or asks to confirm; or says why not. */
  async block(request: BlockFileRequest, delegation: Delegation, acknowledged: readonly Concern['kind'][] = []): Promise<ActionResult> {
    const outcome = await blockFile(this.s.actions, request, delegation, acknowledged);
    switch (outcome.kind) {
      case 'blocked': {
        const windowMs = this.s.settings.undoWindowMs;
        const undo = windowMs > 0 ? await offerUndo(this.s.store, request, this.s.newId(), this.s.actions.now(), windowMs) : undefined;
        return { reply: fileStatusReply(outcome.status, { options: request.options, optionsIgnored: outcome.optionsIgnored, notes: outcome.notes, undo }) };
      }
      case 'needsConfirmation': {
        const id = this.s.newId();
        const pending: PendingConfirmation = { request, concerns: [...acknowledged, ...outcome.concerns.map((c) => c.kind)] };
        await this.s.store.put(confirmationKey(id), pending, { ifNoneMatch: '*', ttlMs: this.s.settings.decisionTtlMs });
        const expiresAt = new Date(this.s.actions.now().getTime() + this.s.settings.decisionTtlMs).toISOString();
        return { reply: confirmBlockReply(request.hash, outcome.concerns, id, { notes: outcome.notes, options: request.options, expiresAt }) };
      }
      case 'denied': {
        if (this.s.approvalPolicy === 'off') return this.refused(outcome, 'block', request.caller, request.hash);
        const id = this.s.newId();
        await this.s.store.put(draftKey(id), { request } satisfies ApprovalDraft, { ifNoneMatch: '*', ttlMs: this.s.settings.decisionTtlMs });
        return { reply: refusalReply(outcome, 'block', request.caller, request.hash, id) };
      }
      default:
        return this.refused(outcome, 'block', request.caller, request.hash);
    }
  }

  /** Lifts a block. */
  async unblock(hash: FileHash, comment: string, caller: Caller, delegation: Delegation): Promise<ActionResult> {
    const outcome = await unblockFile(this.s.actions, { hash, comment, caller }, delegation);
    if (outcome.kind === 'unblocked' || outcome.kind === 'notBlocked') return { reply: unblockOutcomeReply(outcome, hash, caller) };
    return this.refused(outcome, 'unblock', caller, hash);
  }

  /** Undoes a block from its Undo button. */
  async undo(undoId: string, presser: Caller, delegation: Delegation): Promise<ActionResult> {
    const outcome = await undoBlock({ ...this.s.actions, store: this.s.store }, undoId, presser, delegation);
    return { reply: undoOutcomeReply(outcome, presser) };
  }

  /** The status of a file. */
  async lookup(hash: FileHash, caller: Caller, delegation: Delegation): Promise<ActionResult> {
    const outcome = await lookupFile(this.s.actions, hash, caller, delegation);
    if (outcome.kind !== 'report') return this.refused(outcome, 'status', caller, hash);
    return { reply: fileReportReply(outcome.report, outcome.lastLifted, outcome.canBlock) };
  }

  /** The recent audit trail. */
  async history(caller: Caller, delegation: Delegation, hash?: FileHash): Promise<ActionResult> {
    const outcome = await readHistory(this.s.actions, caller, delegation, { hash });
    if (outcome.kind !== 'entries') return this.refused(outcome, 'history', caller, hash);
    return { reply: historyReply(outcome.entries, hash) };
  }

  private refused(refusal: Refusal, action: 'block' | 'unblock' | 'status' | 'history', caller: Caller, hash?: FileHash): ActionResult {
    const renew = refusal.kind === 'tokenFailed' && refusal.error.reason !== 'unavailable' ? refusal.error.reason : undefined;
    return { reply: refusalReply(refusal, action, caller, hash), signInAgain: renew ? signInAgainText(renew) : undefined };
  }
}
