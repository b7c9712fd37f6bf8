import { z } from 'zod';
import type { ApprovalAsk } from '../../domain/approval-actions';
import { routeAction, type ApprovalPolicy } from '../../domain/approval-policy';
import type { Caller } from '../../domain/caller';
import { StoreKey } from '../../domain/store-keys';
import { CardVerb } from '../../cards/card-verbs';
import { confirmationClosedReply } from '../../cards/confirm-views';
import type { ApprovalBoard } from '../approval-board';
import type { ApprovalDraft, BlockActions, PendingConfirmation } from '../block-actions';
import type { BulkJobSpec } from '../../domain/bulk-intake';
import type { BulkRunner } from '../bulk-runner';
import type { PrepareContinuation } from '../continuation';
import { threadReference } from '../thread-reference';
import { cardAction, type CardActionRegistry } from './card-action';
import { tellInstead, type CardReplies } from './card-replies';
import { recordId } from './payloads';
import type { StoredDecisions } from './stored-decisions';

/** What the confirmation, bulk review, Undo and "Request approval" buttons use (Undo asks for an approval where the policy wants one). */
export interface DecisionActionsDeps {
  readonly decisions: StoredDecisions;
  readonly blocks: BlockActions;
  readonly bulk: BulkRunner;
  readonly board: ApprovalBoard;
  readonly replies: CardReplies;
  readonly continuation: PrepareContinuation;
  readonly approvalPolicy: ApprovalPolicy;
}

type DecisionVerb =
  typeof CardVerb.Confirm | typeof CardVerb.Cancel | typeof CardVerb.Undo | typeof CardVerb.BulkConfirm | typeof CardVerb.BulkCancel | typeof CardVerb.RequestApproval;

const requesterOf = (caller: Caller) => caller.userId;

/**
 * Answers to decisions the bot stored for one person. Whatever a card echoes back is untrusted:
 * confirmations, undo records, bulk reviews and drafts are loaded from the store by id.
 */
export function decisionActions(deps: DecisionActionsDeps): Pick<CardActionRegistry, DecisionVerb> {
  const { decisions, replies } = deps;
  const confirmation = (press: 'confirm' | 'cancel') =>
    cardAction(z.object({ confirmId: recordId }), async ({ context, surface, presser, data }) => {
      const record = {
        key: StoreKey.confirmation(data.confirmId),
        ownerOf: (p: PendingConfirmation) => requesterOf(p.request.caller),
        signInFor: press === 'confirm' ? 'block' : undefined,
      };
      const taken = await decisions.take(context, surface, presser, record);
      if (!taken) return;
      if (press === 'cancel' || !taken.delegation) {
        await surface.replaceNow(context, confirmationClosedReply('cancelled', taken.value.request.hash));
        return;
      }
      await replies.inPlace(context, surface, deps.blocks.block(taken.value.request, taken.delegation, taken.value.concerns, threadReference(context.activity)));
    });
  const bulkReview = (press: 'confirm' | 'cancel') =>
    cardAction(z.object({ reviewId: recordId }), async ({ context, surface, presser, data }) => {
      const record = {
        key: StoreKey.bulkReview(data.reviewId),
        ownerOf: (spec: BulkJobSpec) => requesterOf(spec.caller),
        signInFor: press === 'confirm' ? 'bulk block' : undefined,
      };
      const taken = await decisions.take(context, surface, presser, record);
      if (!taken) return;
      const { value: spec, delegation } = taken;
      if (press === 'cancel' || !delegation) {
        await surface.replaceNow(context, confirmationClosedReply('cancelled'));
        return;
      }
      await surface.replaceNow(context, deps.bulk.startingReply(spec));
      const continuation = deps.continuation(context);
      replies.later('bulk-block', async () => {
        await deps.bulk.run(spec, delegation, continuation, surface.cardActivityId);
      });
    });
  return {
    [CardVerb.Confirm]: confirmation('confirm'),
    [CardVerb.Cancel]: confirmation('cancel'),
    [CardVerb.BulkConfirm]: bulkReview('confirm'),
    [CardVerb.BulkCancel]: bulkReview('cancel'),
    [CardVerb.Undo]: cardAction(z.object({ undoId: recordId }), async ({ context, surface, presser, data }) => {
      if (routeAction(deps.approvalPolicy, 'undo').kind === 'approval') {
        await tellInstead(context, surface, await deps.board.requestUndo(context, data.undoId, presser));
        return;
      }
      const delegation = await replies.delegation(context, surface, 'undo');
      if (delegation) await replies.inPlace(context, surface, deps.blocks.undo(data.undoId, presser, delegation));
    }),
    [CardVerb.RequestApproval]: cardAction(z.object({ draftId: recordId }), async ({ context, surface, presser, data }) => {
      const refusal = deps.board.refusalHere(context);
      if (refusal) {
        await surface.replaceNow(context, refusal);
        return;
      }
      const record = { key: StoreKey.draft(data.draftId), ownerOf: (draft: ApprovalDraft) => requesterOf(draft.request.caller), signInFor: 'approval request' };
      const taken = await decisions.take(context, surface, presser, record);
      if (!taken) return;
      const { hash, comment, options } = taken.value.request;
      const ask: ApprovalAsk = options?.action === 'Allowed' ? { action: 'allow', options } : { action: 'block', options };
      await surface.replaceNow(context, await deps.board.request(context, { hash, comment, ask }));
    }),
  };
}
