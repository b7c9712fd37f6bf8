import type { TurnContext } from 'botbuilder';
import { MAX_COMMENT_LENGTH } from '../commands/limits';
import { optionsFromFields } from '../commands/parse-options';
import { stripQuotes } from '../commands/parse';
import type { Caller } from '../domain/caller';
import { classifyHash } from '../domain/file-hash';
import type { Delegation } from '../domain/ports';
import { resolveOptions } from '../domain/resolve-options';
import { bulkProgressReply } from '../cards/bulk-views';
import { CardVerb, type CardVerbName } from '../cards/card-verbs';
import { apiName } from '../cards/card-text';
import { confirmationClosedReply } from '../cards/confirm-views';
import type { FormValues } from '../cards/form-views';
import { noticeReply } from '../cards/notice';
import { signInPromptText } from '../cards/session-views';
import { BlockActions, confirmationKey, draftKey, type ActionResult, type ApprovalDraft, type PendingConfirmation } from './block-actions';
import type { BotServices } from './bot-services';
import { bulkReviewKey, type BulkJobSpec } from './bulk-intake';
import { runBulk } from './bulk-runner';
import type { CardSurface } from './card-surface';
import type { CommandRunner } from './command-runner';
import { within } from './deadline';
import { send } from './send';

/** A button press: its verb, the data the card sent (inputs included), and the card it came from. */
export interface CardAction {
  readonly verb: CardVerbName;
  readonly data: Readonly<Record<string, unknown>>;
  readonly surface: CardSurface;
}

/**
 * Routes card buttons by verb. Whatever a card echoes back is untrusted: confirmations, undo
 * records and bulk reviews are loaded from the store by id, and the presser comes from the activity.
 */
export class CardActions {
  private readonly actions: BlockActions;

  constructor(
    private readonly s: BotServices,
    private readonly commands: CommandRunner,
  ) {
    this.actions = new BlockActions(s);
  }

  async handle(context: TurnContext, action: CardAction, presser: Caller): Promise<void> {
    const { surface, data } = action;
    switch (action.verb) {
      case CardVerb.OpenForm: {
        const hash = typeof data.hash === 'string' && classifyHash(data.hash) ? data.hash : undefined;
        await send(context, this.commands.form({ hash }));
        surface.answerWithMessage('The block form is below.');
        return;
      }
      case CardVerb.SubmitForm:
        return this.submitForm(context, surface, data, presser);
      case CardVerb.Confirm:
      case CardVerb.Cancel:
        return this.answerConfirmation(context, action, presser);
      case CardVerb.Undo: {
        const undoId = text(data.undoId);
        const delegation = await this.delegation(context, surface, 'undo');
        if (delegation) await this.inPlace(context, surface, this.actions.undo(undoId, presser, delegation));
        return;
      }
      case CardVerb.BulkConfirm:
      case CardVerb.BulkCancel:
        return this.answerBulkReview(context, action, presser);
      case CardVerb.RequestApproval:
        return this.requestFromDenial(context, action, presser);
      case CardVerb.Approve:
        return this.s.board.press(context, surface, text(data.approvalId), 'approve', presser, { hash: data.hash });
      case CardVerb.Reject:
        return this.s.board.press(context, surface, text(data.approvalId), 'reject', presser, { hash: data.hash, reason: text(data.reason).slice(0, 500) });
      case CardVerb.Retry:
        return this.s.board.press(context, surface, text(data.approvalId), 'retry', presser, { hash: data.hash });
      case CardVerb.CancelRequest:
        return this.s.board.press(context, surface, text(data.approvalId), 'cancel', presser, { hash: data.hash });
      case CardVerb.ApprovalRefresh:
        return this.s.board.press(context, surface, text(data.approvalId), 'refresh', presser);
    }
  }

  private async requestFromDenial(context: TurnContext, action: CardAction, presser: Caller): Promise<void> {
    const taken = await this.take<ApprovalDraft>(context, action, presser, draftKey(text(action.data.draftId)), (d) => d.request.caller.userId);
    if (taken) await action.surface.replaceNow(context, await this.s.board.request(context, taken.value.request, presser));
  }

  private async submitForm(context: TurnContext, surface: CardSurface, data: Readonly<Record<string, unknown>>, presser: Caller): Promise<void> {
    const values: FormValues = {
      hash: text(data.hash),
      comment: text(data.comment),
      action: text(data.action),
      expires: text(data.expires),
      severity: text(data.severity),
      groups: text(data.groups),
    };
    const hash = classifyHash(stripQuotes(values.hash ?? ''));
    const comment = (values.comment ?? '').trim();
    const options = optionsFromFields(values);
    const error = !hash
      ? 'That is not a SHA-1, SHA-256 or MD5. Nothing was blocked.'
      : comment === ''
        ? 'A comment is required. Nothing was blocked.'
        : comment.length > MAX_COMMENT_LENGTH
          ? `The comment has ${comment.length} characters; the limit is ${MAX_COMMENT_LENGTH}.`
          : 'reason' in options
            ? `${options.key} "${options.value}": ${options.hint}.`
            : undefined;
    if (error || !hash || 'reason' in options) {
      await surface.replaceNow(context, this.commands.form(values, error));
      return;
    }
    const request = { hash, comment, caller: presser, options: resolveOptions(options, this.s.actions.now(), this.s.settings.defaultExpiryDays) };
    if (this.s.approvalPolicy === 'always') {
      await surface.replaceNow(context, await this.s.board.request(context, request, presser));
      return;
    }
    const delegation = await this.delegation(context, surface, 'block');
    if (!delegation) {
      await surface.replaceNow(context, this.commands.form(values, 'Sign in first (see the card below), then press Block again.'));
      return;
    }
    await this.inPlace(context, surface, this.actions.block(request, delegation));
  }

