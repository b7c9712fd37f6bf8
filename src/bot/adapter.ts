import { CloudAdapter, ConfigurationBotFrameworkAuthentication, type TurnContext } from 'botbuilder';
import type { Config } from '../config';
import type { Logger } from '../domain/ports';
import { renderCard } from '../cards/render';
import { send, type ContinueConversation } from './block-bot';
import { IdentityCredentialsFactory } from './credentials-factory';

/** CloudAdapter with inbound JWT checks (on whenever an app id is set) and the bot's own outbound token. */
export function createAdapter(config: Config, logger: Logger): CloudAdapter {
  const credentials = new IdentityCredentialsFactory(config.bot);
  const auth = new ConfigurationBotFrameworkAuthentication({ ...config.bot.frameworkSettings }, credentials);
  const adapter = new CloudAdapter(auth);
  adapter.onTurnError = async (context, error) => {
    logger.error(
      { activityId: context.activity.id, conversationId: context.activity.conversation?.id, err: { name: error.name, message: error.message, stack: error.stack } },
      'Unhandled error in turn',
    );
    try {
      await send(context, {
        card: renderCard('notice', {
          headline: 'Something went wrong',
          headlineColor: 'Attention',
          lines: ['The bot hit an unexpected error. Nothing was blocked by this message; please try again.'],
          hasExample: false,
          example: '',
        }),
        summary: 'Something went wrong; nothing was blocked.',
      });
    } catch (sendError) {
      logger.error({ err: { message: (sendError as Error).message } }, 'Could not tell the user about the error');
    }
  };
  return adapter;
}

/** Proactive continuation that reuses the identity of the turn it came from. */
export function continueWith(adapter: CloudAdapter): ContinueConversation {
  return (context: TurnContext, reference, logic) =>
    adapter.continueConversationAsync(context.turnState.get(adapter.BotIdentityKey), reference, async (proactive) => {
      // The continuation activity gets a fresh id; restore the original so replies thread under it.
      if (reference.activityId) proactive.activity.id = reference.activityId;
      await logic(proactive);
    });
}
