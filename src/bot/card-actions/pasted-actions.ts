import { z } from 'zod';
import { MAX_COMMENT_LENGTH } from '../../commands/limits';
import { pastedJob, type PastedReview } from '../../domain/pasted-review';
import { StoreKey } from '../../domain/store-keys';
import { CardVerb } from '../../cards/card-verbs';
import { confirmationClosedReply } from '../../cards/confirm-views';
import { noticeReply } from '../../cards/notice';
import type { BulkRunner } from '../bulk-runner';
import type { PrepareContinuation } from '../continuation';
import { cardAction, type CardActionRegistry } from './card-action';
import { tellOnly, type CardReplies } from './card-replies';
import { field, recordId } from './payloads';
import type { StoredDecisions } from './stored-decisions';

/** What the buttons of the pasted-hashes review card use. */
export interface PastedActionsDeps {
  readonly decisions: StoredDecisions;
  readonly bulk: BulkRunner;
  readonly replies: CardReplies;
  readonly continuation: PrepareContinuation;
}

/**
 * "Block N files" on the review of pasted hashes: the hashes come from the stored review (never the card),
 * the comment from the card's input for hashes that have none; then the bulk path runs, replacing the card.
 */
export function pastedActions(deps: PastedActionsDeps): Pick<CardActionRegistry, typeof CardVerb.PastedConfirm | typeof CardVerb.PastedCancel> {
  const { decisions, replies } = deps;
  const record = (reviewId: string, confirm: boolean) => ({
    key: StoreKey.pastedReview(reviewId),
    ownerOf: (review: PastedReview) => review.caller.userId,
    signInFor: confirm ? 'bulk block' : undefined,
  });
  return {
    [CardVerb.PastedConfirm]: cardAction(z.object({ reviewId: recordId, comment: field }), async ({ context, surface, presser, data }) => {
      const comment = data.comment?.trim() || undefined;
      if (comment && comment.length > MAX_COMMENT_LENGTH) {
        await tellOnly(context, surface, `The comment is ${comment.length} characters; the limit is ${MAX_COMMENT_LENGTH}. Nothing was blocked.`);
        return;
      }
      const taken = await decisions.take(context, surface, presser, record(data.reviewId, true));
      if (!taken?.delegation) return;
      // Run as the presser's sign-in names them (the review was made before any sign-in): the owner check already matched their Teams id.
      const found = pastedJob(taken.value, comment);
      const spec = found && taken.caller ? { ...found, caller: taken.caller } : found;
      if (!spec) {
        await surface.replaceNow(context, noticeReply('Nothing was blocked', ['A comment is required for every block. Send the hashes again and fill in the comment.']));
        return;
      }
      const delegation = taken.delegation;
      await surface.replaceNow(context, deps.bulk.startingReply(spec));
      const continuation = deps.continuation(context);
      replies.later('bulk-block', async () => {
        await deps.bulk.run(spec, delegation, continuation, surface.cardActivityId);
      });
    }),
    [CardVerb.PastedCancel]: cardAction(z.object({ reviewId: recordId }), async ({ context, surface, presser, data }) => {
      const taken = await decisions.take(context, surface, presser, record(data.reviewId, false));
      if (taken) await surface.replaceNow(context, confirmationClosedReply('cancelled'));
    }),
  };
}
