import { CardFactory, type AdaptiveCardInvokeResponse, type TurnContext } from 'botbuilder';
import type { Reply } from '../cards/render';
import type { Continuation } from './continuation';

/** How a card button reached the bot. */
export type CardActionPath = 'execute' | 'submit';

/**
 * The card a button was pressed on, and how to replace it in place: through the invoke response
 * (Action.Execute) or by updating the message (Action.Submit fallback), now or after the turn.
 */
export class CardSurface {
  private invokeAnswer?: AdaptiveCardInvokeResponse;

  constructor(
    readonly path: CardActionPath,
    /** The id of the message holding the card (activity.replyToId). */
    readonly cardActivityId: string | undefined,
    private readonly continuation: Continuation,
  ) {}

  /** Replaces the card during the turn. */
  async replaceNow(context: TurnContext, reply: Reply): Promise<void> {
    if (this.path === 'execute') {
      this.invokeAnswer = { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: reply.card.content };
      return;
    }
    await replaceMessage(context, this.cardActivityId, reply);
  }

  /** Replaces the card after the turn (long work); falls back to a new message when the id is unknown. */
  replaceLater(reply: Reply): Promise<void> {
    return this.continuation((context) => replaceMessage(context, this.cardActivityId, reply));
  }

  /** Answers Action.Execute with a message instead of a card (the card stays as it is). */
  answerWithMessage(text: string): void {
    this.invokeAnswer = { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: text as unknown as Record<string, unknown> };
  }

  /** Answers Action.Execute with an error (the card sent something the bot refuses). */
  answerWithError(message: string): void {
    this.invokeAnswer = { statusCode: 400, type: 'application/vnd.microsoft.error', value: { code: 'BadRequest', message } };
  }

  /** The invoke answer for Action.Execute: the replacing card, or a short message (the card stays). */
  invokeResponse(): AdaptiveCardInvokeResponse {
    return this.invokeAnswer ?? { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: 'Received.' as unknown as Record<string, unknown> };
  }
}

/** Updates the message holding a card in place, or sends the reply when there is no message to update. */
export async function replaceMessage(context: TurnContext, activityId: string | undefined, reply: Reply): Promise<void> {
  const attachment = CardFactory.adaptiveCard(reply.card.content);
  if (activityId) {
    await context.updateActivity({ id: activityId, type: 'message', attachments: [attachment], summary: reply.summary });
    return;
  }
  await context.sendActivity({ type: 'message', attachments: [attachment], summary: reply.summary });
}
