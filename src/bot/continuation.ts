import type { TurnContext } from 'botbuilder';

/** Sends into the conversation a turn came from, after that turn has ended. */
export type Continuation = (logic: (context: TurnContext) => Promise<void>) => Promise<void>;

/** Called during a turn; returns a Continuation usable after the turn. */
export type PrepareContinuation = (context: TurnContext) => Continuation;
