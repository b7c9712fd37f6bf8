import type { TurnContext } from 'botbuilder';
import type { Caller } from '../../domain/caller';
import type { Delegation, Store } from '../../domain/ports';
import { confirmationClosedReply } from '../../cards/confirm-views';
import type { CardSurface } from '../card-surface';
import { tellOnly, type CardReplies } from './card-replies';

/** What taking a stored decision uses. */
export interface StoredDecisionsDeps {
  readonly store: Store;
  readonly replies: CardReplies;
}

/** A decision waiting in the store (a confirmation, a bulk review, an approval draft) and who may answer it. */
export interface DecisionRecord<T> {
  readonly key: string;
  /** The Teams user id of the only person who may answer. */
  readonly ownerOf: (value: T) => string;
  /** Set when answering needs the presser's delegation: what to call the action on the sign-in prompt. */
  readonly signInFor?: string;
}

/**
 * Answers a stored decision exactly once: loads it by id, checks the presser owns it, gets their
 * delegation when the answer needs one (before anything is consumed, so a press that must sign in
 * first loses nothing), then takes it out of the store.
 */
export class StoredDecisions {
  constructor(private readonly deps: StoredDecisionsDeps) {}

  /** `caller`: the presser as their sign-in names them (only when the record needs a sign-in). */
  async take<T>(
    context: TurnContext,
    surface: CardSurface,
    presser: Caller,
    record: DecisionRecord<T>,
  ): Promise<{ value: T; delegation?: Delegation; caller?: Caller } | undefined> {
    const stored = await this.deps.store.get<T>(record.key);
    if (!stored) {
      await surface.replaceNow(context, confirmationClosedReply('unknown'));
      return undefined;
    }
    if (record.ownerOf(stored.value) !== presser.userId) {
      await tellOnly(context, surface, confirmationClosedReply('notYours').summary);
      return undefined;
    }
    const session = record.signInFor ? await this.deps.replies.session(context, surface, record.signInFor) : undefined;
    if (record.signInFor && !session) return undefined;
    const taken = await this.deps.store.delete(record.key, { ifMatch: stored.etag });
    if (!taken.ok) {
      await surface.replaceNow(context, confirmationClosedReply('unknown'));
      return undefined;
    }
    return { value: stored.value, delegation: session?.delegation, caller: session?.caller };
  }
}
