import type { TurnContext } from 'botbuilder';
import type { Delegation } from '../../domain/ports';
import { noticeReply } from '../../cards/notice';
import type { Reply } from '../../cards/render';
import { signInPromptText } from '../../cards/session-views';
import type { BackgroundWork } from '../background-work';
import type { ActionResult } from '../block-actions';
import type { CardSurface } from '../card-surface';
import { within } from '../deadline';
import { send } from '../send';
import type { OpenSession, SessionGate } from '../session-gate';

/** What card replies use. */
export interface CardRepliesDeps {
  readonly gate: SessionGate;
  readonly background: BackgroundWork;
  /** How long an Action.Execute answer may wait for the result before showing "working" and updating later. */
  readonly invokeBudgetMs: number;
}

/** How card handlers answer: in place within Teams' invoke budget, to the presser only, or with a sign-in. */
export class CardReplies {
  constructor(private readonly deps: CardRepliesDeps) {}

  /** The presser's delegation, or undefined after asking them to sign in. */
  async delegation(context: TurnContext, surface: CardSurface, what: string): Promise<Delegation | undefined> {
    return (await this.session(context, surface, what))?.delegation;
  }

  /** The presser's session: their delegation and who they are as their sign-in says; undefined after asking them to sign in. */
  async session(context: TurnContext, surface: CardSurface, what: string): Promise<OpenSession | undefined> {
    const session = await this.deps.gate.now(context, signInPromptText(what));
    if (!session) surface.answerWithMessage('Sign in first (see the card below), then press the button again.');
    return session;
  }

  /** Replaces the card with the result if it comes within the invoke budget; else "working" now and the result later. */
  async inPlace(context: TurnContext, surface: CardSurface, work: Promise<ActionResult>): Promise<void> {
    const settled = await within(work, this.deps.invokeBudgetMs);
    if (settled.done) {
      // An Action.Execute answer replaces the card for the presser only; the Submit fallback would update it for everyone.
      if (settled.value.presserOnly && surface.path === 'submit') await send(context, settled.value.reply);
      else await surface.replaceNow(context, settled.value.reply);
      if (settled.value.signInAgain) await this.deps.gate.renew(context, settled.value.signInAgain);
      return;
    }
    await surface.replaceNow(context, noticeReply('Working on it…', ['Defender is slow to answer; this card will show the result.'], { tone: 'default' }));
    void this.deps.background.run('card-action', async () => surface.replaceLater((await work).reply));
  }

  /** Runs after the turn (a long job that updates the card itself). */
  later(label: string, task: () => Promise<void>): void {
    void this.deps.background.run(label, task);
  }
}

/** Answers with a new message in the conversation and leaves the card as it is (the Action.Execute answer repeats its summary). */
export async function tellInstead(context: TurnContext, surface: CardSurface, reply: Reply): Promise<void> {
  await send(context, reply);
  if (surface.path === 'execute') surface.answerWithMessage(reply.summary);
}

/** Tells only the presser (Action.Execute message, or a new message) without touching the card. */
export async function tellOnly(context: TurnContext, surface: CardSurface, message: string): Promise<void> {
  if (surface.path === 'execute') surface.answerWithMessage(message);
  else await send(context, noticeReply(message, []));
}
