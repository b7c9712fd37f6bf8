import {
  TeamsActivityHandler,
  TurnContext,
  type AdaptiveCardInvokeResponse,
  type AdaptiveCardInvokeValue,
  type FileConsentCardResponse,
  type MessagingExtensionAction,
  type MessagingExtensionActionResponse,
  type SigninStateVerificationQuery,
} from 'botbuilder';
import { parseCommand } from '../commands/parse';
import type { Logger } from '../domain/ports';
import { isCardVerb } from '../cards/card-verbs';
import { helpReply, parseErrorReply } from '../cards/help-views';
import type { CardActionRouter } from './card-actions/card-action-router';
import { CardSurface, type CardActionPath } from './card-surface';
import { callerOf } from './caller-of';
import type { ChatCommands } from './chat-commands';
import type { PrepareContinuation } from './continuation';
import type { AuditExports } from './history-export';
import type { MessageActions } from './message-actions';
import { send } from './send';
import type { SessionGate } from './session-gate';

/** What the activity handler dispatches to. */
export interface BlockBotDeps {
  readonly mode: 'local' | 'production';
  readonly commands: ChatCommands;
  readonly cards: CardActionRouter;
  readonly gate: SessionGate;
  readonly exports: AuditExports;
  readonly messageActions: MessageActions;
  readonly continuation: PrepareContinuation;
  readonly logger: Logger;
}

/** Teams activity handler: dispatch only (command, card button, message action, sign-in, file); admission ran before it. */
export class BlockBot extends TeamsActivityHandler {
  constructor(private readonly deps: BlockBotDeps) {
    super();
    this.onMessage(async (context, next) => {
      await this.handleMessage(context);
      await next();
    });
    this.onMembersAdded(async (context, next) => {
      const botId = context.activity.recipient?.id;
      if (context.activity.membersAdded?.some((m) => m.id === botId)) await send(context, helpReply(deps.mode));
      await next();
    });
  }

  protected override async onAdaptiveCardInvoke(context: TurnContext, invokeValue: AdaptiveCardInvokeValue): Promise<AdaptiveCardInvokeResponse> {
    const verb = invokeValue.action?.verb;
    if (!isCardVerb(verb)) return { statusCode: 400, type: 'application/vnd.microsoft.error', value: { code: 'BadRequest', message: 'Unknown action.' } };
    const surface = this.surface(context, 'execute');
    await this.deps.cards.handle(context, verb, invokeValue.action?.data, surface, callerOf(context.activity));
    return surface.invokeResponse();
  }

  protected override async handleTeamsSigninTokenExchange(context: TurnContext, _query: SigninStateVerificationQuery): Promise<void> {
    await this.deps.gate.complete(context);
  }

  protected override async handleTeamsSigninVerifyState(context: TurnContext, query: SigninStateVerificationQuery): Promise<void> {
    await this.deps.gate.complete(context, query?.state);
  }

  protected override async handleTeamsMessagingExtensionFetchTask(context: TurnContext, action: MessagingExtensionAction): Promise<MessagingExtensionActionResponse> {
    return this.deps.messageActions.fetchTask(context, action);
  }

  protected override async handleTeamsMessagingExtensionSubmitAction(context: TurnContext, action: MessagingExtensionAction): Promise<MessagingExtensionActionResponse> {
    return this.deps.messageActions.submitAction(context, action);
  }

  protected override async handleTeamsFileConsentAccept(context: TurnContext, response: FileConsentCardResponse): Promise<void> {
    await this.deps.exports.deliver(context, response);
  }

  protected override async handleTeamsFileConsentDecline(context: TurnContext, response: FileConsentCardResponse): Promise<void> {
    await this.deps.exports.discard(context, response);
  }

  private async handleMessage(context: TurnContext): Promise<void> {
    const activity = context.activity;
    const caller = callerOf(activity);
    const value = activity.value as { verb?: unknown } | undefined;
    if (value && typeof value === 'object' && isCardVerb(value.verb)) {
      await this.deps.cards.handle(context, value.verb, value, this.surface(context, 'submit'), caller);
      return;
    }
    const text = TurnContext.removeRecipientMention(activity) ?? activity.text ?? '';
    const magicCode = /^\s*(\d{6})\s*$/.exec(text)?.[1];
    if (magicCode && this.deps.mode === 'production') {
      await this.deps.gate.complete(context, magicCode);
      return;
    }
    const parsed = parseCommand(text, { hasFile: (activity.attachments ?? []).some((a) => a.contentType !== 'text/html') });
    if (!parsed.ok) {
      this.deps.logger.info({ activityId: activity.id, reason: parsed.error.reason }, 'Command not understood');
      await send(context, parseErrorReply(parsed.error));
      return;
    }
    this.deps.logger.info({ activityId: activity.id, command: parsed.command.kind, user: caller.aadObjectId }, 'Command');
    await this.deps.commands.run(context, parsed.command, caller);
  }

  private surface(context: TurnContext, path: CardActionPath): CardSurface {
    return new CardSurface(path, context.activity.replyToId, this.deps.continuation(context));
  }
}
