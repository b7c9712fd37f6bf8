import { z } from 'zod';
import { StoreKey } from '../../domain/store-keys';
import { CardVerb } from '../../cards/card-verbs';
import { confirmationClosedReply } from '../../cards/confirm-views';
import type { BlockActions, PendingUnblock } from '../block-actions';
import { cardAction, type CardActionRegistry } from './card-action';
import type { CardReplies } from './card-replies';
import { recordId } from './payloads';
import type { StoredDecisions } from './stored-decisions';

/** What the unblock confirmation's buttons use. */
export interface UnblockActionsDeps {
  readonly decisions: StoredDecisions;
  readonly blocks: BlockActions;
  readonly replies: CardReplies;
}

type UnblockVerb = typeof CardVerb.UnblockConfirm | typeof CardVerb.UnblockCancel;

/**
 * Answers to "this unblock also deletes indicators the bot did not create": the pending unblock is
 * loaded from the store by id, answered once and only by the person who asked; confirming lifts
 * what the card listed (and asks again if someone added another foreign indicator meanwhile).
 */
export function unblockActions(deps: UnblockActionsDeps): Pick<CardActionRegistry, UnblockVerb> {
  const answer = (press: 'confirm' | 'cancel') =>
    cardAction(z.object({ confirmId: recordId }), async ({ context, surface, presser, data }) => {
      const record = {
        key: StoreKey.unblockConfirmation(data.confirmId),
        ownerOf: (pending: PendingUnblock) => pending.request.caller.userId,
        signInFor: press === 'confirm' ? 'unblock' : undefined,
      };
      const taken = await deps.decisions.take(context, surface, presser, record);
      if (!taken) return;
      if (press === 'cancel' || !taken.delegation) {
        await surface.replaceNow(context, confirmationClosedReply('cancelled', taken.value.request.hash));
        return;
      }
      await deps.replies.inPlace(context, surface, deps.blocks.unblock(taken.value.request, taken.delegation, taken.value.acknowledged));
    });
  return { [CardVerb.UnblockConfirm]: answer('confirm'), [CardVerb.UnblockCancel]: answer('cancel') };
}
