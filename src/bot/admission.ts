import { ActivityTypes, type Middleware, type TurnContext } from 'botbuilder';
import { fairUseKey, type FairUse, type FairUseKind } from '../domain/fair-use';
import type { Logger, OnceStore } from '../domain/ports';
import { StoreKey } from '../domain/store-keys';
import { slowDownReply, slowDownText } from '../cards/fair-use-views';
import { storageUnavailableReply, tenantRefusedReply } from '../cards/session-views';
import { DiskFlushFailed, errorFields } from '../errors';
import { callerOf } from './caller-of';
import { message } from './message-action-protocol';
import { isProactiveTurn } from './proactive-turns';
import { send } from './send';

/** How long an activity id is remembered to drop Teams' re-deliveries. */
export const DEDUPE_TTL_MS = 10 * 60 * 1000;

const ADAPTIVE_CARD_ACTION = 'adaptiveCard/action';
const MESSAGE_ACTION_FETCH = 'composeExtension/fetchTask';
const MESSAGE_ACTION_SUBMIT = 'composeExtension/submitAction';
/** A message action delivered again: the first delivery is the one that acts (and posts in the thread, if it acted). */
const ALREADY_RECEIVED = 'This was already received, so nothing more was done.';
const OPEN_AGAIN = 'This was already received. Open the message action again to see its dialog.';
const MESSAGE_RESPONSE = 'application/vnd.microsoft.activity.message';

/** The only Bot Framework channel that is Teams. */
const TEAMS_CHANNEL = 'msteams';

/** What admission uses. */
export interface AdmissionDeps {
  readonly seen: OnceStore;
  /** Refuse every channel but Teams (`msteams`): Web Chat and Direct Line clients set `from` and `channelData` themselves. */
  readonly teamsOnly: boolean;
  /** Lower-case tenant ids served; empty serves every tenant (local mode). */
  readonly allowedTenants: readonly string[];
  readonly logger: Logger;
  /** Per-user buckets for commands and card presses; absent: no limit. */
  readonly fairUse?: FairUse;
}

/**
 * Runs before every handler, for every activity type (messages, invokes, conversation updates):
 * refuses channels other than Teams and tenants that are not served, then drops Teams'
 * re-deliveries, so that no handler can forget to. The bot's own proactive turns (replies sent after a
 * turn, card updates) are not deliveries and pass.
 */
export class Admission implements Middleware {
  constructor(private readonly deps: AdmissionDeps) {}

  async onTurn(context: TurnContext, next: () => Promise<void>): Promise<void> {
    const { activity } = context;
    if (isProactiveTurn()) {
      await next();
      return;
    }
    if (this.deps.teamsOnly && activity.channelId !== TEAMS_CHANNEL) {
      this.deps.logger.warn({ activityId: activity.id, channelId: activity.channelId, type: activity.type }, 'Activity from a channel other than Teams refused');
      if (activity.type === ActivityTypes.Invoke) await context.sendActivity({ type: ActivityTypes.InvokeResponse, value: { status: 403 } });
      return;
    }
    // A tenant that is not served is refused before anything is stored: its traffic never reaches storage.
    const tenantId = callerOf(activity).tenantId;
    if (!this.tenantAllowed(tenantId)) {
      this.deps.logger.warn({ activityId: activity.id, tenantId }, 'Activity from a tenant that is not allowed');
      if (activity.type === ActivityTypes.Message) await send(context, tenantRefusedReply());
      await answerRefusedInvoke(context);
      return;
    }
    const claimKey = activity.id ? StoreKey.activity(activity.channelId, activity.conversation?.id, activity.id) : undefined;
    const first = await this.firstDelivery(claimKey).catch(async (error: unknown) => {
      await this.storageUnavailable(context, error);
      return undefined;
    });
    if (first === undefined) return;
    // A claim may still be on its way to disk (local storage flushes it with the activity's first
    // write). Nothing leaves the turn before it is there: not a reply, a card update or a
    // deletion, nor the answer to a re-delivery, which could otherwise stand for a claim a crash
    // then loses. Invokes wait at once: a message action acts in the background after its answer.
    // After a failed disk flush nothing can act any more (every write fails from then on), so what
    // the turn says then ("nothing was done") is still sent; any other failure sends nothing.
    const whenClaimed = async <T>(_context: TurnContext, _sent: unknown, sendNext: () => Promise<T>): Promise<T> => {
      await this.claimDurable(claimKey).catch((error: unknown) => {
        if (!(error instanceof DiskFlushFailed)) throw error;
      });
      return sendNext();
    };
    context.onSendActivities(whenClaimed);
    context.onUpdateActivity(whenClaimed);
    context.onDeleteActivity(whenClaimed);
    if (!first) {
      this.deps.logger.info({ activityId: activity.id }, 'Duplicate delivery ignored');
      await answerRefusedInvoke(context, 'Not available.', activity.name === MESSAGE_ACTION_FETCH ? OPEN_AGAIN : ALREADY_RECEIVED);
      return;
    }
    if (activity.type === ActivityTypes.Invoke && !(await this.claimOnDisk(context, claimKey))) return;
    if (!(await this.withinFairUse(context))) return;
    await next();
  }

