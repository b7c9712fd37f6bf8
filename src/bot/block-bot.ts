import {
  ActivityTypes,
  CardFactory,
  MessageFactory,
  TeamsActivityHandler,
  TurnContext,
  type Activity,
} from 'botbuilder';
import { parseCommand } from '../commands/parse';
import { blockFile, type BlockFileDeps } from '../domain/block-file';
import type { Caller } from '../domain/caller';
import type { Logger, OnceStore } from '../domain/ports';
import { blockOutcomeReply } from '../cards/block-views';
import { helpReply, parseErrorReply } from '../cards/help-views';
import type { Reply } from '../cards/render';
import { renderCard } from '../cards/render';
import type { BackgroundWork } from './background-work';

/** How long an activity id is remembered to drop Teams' re-deliveries. */
export const DEDUPE_TTL_MS = 10 * 60 * 1000;

/** Sends into the conversation a turn came from, after that turn has ended. */
export type Continuation = (logic: (context: TurnContext) => Promise<void>) => Promise<void>;

/** Called during a turn; returns a Continuation usable after the turn. */
export type PrepareContinuation = (context: TurnContext) => Continuation;

/** Everything the bot needs; built by the composition root. */
export interface BotDeps {
  readonly mode: 'local' | 'production';
  readonly block: BlockFileDeps;
  readonly seen: OnceStore;
  readonly logger: Logger;
  readonly background: BackgroundWork;
  readonly allowedTenants: readonly string[];
  readonly continuation: PrepareContinuation;
}

/** Teams activity handler: dispatches each message to one use case and answers with one card. */
export class BlockBot extends TeamsActivityHandler {
  constructor(private readonly deps: BotDeps) {
    super();
    this.onMessage(async (context, next) => {
      await this.handleMessage(context);
      await next();
    });
    this.onMembersAdded(async (context, next) => {
      const botId = context.activity.recipient?.id;
      if (context.activity.membersAdded?.some((m) => m.id === botId)) {
        await send(context, helpReply(this.deps.mode));
      }
      await next();
    });
  }

  private async handleMessage(context: TurnContext): Promise<void> {
    const activity = context.activity;
    const log = this.deps.logger;
    const correlation = { activityId: activity.id, conversationId: activity.conversation?.id };
    if (!(await this.firstDelivery(activity))) {
      log.info(correlation, 'Duplicate delivery ignored');
      return;
    }
    const caller = callerOf(activity);
    if (!this.tenantAllowed(caller)) {
      log.warn({ ...correlation, tenantId: caller.tenantId }, 'Message from a tenant that is not allowed');
      await send(context, tenantRefusedReply());
      return;
    }
    const text = TurnContext.removeRecipientMention(activity) ?? activity.text ?? '';
    const parsed = parseCommand(text);
    if (!parsed.ok) {
      log.info({ ...correlation, reason: parsed.error.reason }, 'Command not understood');
      await send(context, parseErrorReply(parsed.error));
      return;
    }
    const command = parsed.command;
    switch (command.kind) {
      case 'help':
        await send(context, helpReply(this.deps.mode));
        return;
      case 'block': {
        log.info({ ...correlation, hash: command.hash.value, user: caller.aadObjectId }, 'Block requested');
        await context.sendActivity({ type: ActivityTypes.Typing });
        const continuation = this.deps.continuation(context);
        this.deps.background.run('block', async () => {
          const outcome = await blockFile(this.deps.block, { hash: command.hash, comment: command.comment, caller });
          log.info({ ...correlation, hash: command.hash.value, outcome: outcome.kind }, 'Block finished');
          const reply = blockOutcomeReply(outcome, command.hash, caller);
          await continuation((proactive) => send(proactive, reply));
        });
        return;
      }
    }
  }

  private async firstDelivery(activity: Activity): Promise<boolean> {
    if (!activity.id) return true;
    const key = `activity:${activity.channelId}:${activity.conversation?.id}:${activity.id}`;
    return this.deps.seen.claim(key, DEDUPE_TTL_MS);
  }

  private tenantAllowed(caller: Caller): boolean {
    if (this.deps.allowedTenants.length === 0) return true;
    return !!caller.tenantId && this.deps.allowedTenants.includes(caller.tenantId.toLowerCase());
  }
}

/** The caller as the channel identifies them; never taken from message text or card data. */
export function callerOf(activity: Activity): Caller {
  const channelData = (activity.channelData ?? {}) as { tenant?: { id?: string } };
  return {
    userId: activity.from?.id ?? '',
    aadObjectId: activity.from?.aadObjectId,
    name: activity.from?.name?.trim() || 'Unknown user',
    tenantId: channelData.tenant?.id ?? activity.conversation?.tenantId,
  };
}

/** Sends one card with its plain-text summary for notifications. */
export async function send(context: TurnContext, reply: Reply): Promise<void> {
  const message = MessageFactory.attachment(CardFactory.adaptiveCard(reply.card.content));
  message.summary = reply.summary;
  await context.sendActivity(message);
}

function tenantRefusedReply(): Reply {
  const headline = 'This bot is not available to your organization';
  return {
    card: renderCard('notice', {
      headline,
      headlineColor: 'Attention',
      lines: ['Your tenant is not on the bot\'s list of allowed tenants, so nothing was done.'],
      hasExample: false,
      example: '',
    }),
    summary: headline,
  };
}
