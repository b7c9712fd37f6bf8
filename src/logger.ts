import pino from 'pino';
import type { Logger } from './domain/ports';

const REDACT = [
  'authorization',
  '*.authorization',
  'headers.authorization',
  'token',
  '*.token',
  'password',
  '*.password',
  'MicrosoftAppPassword',
];

/** Structured JSON logs on stdout; token and secret fields are redacted. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger & { child(fields: Record<string, unknown>): Logger } {
  const base = pino({ level, base: { app: 'defender-block-bot' }, redact: { paths: REDACT, censor: '[redacted]' } }, destination);
  return wrap(base);
}

function wrap(p: pino.Logger): Logger & { child(fields: Record<string, unknown>): Logger } {
  return {
    info: (fields, message) => p.info(fields, message),
    warn: (fields, message) => p.warn(fields, message),
    error: (fields, message) => p.error(fields, message),
    debug: (fields, message) => p.debug(fields, message),
    child: (fields) => wrap(p.child(fields)),
  };
}
