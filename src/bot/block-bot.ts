import {
  ActivityTypes,
  CardFactory,
  MessageFactory,
  TeamsActivityHandler,
  TurnContext,
  type Activity,
  type SigninStateVerificationQuery,
} from 'botbuilder';
import { parseCommand, type Command } from '../commands/parse';
import { blockFile, type BlockFileDeps } from '../domain/block-file';
import type { Caller } from '../domain/caller';
import type { Delegation, Logger, OnceStore } from '../domain/ports';
import { blockOutcomeReply } from '../cards/block-views';
import { helpReply, parseErrorReply } from '../cards/help-views';
import type { Reply } from '../cards/render';
import {
  pendingDroppedReply,
  signedInReply,
  signedOutReply,
  signInAgainText,
  signInFailedReply,
  signInPromptText,
  signInUnavailableReply,
  tenantMismatchReply,
  tenantRefusedReply,
} from '../cards/session-views';
import type { BackgroundWork } from './background-work';
import { callerOf } from './caller-of';
import { PendingCommands, pendingKey } from './pending-commands';
import type { SessionResult, UserSessions } from './user-sessions';

export { callerOf } from './caller-of';

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
  readonly sessions: UserSessions;
  readonly seen: OnceStore;
  readonly logger: Logger;
  readonly background: BackgroundWork;
  readonly allowedTenants: readonly string[];
  readonly continuation: PrepareContinuation;
  readonly signInTimeoutMs: number;
}

type BlockCommand = Extract<Command, { kind: 'block' }>;

/** A block waiting for its sender to sign in; replies go to the conversation it came from. */
interface PendingBlock {
  readonly command: BlockCommand;
  readonly caller: Caller;
  readonly continuation: Continuation;
}

/** Teams activity handler: dispatches each message to one use case and answers with one card. */
export class BlockBot extends TeamsActivityHandler {
  private readonly pending: PendingCommands<PendingBlock>;

  constructor(private readonly deps: BotDeps) {
    super();
    const minutes = Math.max(1, Math.round(deps.signInTimeoutMs / 60_000));
    this.pending = new PendingCommands(deps.signInTimeoutMs, (dropped) => {
      deps.logger.info({ hash: dropped.command.hash.value, user: dropped.caller.aadObjectId }, 'Pending block dropped: sign-in did not complete');
      deps.background.run('sign-in-expired', () => dropped.continuation((context) => send(context, pendingDroppedReply(dropped.command.hash, minutes))));
    });
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

  /** Forgets commands waiting for sign-in (shutdown). */
  dispose(): void {
    this.pending.clear();
  }

  protected override async handleTeamsSigninTokenExchange(context: TurnContext, _query: SigninStateVerificationQuery): Promise<void> {
    await this.completeSignIn(context);
  }

  protected override async handleTeamsSigninVerifyState(context: TurnContext, query: SigninStateVerificationQuery): Promise<void> {
    await this.completeSignIn(context, query?.state);
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
    const magicCode = /^\s*(\d{6})\s*$/.exec(text)?.[1];
    if (magicCode && this.deps.mode === 'production') {
      await this.completeSignIn(context, magicCode);
      return;
    }
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
      case 'signIn': {
        const session = await this.deps.sessions.open(context);
        if (session.ok) await send(context, signedInReply(session.upn));
        else if (session.reason === 'signInRequired') await this.deps.sessions.promptSignIn(context, signInPromptText());
        else await send(context, sessionFailureReply(session));
        return;
      }
      case 'signOut':
        this.pending.take(pendingKey(activity.conversation?.id, activity.from?.id));
        await this.deps.sessions.signOut(context);
        await send(context, signedOutReply());
        return;
      case 'block': {
        log.info({ ...correlation, hash: command.hash.value, user: caller.aadObjectId }, 'Block requested');
        const waiting: PendingBlock = { command, caller, continuation: this.deps.continuation(context) };
        const session = await this.deps.sessions.open(context);
        if (session.ok) {
          await context.sendActivity({ type: ActivityTypes.Typing });
          this.runBlock(waiting, session.delegation);
        } else if (session.reason === 'signInRequired') {
          this.pending.put(pendingKey(activity.conversation?.id, activity.from?.id), waiting);
          await this.deps.sessions.promptSignIn(context, signInPromptText(command.hash));
        } else {
          await send(context, sessionFailureReply(session));
        }
        return;
      }
    }
  }

  /** A sign-in finished (SSO exchange, sign-in button or magic code): run what was waiting for it. */
  private async completeSignIn(context: TurnContext, magicCode?: string): Promise<void> {
    const activity = context.activity;
    const caller = callerOf(activity);
    if (!this.tenantAllowed(caller)) {
      await send(context, tenantRefusedReply());
      return;
    }
    const session = await this.deps.sessions.open(context, magicCode);
    if (!session.ok) {
      await send(context, session.reason === 'signInRequired' ? signInFailedReply() : sessionFailureReply(session));
      return;
    }
    const waiting = this.pending.take(pendingKey(activity.conversation?.id, activity.from?.id));
    this.deps.logger.info({ activityId: activity.id, user: caller.aadObjectId, resumed: !!waiting }, 'Sign-in completed');
    if (waiting) this.runBlock(waiting, session.delegation);
    else await send(context, signedInReply(session.upn));
  }

  private runBlock(waiting: PendingBlock, delegation: Delegation): void {
    const { command, caller, continuation } = waiting;
    const log = this.deps.logger;
    this.deps.background.run('block', async () => {
      const outcome = await blockFile(this.deps.block, { hash: command.hash, comment: command.comment, caller }, delegation);
      log.info({ hash: command.hash.value, user: caller.aadObjectId, outcome: outcome.kind }, 'Block finished');
      const reason = outcome.kind === 'tokenFailed' ? outcome.error.reason : undefined;
      if (reason && reason !== 'unavailable') {
        await continuation(async (context) => {
          await this.deps.sessions.signOut(context);
          this.pending.put(pendingKey(context.activity.conversation?.id, caller.userId), waiting);
          await this.deps.sessions.promptSignIn(context, signInAgainText(reason));
        });
        return;
      }
      await continuation((context) => send(context, blockOutcomeReply(outcome, command.hash, caller)));
    });
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

function sessionFailureReply(session: Extract<SessionResult, { ok: false }>): Reply {
  switch (session.reason) {
    case 'tenantMismatch':
      return tenantMismatchReply();
    case 'signInUnavailable':
      return signInUnavailableReply();
    case 'signInRequired':
      return signInFailedReply();
  }
}

/** Sends one card with its plain-text summary for notifications. */
export async function send(context: TurnContext, reply: Reply): Promise<void> {
  const message = MessageFactory.attachment(CardFactory.adaptiveCard(reply.card.content));
  message.summary = reply.summary;
  await context.sendActivity(message);
}
