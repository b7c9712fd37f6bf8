import {
  CardFactory,
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  MessageFactory,
  TurnContext,
  type Activity,
  type ConversationParameters,
  type ConversationReference,
} from 'botbuilder';
import type { Config } from '../config-types';
import { errorFields } from '../errors';
import type { Logger } from '../domain/ports';
import { noticeReply } from '../cards/notice';
import type { CardRef, PostToChannel } from './approval-cards';
import { callerOf } from './caller-of';
import { continuationFrom, type PrepareContinuation, type Proactive } from './continuation';
import { asProactiveTurn } from './proactive-turns';
import { send } from './send';
import { IdentityCredentialsFactory } from './credentials-factory';
import { StrictBotFrameworkAuthentication } from './strict-auth';

/** CloudAdapter with inbound JWT checks (on whenever an app id is set) and the bot's own outbound token. */
export function createAdapter(config: Config, logger: Logger): CloudAdapter {
  const credentials = new IdentityCredentialsFactory({ ...config.bot, certificatePath: config.aad.clientCertificatePath });
  const auth = new ConfigurationBotFrameworkAuthentication({ ...config.bot.frameworkSettings }, credentials);
  const adapter = new CloudAdapter(new StrictBotFrameworkAuthentication(auth));
  adapter.onTurnError = async (context, error) => {
    logger.error({ activityId: context.activity.id, conversationId: context.activity.conversation?.id, err: errorFields(error) }, 'Unhandled error in turn');
    try {
      await send(context, noticeReply('Something went wrong', turnErrorLines(context.activity)));
    } catch (sendError) {
      logger.error({ err: errorFields(sendError) }, 'Could not tell the user about the error');
    }
  };
  return adapter;
}

const HASH = /\b(?:[0-9a-f]{64}|[0-9a-f]{40}|[0-9a-f]{32})\b/i;
const BLOCKING = /^\s*(?:<at>[^<]*<\/at>\s*)?(?:block|allow)\b/i;

/** What the user is told after an unexpected error: the bot cannot know whether a block went through, so it never says it did not. */
export function turnErrorLines(activity: Partial<Activity>): string[] {
  const text = typeof activity.text === 'string' ? activity.text : '';
  const value = activity.value === undefined ? '' : JSON.stringify(activity.value);
  const blocking = BLOCKING.test(text) || /"verb":"(?:block|approval)\./.test(value);
  if (!blocking) return ['The bot hit an unexpected error, so it cannot tell what was done. Check before sending the message again.'];
  const hash = HASH.exec(text)?.[0] ?? HASH.exec(value)?.[0];
  return [
    'The bot hit an unexpected error, so the outcome is unknown: the file may or may not be blocked.',
    hash ? `Send "status ${hash}" to see what Defender holds before trying again.` : 'Send "status ‹hash›" to see what Defender holds before trying again.',
  ];
}

/** Proactive sends with the bot's own identity (works after the turn, and on any instance). */
export function proactiveFor(adapter: CloudAdapter, botAppId: string): Proactive {
  return (reference, logic) => asProactiveTurn(() => adapter.continueConversationAsync(botAppId, reference, logic));
}

/** Captures, during a turn, what is needed to send into its conversation after the turn ended. */
export function continuationsFor(proactive: Proactive): PrepareContinuation {
  return (context: TurnContext) => continuationFrom(proactive, TurnContext.getConversationReference(context.activity));
}

/**
 * Posts a card as a new thread in a Teams channel (Create Conversation on the Bot Connector of the
 * turn's activity, as TeamsInfo.sendMessageToTeamsChannel does, with the tenant included so that
 * the created conversation passes admission). With CloudAdapter the new thread's id is
 * `<channel>;messageid=<root activity id>`: the card's id is taken from there.
 */
export function channelPosterFor(adapter: CloudAdapter, botAppId: string): PostToChannel {
  return async (context, channelId, reply) => {
    const tenantId = callerOf(context.activity).tenantId;
    const activity = MessageFactory.attachment(CardFactory.adaptiveCard(reply.card.content)) as Activity;
    activity.summary = reply.summary;
    const parameters: ConversationParameters = {
      isGroup: true,
      bot: context.activity.recipient,
      channelData: { channel: { id: channelId }, tenant: { id: tenantId } },
      tenantId,
      activity,
    };
    // The turn's outbound scope; undefined (a proactive turn) means the configured ToChannelFromBotOAuthScope.
    const audience = context.turnState.get<string | undefined>(adapter.OAuthScopeKey) as string;
    let created: CardRef | undefined;
    await asProactiveTurn(() =>
      adapter.createConversationAsync(botAppId, 'msteams', context.activity.serviceUrl, audience, parameters, async (turn) => {
        const reference: Partial<ConversationReference> = { ...TurnContext.getConversationReference(turn.activity), activityId: undefined };
        const activityId = turn.activity.conversation?.id?.split(';messageid=')[1];
        if (activityId) created = { reference, activityId };
      }),
    );
    if (!created) throw new Error('the Bot Connector created the thread but gave no message id');
    return created;
  };
}
