import {
  TeamsActivityHandler,
  TurnContext,
  type Activity,
  type AdaptiveCardInvokeResponse,
  type AdaptiveCardInvokeValue,
  type FileConsentCardResponse,
  type SigninStateVerificationQuery,
} from 'botbuilder';
import { parseCommand } from '../commands/parse';
import type { Caller } from '../domain/caller';
import { isCardVerb } from '../cards/card-verbs';
import { helpReply, parseErrorReply } from '../cards/help-views';
import { tenantRefusedReply } from '../cards/session-views';
import type { BotServices } from './bot-services';
import { CardActions } from './card-actions';
import { CardSurface, type CardActionPath } from './card-surface';
import { callerOf } from './caller-of';
import { CommandRunner } from './command-runner';
import { deliverExport, discardExport } from './history-export';
import { send } from './send';

export { callerOf } from './caller-of';

/** How long an activity id is remembered to drop Teams' re-deliveries. */
export const DEDUPE_TTL_MS = 10 * 60 * 1000;

/** Teams activity handler: checks each activity once, then dispatches it (command, card button, sign-in, file). */
export class BlockBot extends TeamsActivityHandler {
  private readonly commands: CommandRunner;
  private readonly cards: CardActions;

  constructor(private readonly s: BotServices) {
    super();
    this.commands = new CommandRunner(s);
    s.gate.use({ run: (work, caller, delegation, continuation) => this.commands.runWork(work, caller, delegation, continuation) });
    this.cards = new CardActions(s, this.commands);
    this.onMessage(async (context, next) => {
      await this.handleMessage(context);
      await next();
    });
    this.onMembersAdded(async (context, next) => {
      await s.board.learnChannel(context);
      const botId = context.activity.recipient?.id;
      if (context.activity.membersAdded?.some((m) => m.id === botId)) await send(context, helpReply(s.mode));
      await next();
    });
  }

  protected override async onAdaptiveCardInvoke(context: TurnContext, invokeValue: AdaptiveCardInvokeValue): Promise<AdaptiveCardInvokeResponse> {
    const verb = invokeValue.action?.verb;
    const surface = this.surface(context, 'execute');
    if (!(await this.admit(context))) {
      surface.answerWithMessage('Not available.');
      return surface.invokeResponse();
    }
    if (!isCardVerb(verb)) return { statusCode: 400, type: 'application/vnd.microsoft.error', value: { code: 'BadRequest', message: 'Unknown action.' } as never };
    await this.cards.handle(context, { verb, data: (invokeValue.action?.data ?? {}) as Record<string, unknown>, surface }, callerOf(context.activity));
    return surface.invokeResponse();
  }

  protected override async handleTeamsSigninTokenExchange(context: TurnContext, _query: SigninStateVerificationQuery): Promise<void> {
    if (await this.admit(context)) await this.s.gate.complete(context);
  }

  protected override async handleTeamsSigninVerifyState(context: TurnContext, query: SigninStateVerificationQuery): Promise<void> {
    if (await this.admit(context)) await this.s.gate.complete(context, query?.state);
  }

  protected override async handleTeamsFileConsentAccept(context: TurnContext, response: FileConsentCardResponse): Promise<void> {
    if (await this.admit(context)) await deliverExport(this.s, context, response);
  }

  protected override async handleTeamsFileConsentDecline(context: TurnContext, response: FileConsentCardResponse): Promise<void> {
    if (await this.admit(context)) await discardExport(this.s, context, response);
  }

  private async handleMessage(context: TurnContext): Promise<void> {
    if (!(await this.admit(context))) return;
    const activity = context.activity;
    const caller = callerOf(activity);
    const value = activity.value as { verb?: unknown } | undefined;
    if (value && typeof value === 'object' && isCardVerb(value.verb)) {
      await this.cards.handle(context, { verb: value.verb, data: value as Record<string, unknown>, surface: this.surface(context, 'submit') }, caller);
      return;
    }
    const text = TurnContext.removeRecipientMention(activity) ?? activity.text ?? '';
    const magicCode = /^\s*(\d{6})\s*$/.exec(text)?.[1];
    if (magicCode && this.s.mode === 'production') {
      await this.s.gate.complete(context, magicCode);
      return;
    }
    const parsed = parseCommand(text, { hasFile: (activity.attachments ?? []).some((a) => a.contentType !== 'text/html') });
    if (!parsed.ok) {
      this.s.logger.info({ activityId: activity.id, reason: parsed.error.reason }, 'Command not understood');
      await send(context, parseErrorReply(parsed.error));
      return;
    }
    this.s.logger.info({ activityId: activity.id, command: parsed.command.kind, user: caller.aadObjectId }, 'Command');
    await this.commands.run(context, parsed.command, caller);
  }

  /** First delivery from an allowed tenant; anything else is dropped (with a word to a refused tenant). */
  private async admit(context: TurnContext): Promise<boolean> {
    const activity = context.activity;
    await this.s.board.learnChannel(context).catch((error: unknown) => this.s.logger.warn({ err: { message: (error as Error).message } }, 'Could not store the approval channel'));
    if (!(await this.firstDelivery(activity))) {
      this.s.logger.info({ activityId: activity.id }, 'Duplicate delivery ignored');
      return false;
    }
    const caller = callerOf(activity);
    if (this.tenantAllowed(caller)) return true;
    this.s.logger.warn({ activityId: activity.id, tenantId: caller.tenantId }, 'Activity from a tenant that is not allowed');
    if (activity.type === 'message') await send(context, tenantRefusedReply());
    return false;
  }

  private surface(context: TurnContext, path: CardActionPath): CardSurface {
    return new CardSurface(path, context.activity.replyToId, this.s.continuation(context));
  }

  private async firstDelivery(activity: Activity): Promise<boolean> {
    if (!activity.id) return true;
    return this.s.seen.claim(`activity:${activity.channelId}:${activity.conversation?.id}:${activity.id}`, DEDUPE_TTL_MS);
  }

  private tenantAllowed(caller: Caller): boolean {
    if (this.s.allowedTenants.length === 0) return true;
    return !!caller.tenantId && this.s.allowedTenants.includes(caller.tenantId.toLowerCase());
  }
}
