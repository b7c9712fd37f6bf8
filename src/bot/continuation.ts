import type { ConversationReference, TurnContext } from 'botbuilder';

/** Sends into the conversation a turn came from, after that turn has ended. */
export type Continuation = (logic: (context: TurnContext) => Promise<void>) => Promise<void>;

/** Called during a turn; returns a Continuation usable after the turn. */
export type PrepareContinuation = (context: TurnContext) => Continuation;

/** Sends into a stored conversation, from no turn at all. */
export type Proactive = (reference: Partial<ConversationReference>, logic: (context: TurnContext) => Promise<void>) => Promise<void>;

/** A Continuation into `reference`; replies thread under the activity it names. */
export function continuationFrom(proactive: Proactive, reference: Partial<ConversationReference>): Continuation {
  return (logic) =>
    proactive(reference, async (context) => {
      // The continuation activity gets a fresh id; restore the original so replies thread under it.
      if (reference.activityId) context.activity.id = reference.activityId;
      await logic(context);
    });
}
