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

/**
 * A Continuation that sends through the turn's own context while the turn is open (no proactive
 * turn, no second pipeline run) and proactively once `close` has been called; `close` waits for
 * sends already under way on the turn's context, which must not outlive the turn.
 */
export function turnFirst(context: TurnContext, later: Continuation): { readonly continuation: Continuation; close(): Promise<void> } {
  let open = true;
  const underway = new Set<Promise<void>>();
  return {
    continuation: (logic) => {
      if (!open) return later(logic);
      const sending = logic(context);
      underway.add(sending);
      void sending.then(
        () => underway.delete(sending),
        () => underway.delete(sending),
      );
      return sending;
    },
    async close() {
      open = false;
      await Promise.allSettled([...underway]);
    },
  };
}
