import { AsyncLocalStorage } from 'node:async_hooks';

const proactive = new AsyncLocalStorage<true>();

/** Runs a proactive send (the bot's own turn, started by no incoming request) so that middleware can tell it apart. */
export function asProactiveTurn<T>(send: () => Promise<T>): Promise<T> {
  return proactive.run(true, send);
}

/** True inside a turn the bot started itself; never for a turn an HTTP request brought. */
export function isProactiveTurn(): boolean {
  return proactive.getStore() === true;
}
