import { TurnContext, type Activity, type ConversationReference } from 'botbuilder';
import { callerOf } from './caller-of';

/**
 * Where to post later "in the same thread": the conversation of `activity`, and in a channel the
 * thread `<channel>;messageid=<root>` (a message posted at the channel's root starts its own
 * thread, so its id is the root). The tenant is kept so that the proactive turn passes admission
 * and the token service lookup names the right account.
 */
export function threadReference(activity: Activity): Partial<ConversationReference> {
  const reference = TurnContext.getConversationReference(activity);
  const conversation = { ...reference.conversation!, tenantId: reference.conversation?.tenantId ?? callerOf(activity).tenantId };
  const inChannel = conversation.conversationType === 'channel' || (activity.channelData as { channel?: { id?: string } } | undefined)?.channel?.id !== undefined;
  const root = activity.type === 'invoke' ? activity.replyToId : activity.id;
  if (inChannel && conversation.id && !conversation.id.includes(';messageid=') && root) conversation.id = `${conversation.id};messageid=${root}`;
  return { ...reference, conversation, activityId: undefined };
}