  private async answerConfirmation(context: TurnContext, action: CardAction, presser: Caller): Promise<void> {
    const signIn = action.verb === CardVerb.Cancel ? undefined : 'block';
    const taken = await this.take<PendingConfirmation>(context, action, presser, confirmationKey(text(action.data.confirmId)), (p) => p.request.caller.userId, signIn);
    if (!taken) return;
    if (action.verb === CardVerb.Cancel || !taken.delegation) {
      await action.surface.replaceNow(context, confirmationClosedReply('cancelled'));
      return;
    }
    await this.inPlace(context, action.surface, this.actions.block(taken.value.request, taken.delegation, taken.value.concerns));
  }

  private async answerBulkReview(context: TurnContext, action: CardAction, presser: Caller): Promise<void> {
    const signIn = action.verb === CardVerb.BulkCancel ? undefined : 'bulk block';
    const taken = await this.take<BulkJobSpec>(context, action, presser, bulkReviewKey(text(action.data.reviewId)), (p) => p.caller.userId, signIn);
    if (!taken) return;
    const { value: spec, delegation } = taken;
    if (action.verb === CardVerb.BulkCancel || !delegation) {
      await action.surface.replaceNow(context, confirmationClosedReply('cancelled'));
      return;
    }
    const api = apiName(this.s.actions.defender.kind);
    await action.surface.replaceNow(context, bulkProgressReply({ total: spec.items.length, done: 0, blocked: 0, failures: [], finished: false }, api));
    const continuation = this.s.continuation(context);
    this.s.background.run('bulk-block', () => runBulk(this.s, spec, delegation, continuation, action.surface.cardActivityId));
  }

  /**
   * Loads a stored decision by id, checks the presser owns it, gets their delegation when the answer
   * needs one (before anything is consumed, so a press that must sign in first loses nothing), and
   * takes the decision out of the store so it is answered once.
   */
  private async take<T>(
    context: TurnContext,
    action: CardAction,
    presser: Caller,
    key: string,
    ownerOf: (value: T) => string,
    signInFor?: string,
  ): Promise<{ value: T; delegation?: Delegation } | undefined> {
    const stored = await this.s.store.get<T>(key);
    if (!stored) {
      await action.surface.replaceNow(context, confirmationClosedReply('unknown'));
      return undefined;
    }
    if (ownerOf(stored.value) !== presser.userId) {
      await this.tellOnly(context, action.surface, confirmationClosedReply('notYours').summary);
      return undefined;
    }
    const delegation = signInFor ? await this.delegation(context, action.surface, signInFor) : undefined;
    if (signInFor && !delegation) return undefined;
    const taken = await this.s.store.delete(key, { ifMatch: stored.etag });
    if (!taken.ok) {
      await action.surface.replaceNow(context, confirmationClosedReply('unknown'));
      return undefined;
    }
    return { value: stored.value, delegation };
  }

  /** The presser's delegation, or undefined after asking them to sign in. */
  private async delegation(context: TurnContext, surface: CardSurface, what: string): Promise<Delegation | undefined> {
    const delegation = await this.s.gate.now(context, signInPromptText(what));
    if (!delegation) surface.answerWithMessage('Sign in first (see the card below), then press the button again.');
    return delegation;
  }

  /** Replaces the card with the result if it comes within the invoke budget; else "working" now and the result later. */
  private async inPlace(context: TurnContext, surface: CardSurface, work: Promise<ActionResult>): Promise<void> {
    const settled = await within(work, this.s.settings.invokeBudgetMs);
    if (settled.done) {
      await surface.replaceNow(context, settled.value.reply);
      return;
    }
    await surface.replaceNow(context, noticeReply('Working on it…', ['Defender is slow to answer; this card will show the result.'], { tone: 'default' }));
    this.s.background.run('card-action', async () => surface.replaceLater((await work).reply));
  }

  /** Tells only the presser (Action.Execute message, or a new message) without touching the card. */
  private async tellOnly(context: TurnContext, surface: CardSurface, message: string): Promise<void> {
    if (surface.path === 'execute') surface.answerWithMessage(message);
    else await send(context, noticeReply(message, []));
  }
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
