import { CardFactory, MessageFactory, type TurnContext } from 'botbuilder';
import type { Reply } from '../cards/render';

/** Sends one card with its plain-text summary for notifications; returns the new message's id. */
export async function send(context: TurnContext, reply: Reply): Promise<string | undefined> {
  const message = MessageFactory.attachment(CardFactory.adaptiveCard(reply.card.content));
  message.summary = reply.summary;
  const sent = await context.sendActivity(message);
  return sent?.id;
}
