import { CloudAdapter, ConfigurationBotFrameworkAuthentication, TurnContext } from 'botbuilder';
import type { Config } from '../config';
import { errorFields } from '../errors';
import type { Logger } from '../domain/ports';
import { noticeReply } from '../cards/notice';
import { continuationFrom, type PrepareContinuation, type Proactive } from './continuation';
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
      await send(context, noticeReply('Something went wrong', ['The bot hit an unexpected error. Nothing was blocked by this message; please try again.']));
    } catch (sendError) {
      logger.error({ err: errorFields(sendError) }, 'Could not tell the user about the error');
    }
  };
  return adapter;
}

/** Proactive sends with the bot's own identity (works after the turn, and on any instance). */
export function proactiveFor(adapter: CloudAdapter, botAppId: string): Proactive {
  return (reference, logic) => adapter.continueConversationAsync(botAppId, reference, logic);
}

/** Captures, during a turn, what is needed to send into its conversation after the turn ended. */
export function continuationsFor(proactive: Proactive): PrepareContinuation {
  return (context: TurnContext) => continuationFrom(proactive, TurnContext.getConversationReference(context.activity));
}