  /**
   * Spends a token of the sender's bucket; over the limit, answers and stops the turn. Commands: messages, and a
   * message action's submit (it blocks what was picked). Presses: card buttons, and opening a message action's dialog.
   */
  private async withinFairUse(context: TurnContext): Promise<boolean> {
    const { activity } = context;
    const kind = fairUseKind(activity);
    if (!this.deps.fairUse || !kind) return true;
    const verdict = await this.deps.fairUse.take(kind, fairUseKey(callerOf(activity)));
    if (verdict.ok) return true;
    this.deps.logger.info({ activityId: activity.id, kind, name: activity.name, retryAfterSeconds: verdict.retryAfterSeconds }, 'Over the fair-use limit; nothing was done');
    if (activity.type === ActivityTypes.Message) await send(context, slowDownReply('command', verdict));
    else await answerRefusedInvoke(context, slowDownText(verdict.retryAfterSeconds));
    return false;
  }

  /** Waits until the activity's claim is on disk; when it cannot be, answers like storage being unavailable and stops the turn. */
  private async claimOnDisk(context: TurnContext, claimKey: string | undefined): Promise<boolean> {
    try {
      await this.claimDurable(claimKey);
      return true;
    } catch (error) {
      await this.storageUnavailable(context, error);
      return false;
    }
  }

  /** Nothing was done: said to the sender, and logged. */
  private async storageUnavailable(context: TurnContext, error: unknown): Promise<void> {
    this.deps.logger.error({ activityId: context.activity.id, err: errorFields(error) }, 'Storage unavailable: activity not acted on');
    if (context.activity.type === ActivityTypes.Message) await send(context, storageUnavailableReply());
    await answerRefusedInvoke(context, 'Storage is unavailable, so nothing was done. Try again in a minute.');
  }

  /** An activity without an id cannot be told from its re-delivery: it is always a first one. */
  private async firstDelivery(claimKey: string | undefined): Promise<boolean> {
    return claimKey === undefined ? true : this.deps.seen.claim(claimKey, DEDUPE_TTL_MS);
  }

  /** This activity's claim (the first delivery's, for a re-delivery) on disk; nothing to wait for without one. */
  private async claimDurable(claimKey: string | undefined): Promise<void> {
    if (claimKey !== undefined) await this.deps.seen.durable(claimKey);
  }

  private tenantAllowed(tenantId: string | undefined): boolean {
    if (this.deps.allowedTenants.length === 0) return true;
    return !!tenantId && this.deps.allowedTenants.includes(tenantId.toLowerCase());
  }
}

/** Which bucket an activity spends, if any (sign-in, file consent and other protocol invokes spend none). */
function fairUseKind(activity: TurnContext['activity']): FairUseKind | undefined {
  if (activity.type === ActivityTypes.Message) return 'command';
  if (activity.type !== ActivityTypes.Invoke) return undefined;
  if (activity.name === MESSAGE_ACTION_SUBMIT) return 'command';
  if (activity.name === ADAPTIVE_CARD_ACTION || activity.name === MESSAGE_ACTION_FETCH) return 'press';
  return undefined;
}

/** An invoke that is not acted on still gets its answer: a short message for a card button or a message action's dialog, an empty 200 otherwise. */
async function answerRefusedInvoke(context: TurnContext, text = 'Not available.', dialogText = text): Promise<void> {
  if (context.activity.type !== ActivityTypes.Invoke) return;
  const { name } = context.activity;
  const body =
    name === ADAPTIVE_CARD_ACTION
      ? { statusCode: 200, type: MESSAGE_RESPONSE, value: text }
      : name === MESSAGE_ACTION_FETCH || name === MESSAGE_ACTION_SUBMIT
        ? message(dialogText)
        : undefined;
  await context.sendActivity({ type: ActivityTypes.InvokeResponse, value: { status: 200, body } });
}
