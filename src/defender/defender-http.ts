import { DefenderError } from '../errors';
import type { Logger, TokenSource } from '../domain/ports';
import { mapDefenderError, parseRetryAfter } from './error-mapping';
import { RateLimiter, type CallKind, type Lane } from './rate-limiter';
import { withRetries, type RetryPolicy } from './retry';

/** The HTTP methods the Defender APIs use. */
export type HttpMethod = 'GET' | 'POST' | 'DELETE';

/** One logical Defender call; `kind` says which rate budget it spends. */
export interface DefenderCall {
  readonly kind: CallKind;
  readonly method: HttpMethod;
  readonly url: string;
  readonly body?: unknown;
}

/** A Defender answer that was a success (2xx). */
export interface DefenderResponse {
  readonly status: number;
  readonly body: unknown;
}

/** Settings for the Defender HTTP client. */
export interface DefenderHttpOptions {
  readonly timeoutMs: number;
  readonly retry: RetryPolicy;
  readonly logger: Logger;
  /** Budgets shared by every call of this client; default: Defender's documented budgets. */
  readonly limiter?: RateLimiter;
  /** Which share of the query budget this client's GETs spend (default: action). */
  readonly lane?: Lane;
}

/**
 * JSON over HTTPS to Defender: a rate-budget slot and a bearer token per attempt, timeouts,
 * error mapping, bounded retries. The limiter is per process (the lookup and action clients share one,
 * each on its lane): several bot instances each spend the tenant's whole budget.
 */
export class DefenderHttp {
  private readonly limiter: RateLimiter;

  constructor(private readonly options: DefenderHttpOptions) {
    this.limiter = options.limiter ?? new RateLimiter();
  }

  /** Sends one logical request; throws DefenderError once retries are exhausted. */
  async send(call: DefenderCall, token: TokenSource): Promise<DefenderResponse> {
    const { logger } = this.options;
    const path = new URL(call.url).pathname;
    return withRetries(
      async (attempt) => {
        const waitedMs = await this.limiter.acquire(call.kind, this.options.lane);
        if (waitedMs > 0) logger.info({ method: call.method, path, kind: call.kind, waitedMs }, 'Waited for Defender rate budget');
        return this.once(call, token, attempt);
      },
      {
        ...this.options.retry,
        onRetry: (error, attempt, delayMs) =>
          logger.warn({ method: call.method, path, attempt, delayMs, reason: error.reason, correlationId: error.details.correlationId }, 'Defender call failed; retrying'),
      },
    );
  }

  private async once(call: DefenderCall, token: TokenSource, attempt: number): Promise<DefenderResponse> {
    const { method, url, body } = call;
    const bearer = await token();
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${bearer}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (error) {
      throw transportError(error, method, this.options.timeoutMs);
    }
    const text = await readText(response, this.options.timeoutMs, method);
    const parsed = parseJson(text);
    this.options.logger.debug({ method, path: new URL(url).pathname, status: response.status, attempt }, 'Defender answered');
    if (response.status >= 200 && response.status < 300) return { status: response.status, body: parsed };
    throw answeredError(call.kind, response.status, parsed, response.headers.get('retry-after'));
  }
}

/** Calls that act on every send: a block must not go out twice on a guess. */
const ONE_SHOT: ReadonlySet<CallKind> = new Set<CallKind>(['block', 'submit']);

/** Error answers that can come after the server acted (its gateway or handler failed or timed out, not a refusal to start). */
const MAYBE_DONE_STATUSES: ReadonlySet<number> = new Set([408, 500, 502, 504]);

/**
 * The error for a non-2xx answer. A block answered 500/502/504/408 may have been carried out, so it is
 * `outcomeUnknown` (never retried); 429 and 503 mean "not processed" and keep their Retry-After.
 */
function answeredError(kind: CallKind, status: number, body: unknown, retryAfter: string | null): DefenderError {
  const mapped = mapDefenderError(status, body, retryAfter);
  if (ONE_SHOT.has(kind) && MAYBE_DONE_STATUSES.has(status)) {
    return new DefenderError('outcomeUnknown', `Defender answered HTTP ${status} after the request was sent (${mapped.message}); it may have been carried out.`, mapped.details);
  }
  if (status === 503 && mapped.details.retryAfterSeconds === undefined) {
    const seconds = parseRetryAfter(retryAfter);
    if (seconds !== undefined) return new DefenderError(mapped.reason, mapped.message, { ...mapped.details, retryAfterSeconds: seconds });
  }
  return mapped;
}

/** Errors that mean no request reached Defender: nothing can have happened there. */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_HAS_EXPIRED',
]);

/** True for calls that change nothing when repeated; a POST (block, import) may act twice. */
export function isIdempotent(method: HttpMethod): boolean {
  return method !== 'POST';
}

/** The code of a fetch failure (undici nests it in `cause`, sometimes twice). */
function failureCode(error: unknown): string | undefined {
  for (let e = error as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string') return e.code;
  }
  return undefined;
}

/**
 * A transport failure: `network` when the request never left (refused, DNS); for a non-idempotent call
 * that may have reached Defender (reset, closed or timed out after sending) `outcomeUnknown`, which is never retried.
 */
function transportError(error: unknown, method: HttpMethod, timeoutMs: number): DefenderError {
  const name = (error as Error)?.name;
  const timedOut = name === 'TimeoutError' || name === 'AbortError';
  const code = failureCode(error);
  const notSent = !timedOut && code !== undefined && NOT_SENT_CODES.has(code);
  if (!notSent && !isIdempotent(method)) {
    const how = timedOut ? `did not answer within ${timeoutMs} ms` : 'closed the connection before answering';
    return new DefenderError('outcomeUnknown', `The request was sent, but Defender ${how}; it may have been carried out.`, {}, { cause: error });
  }
  if (timedOut) return new DefenderError('timeout', `Defender did not answer within ${timeoutMs} ms.`, {}, { cause: error });
  return new DefenderError('network', 'Defender could not be reached.', {}, { cause: error });
}

async function readText(response: Response, timeoutMs: number, method: HttpMethod): Promise<string> {
  try {
    return await response.text();
  } catch (error) {
    if (!isIdempotent(method) && response.ok) {
      throw new DefenderError('outcomeUnknown', `Defender answered HTTP ${response.status} but its answer broke off.`, { httpStatus: response.status }, { cause: error });
    }
    throw new DefenderError('timeout', `Defender's answer did not arrive within ${timeoutMs} ms.`, { httpStatus: response.status }, { cause: error });
  }
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
