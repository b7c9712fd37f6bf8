import { z } from 'zod';
import { StoreKey } from '../../domain/store-keys';
import { CardVerb } from '../../cards/card-verbs';
import { confirmationClosedReply } from '../../cards/confirm-views';
import { noContainmentReply } from '../../cards/contain-views';
import type { ContainDraft, ContainRunner } from '../contain-runner';
import type { PrepareContinuation } from '../continuation';
import { cardAction, type CardActionRegistry } from './card-action';
import type { CardReplies } from './card-replies';
import { recordId } from './payloads';
import type { StoredDecisions } from './stored-decisions';

/** What the containment confirmation's buttons use. */
export interface ContainActionsDeps {
  readonly decisions: StoredDecisions;
  /** Absent when the bot has no device actions. */
  readonly contain?: ContainRunner;
  readonly replies: CardReplies;
  readonly continuation: PrepareContinuation;
}

/**
 * Confirming or cancelling a stop & quarantine above the confirmation threshold: the devices are
 * loaded from the store by id (never from the card), only the analyst who asked may answer, and
 * their role is checked again before anything is sent. The progress card replaces the confirmation.
 */
export function containActions(deps: ContainActionsDeps): Pick<CardActionRegistry, typeof CardVerb.ContainConfirm | typeof CardVerb.ContainCancel> {
  const press = (answer: 'confirm' | 'cancel') =>
    cardAction(z.object({ draftId: recordId }), async ({ context, surface, presser, data }) => {
      const record = {
        key: StoreKey.containDraft(data.draftId),
        ownerOf: (draft: ContainDraft) => draft.caller.userId,
        signInFor: answer === 'confirm' ? 'stop & quarantine' : undefined,
      };
      const taken = await deps.decisions.take(context, surface, presser, record);
      if (!taken) return;
      const { value: draft, delegation } = taken;
      if (answer === 'cancel' || !delegation) {
        await surface.replaceNow(context, confirmationClosedReply('cancelled'));
        return;
      }
      const runner = deps.contain;
      if (!runner) {
        await surface.replaceNow(context, noContainmentReply());
        return;
      }
      const continuation = deps.continuation(context);
      surface.answerWithMessage('Stop & quarantine is starting; the card shows each device.');
      deps.replies.later('contain', () => runner.confirm(draft, delegation, continuation, surface.cardActivityId));
    });
  return { [CardVerb.ContainConfirm]: press('confirm'), [CardVerb.ContainCancel]: press('cancel') };
}
