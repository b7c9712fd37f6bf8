import { z } from 'zod';
import { CardVerb } from '../../cards/card-verbs';
import type { ApprovalBoard } from '../approval-board';
import { cardAction, type CardActionRegistry } from './card-action';
import { echoedHash, recordId } from './payloads';

type ApprovalVerb = typeof CardVerb.Approve | typeof CardVerb.Reject | typeof CardVerb.Retry | typeof CardVerb.CancelRequest | typeof CardVerb.ApprovalRefresh;

const press = z.object({ approvalId: recordId, hash: echoedHash });
const rejection = press.extend({
  reason: z
    .string()
    .max(20_000)
    .optional()
    .transform((reason) => reason?.slice(0, 500)),
});

/** The approval card's buttons; the request is always reloaded from the store by the board. */
export function approvalActions(board: ApprovalBoard): Pick<CardActionRegistry, ApprovalVerb> {
  return {
    [CardVerb.Approve]: cardAction(press, ({ context, surface, presser, data }) => board.press(context, surface, data.approvalId, 'approve', presser, { hash: data.hash })),
    [CardVerb.Reject]: cardAction(rejection, ({ context, surface, presser, data }) =>
      board.press(context, surface, data.approvalId, 'reject', presser, { hash: data.hash, reason: data.reason ?? '' }),
    ),
    [CardVerb.Retry]: cardAction(press, ({ context, surface, presser, data }) => board.press(context, surface, data.approvalId, 'retry', presser, { hash: data.hash })),
    [CardVerb.CancelRequest]: cardAction(press, ({ context, surface, presser, data }) => board.press(context, surface, data.approvalId, 'cancel', presser, { hash: data.hash })),
    [CardVerb.ApprovalRefresh]: cardAction(z.object({ approvalId: recordId }), ({ context, surface, presser, data }) =>
      board.press(context, surface, data.approvalId, 'refresh', presser),
    ),
  };
}
