import type { TurnContext } from 'botbuilder';
import type { Caller } from '../../domain/caller';
import type { Logger } from '../../domain/ports';
import type { CardVerbName } from '../../cards/card-verbs';
import { noticeReply } from '../../cards/notice';
import type { CardSurface } from '../card-surface';
import { send } from '../send';
import type { CardAction, CardActionRegistry } from './card-action';

/** What the router uses. */
export interface CardActionRouterDeps {
  readonly registry: CardActionRegistry;
  readonly logger: Logger;
}

const UNREADABLE = 'This card sent data the bot cannot read. Nothing was done.';

/**
 * Routes a card button by verb. What the card sent is parsed once, here, by the verb's schema; a
 * payload that does not parse is refused and logged, never coerced field by field.
 */
export class CardActionRouter {
  constructor(private readonly deps: CardActionRouterDeps) {}

  async handle(context: TurnContext, verb: CardVerbName, data: unknown, surface: CardSurface, presser: Caller): Promise<void> {
    const action = this.deps.registry[verb] as unknown as CardAction;
    const parsed = action.schema.safeParse(data ?? {});
    if (!parsed.success) {
      this.deps.logger.warn(
        { activityId: context.activity.id, verb, user: presser.aadObjectId, issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.code}`) },
        'Card payload refused',
      );
      if (surface.path === 'execute') surface.answerWithError(UNREADABLE);
      else await send(context, noticeReply(UNREADABLE, []));
      return;
    }
    await action.handle({ context, surface, presser, data: parsed.data });
  }
}
