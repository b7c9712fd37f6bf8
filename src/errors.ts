/** Codes for failures the product expects and explains to the user. */
export type BotErrorCode = 'config' | 'defender' | 'identity' | 'storage' | 'card' | 'transfer';

/** An error the product knows how to explain; `cause` keeps the original for logs. */
export class BotError extends Error {
  constructor(
    readonly code: BotErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'BotError';
  }
}

/** Start-up configuration is invalid; `problems` lists every bad key with a hint. */
export class ConfigError extends BotError {
  constructor(readonly problems: readonly string[]) {
    super('config', `Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** Why a Defender call failed, in words the product can explain; `outcomeUnknown`: the request was sent, then the connection broke or timed out. */
export type DefenderFailureReason =
  | 'rateLimited'
  | 'unavailable'
  | 'timeout'
  | 'network'
  | 'outcomeUnknown'
  /** Nothing was sent: the bot could not record its intent in the audit trail first. */
  | 'notSent'
  | 'invalidRequest'
  | 'invalidHash'
  | 'forbidden'
  | 'unauthorized'
  | 'notFound'
  | 'featureDisabled'
  | 'unexpected';

/** A failed Defender call, mapped from `{"error":{"code","message","target"}}` or a transport failure. */
export class DefenderError extends BotError {
  constructor(
    readonly reason: DefenderFailureReason,
    message: string,
    readonly details: {
      readonly httpStatus?: number;
      readonly upstreamCode?: string;
      readonly correlationId?: string;
      readonly retryAfterSeconds?: number;
      readonly attempts?: number;
    } = {},
    options?: { cause?: unknown },
  ) {
    super('defender', message, options);
    this.name = 'DefenderError';
  }

  /** A copy that records how many attempts were made. */
  withAttempts(attempts: number): DefenderError {
    return new DefenderError(this.reason, this.message, { ...this.details, attempts }, { cause: this.cause });
  }
}

/** A token for an upstream could not be obtained. */
export class TokenError extends BotError {
  constructor(
    readonly reason: 'unavailable' | 'interactionRequired' | 'consentRequired' | 'invalidGrant',
    message: string,
    options?: { cause?: unknown },
  ) {
    super('identity', message, options);
    this.name = 'TokenError';
  }
}

/** A file could not be exchanged with Teams (a CSV download, an export upload). */
export class FileTransferError extends BotError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('transfer', message, options);
    this.name = 'FileTransferError';
  }
}

/** The one shape every logged error takes: name, message, code and cause, never a token or secret. */
export function errorFields(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { value: String(error) };
  const fields: Record<string, unknown> = { name: error.name, message: error.message };
  if (error instanceof BotError) fields.code = error.code;
  if (error.cause !== undefined)
    fields.cause = error.cause instanceof Error ? { name: error.cause.name, message: error.cause.message } : typeof error.cause === 'string' ? error.cause : typeof error.cause;
  if (!(error instanceof BotError) && error.stack) fields.stack = error.stack;
  return fields;
}

/** Said by local storage to every caller once a disk flush failed: what was written may not be on disk, and cannot be trusted to be. */
export class DiskFlushFailed extends Error {
  constructor(readonly reason: unknown) {
    super(`A disk flush of the database failed (${reason instanceof Error ? reason.message : String(reason)}); nothing more is acknowledged until the bot restarts`);
    this.name = 'DiskFlushFailed';
  }
}
