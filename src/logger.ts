import pino from 'pino';
import type { Logger } from './domain/ports';

const REDACT = ['authorization', '*.authorization', 'headers.authorization', 'token', '*.token', 'password', '*.password', 'MicrosoftAppPassword'];

type RootLogger = Logger & {
  child(fields: Record<string, unknown>): Logger;
  /** Resolves once every line logged so far has reached the destination (or the destination failed). */
  flush(): Promise<void>;
};

/**
 * Structured JSON logs on stdout; token and secret fields are redacted.
 * Stdout is written synchronously: a line is out of the process when the call returns, so exiting
 * right after it cannot drop it (pino's default stdout stream writes asynchronously).
 */
export function createLogger(level: string, destination: pino.DestinationStream = pino.destination({ dest: 1, sync: true })): RootLogger {
  const base = pino({ level, base: { app: 'defender-block-bot' }, redact: { paths: REDACT, censor: '[redacted]' } }, destination);
  return wrap(base);
}

function wrap(p: pino.Logger): RootLogger {
  return {
    info: (fields, message) => p.info(fields, message),
    warn: (fields, message) => p.warn(fields, message),
    error: (fields, message) => p.error(fields, message),
    debug: (fields, message) => p.debug(fields, message),
    child: (fields) => wrap(p.child(fields)),
    flush: () => new Promise((resolve) => p.flush(() => resolve())),
  };
}
