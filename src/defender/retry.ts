import { DefenderError } from '../errors';
import { isRetryable } from './error-mapping';

/** How persistent a Defender call is. */
export interface RetryPolicy {
  readonly maxAttempts: number;
  /** A 429 or 503 asking to wait longer than this is not waited for. */
  readonly maxRetryAfterSeconds: number;
  readonly baseDelayMs: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly onRetry?: (error: DefenderError, attempt: number, delayMs: number) => void;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/** Runs `operation`, retrying rate limits and 503s (honouring Retry-After) and transient failures with backoff. */
export async function withRetries<T>(operation: (attempt: number) => Promise<T>, policy: RetryPolicy): Promise<T> {
  const sleep = policy.sleep ?? realSleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (!(error instanceof DefenderError)) throw error;
      const delayMs = nextDelay(error, attempt, policy);
      if (delayMs === undefined) throw error.withAttempts(attempt);
      policy.onRetry?.(error, attempt, delayMs);
      await sleep(delayMs);
    }
  }
}

function nextDelay(error: DefenderError, attempt: number, policy: RetryPolicy): number | undefined {
  if (!isRetryable(error) || attempt >= policy.maxAttempts) return undefined;
  const retryAfter = error.details.retryAfterSeconds;
  if ((error.reason === 'rateLimited' || error.reason === 'unavailable') && retryAfter !== undefined) {
    return retryAfter <= policy.maxRetryAfterSeconds ? retryAfter * 1000 : undefined;
  }
  const backoff = policy.baseDelayMs * 2 ** (attempt - 1);
  return Math.round(backoff / 2 + Math.random() * (backoff / 2));
}
