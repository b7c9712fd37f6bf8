import { z } from 'zod';
import { StoreKey } from '../../domain/store-keys';
import { CardVerb } from '../../cards/card-verbs';
import { confirmationClosedReply } from '../../cards/confirm-views';
import { noContainmentReply } from '../../cards/contain-views';
import { routeAction, type ApprovalPolicy } from '../../domain/approval-policy';
import type { Store } from '../../domain/ports';
import { signInPromptText } from '../../cards/session-views';
import type { ApprovalBoard } from '../approval-board';
import type { ContainDraft, ContainOffer, ContainRunner } from '../contain-runner';
import type { SessionGate } from '../session-gate';
import type { PrepareContinuation } from '../continuation';
import { cardAction, type CardActionRegistry } from './card-action';
import { tellInstead, tellOnly, type CardReplies } from './card-replies';
import { recordId } from './payloads';
import type { StoredDecisions } from './stored-decisions';

/** What the containment confirmation's buttons use. */
export interface ContainActionsDeps {
  readonly decisions: StoredDecisions;
  readonly store: Store;
  readonly gate: SessionGate;
  readonly board: ApprovalBoard;
  readonly approvalPolicy: ApprovalPolicy;
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
export function containActions(deps: ContainActionsDeps): Pick<CardActionRegistry, typeof CardVerb.ContainConfirm | typeof CardVerb.ContainCancel | typeof CardVerb.ContainOffer> {
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
  return { [CardVerb.ContainConfirm]: press('confirm'), [CardVerb.ContainCancel]: press('cancel'), [CardVerb.ContainOffer]: offer(deps) };
}

/**
 * "Stop & quarantine on N devices" / "Contain now" (block result and follow-up cards): the hash and
 * comment come from the stored offer, whoever presses acts as themselves (role checked live, approval
 * policy applied), and the progress card is posted below, leaving the pressed card as it is.
 */
function offer(deps: ContainActionsDeps) {
  return cardAction(z.object({ offerId: recordId }), async ({ context, surface, presser, data }) => {
    const stored = await deps.store.get<ContainOffer>(StoreKey.containOffer(data.offerId));
    if (!stored || stored.value.tenantId !== presser.tenantId) {
      await tellOnly(context, surface, 'This button is no longer valid. Send "contain ‹hash› ‹comment›" instead.');
      return;
    }
    const { hash, comment } = stored.value;
    if (routeAction(deps.approvalPolicy, 'contain').kind === 'approval') {
      await tellInstead(context, surface, await deps.board.request(context, { hash, comment, ask: { action: 'contain' } }));
      return;
    }
    const runner = deps.contain;
    if (!runner) {
      await tellInstead(context, surface, noContainmentReply());
      return;
    }
    const session = await deps.gate.now(context, signInPromptText('stop & quarantine'));
    if (!session) {
      surface.answerWithMessage('Sign in first (see the card below), then press the button again.');
      return;
    }
    const continuation = deps.continuation(context);
    surface.answerWithMessage('Looking for the devices; the stop & quarantine card follows below.');
    deps.replies.later('contain', async () => {
      await runner.run({ hash, comment, caller: session.caller }, session.delegation, continuation);
    });
  });
}
