import type { TurnContext } from 'botbuilder';
import type { z } from 'zod';
import type { Caller } from '../../domain/caller';
import type { CardVerbName } from '../../cards/card-verbs';
import type { CardSurface } from '../card-surface';

/** One press of a card button, with the data the card sent already parsed by the verb's schema. */
export interface CardPress<T> {
  readonly context: TurnContext;
  readonly surface: CardSurface;
  /** Who pressed, from the activity (never from the card). */
  readonly presser: Caller;
  readonly data: T;
}

/** A card verb: the schema of what its card sends back, and the handler that receives the typed data. */
export interface CardAction<T = unknown> {
  readonly schema: z.ZodType<T>;
  handle(press: CardPress<T>): Promise<void>;
}

/** Every card verb's action; a verb without one fails the build. */
export type CardActionRegistry = { readonly [V in CardVerbName]: CardAction<never> };

/** Declares a card action, typing the handler's data from the schema. */
export function cardAction<S extends z.ZodType>(schema: S, handle: (press: CardPress<z.output<S>>) => Promise<void>): CardAction<never> {
  return { schema, handle } as unknown as CardAction<never>;
}
