import { DefenderError } from '../errors';
import type { Logger, TokenSource } from '../domain/ports';
import { mapDefenderError } from './error-mapping';
import { withRetries, type RetryPolicy } from './retry';

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
}

/** JSON over HTTPS to Defender: bearer token per attempt, timeouts, error mapping, bounded retries. */
export class DefenderHttp {
  constructor(private readonly options: DefenderHttpOptions) {}

  /** Sends one logical request; throws DefenderError once retries are exhausted. */
  async send(method: string, url: string, token: TokenSource, body?: unknown): Promise<DefenderResponse> {
    const { logger } = this.options;
    return withRetries((attempt) => this.once(method, url, token, body, attempt), {
      ...this.options.retry,
      onRetry: (error, attempt, delayMs) =>
        logger.warn(
          { method, path: new URL(url).pathname, attempt, delayMs, reason: error.reason, correlationId: error.details.correlationId },
          'Defender call failed; retrying',
        ),
    });
  }

  private async once(method: string, url: string, token: TokenSource, body: unknown, attempt: number): Promise<DefenderResponse> {
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
      const name = (error as Error)?.name;
      if (name === 'TimeoutError' || name === 'AbortError') {
        throw new DefenderError('timeout', `Defender did not answer within ${this.options.timeoutMs} ms.`, {}, { cause: error });
      }
      throw new DefenderError('network', 'Defender could not be reached.', {}, { cause: error });
    }
    const text = await readText(response, this.options.timeoutMs);
    const parsed = parseJson(text);
    this.options.logger.debug({ method, path: new URL(url).pathname, status: response.status, attempt }, 'Defender answered');
    if (response.status >= 200 && response.status < 300) return { status: response.status, body: parsed };
    throw mapDefenderError(response.status, parsed, response.headers.get('retry-after'));
  }
}

async function readText(response: Response, timeoutMs: number): Promise<string> {
  try {
    return await response.text();
  } catch (error) {
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
