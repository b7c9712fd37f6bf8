import { DefenderError, type DefenderFailureReason } from '../errors';

/** Parses a Retry-After header (seconds or an HTTP date) into whole seconds. */
export function parseRetryAfter(value: string | null | undefined, now: Date = new Date()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.ceil(Number(trimmed));
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - now.getTime()) / 1000));
}

/** Maps a non-2xx Defender answer (`{"error":{"code","message","target"}}`) to a DefenderError. */
export function mapDefenderError(status: number, body: unknown, retryAfterHeader?: string | null): DefenderError {
  const err = extractError(body);
  const reason = reasonFor(status, err.code);
  const retryAfterSeconds = status === 429 ? parseRetryAfter(retryAfterHeader) : undefined;
  const message = err.message || `Defender answered HTTP ${status}.`;
  return new DefenderError(reason, message, {
    httpStatus: status,
    upstreamCode: err.code,
    correlationId: err.target,
    retryAfterSeconds,
  });
}

/** True for failures worth trying again after a pause; never `outcomeUnknown` (a non-idempotent call that may have been carried out). */
export function isRetryable(error: DefenderError): boolean {
  return ['rateLimited', 'unavailable', 'timeout', 'network'].includes(error.reason);
}

function reasonFor(status: number, code: string | undefined): DefenderFailureReason {
  const c = (code ?? '').toLowerCase();
  if (status === 429 || c === 'toomanyrequests') return 'rateLimited';
  if (c === 'invalidhashvalue') return 'invalidHash';
  if (c === 'disabledfeature') return 'featureDisabled';
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'notFound';
  if (status === 408 || status === 504) return 'timeout';
  if (status >= 500) return 'unavailable';
  if (status >= 400) return 'invalidRequest';
  return 'unexpected';
}

function extractError(body: unknown): { code?: string; message?: string; target?: string } {
  if (!body || typeof body !== 'object') return {};
  const inner = (body as { error?: unknown }).error;
  if (!inner || typeof inner !== 'object') return {};
  const e = inner as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : undefined);
  return { code: text(e.code), message: text(e.message), target: text(e.target) };
}
