import type { IncomingMessage, ServerResponse } from 'node:http';
import { fail, type Failure, type Route, str } from './exchange';
import type { Claims, DefenderFault, DefenderRequest, RateLimits } from './types';

const DEFAULT_CODES: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  429: 'TooManyRequests',
  500: 'InternalServerError',
  502: 'BadGateway',
  503: 'ServiceUnavailable',
  504: 'GatewayTimeout',
};
const MINUTE = 60_000;
const HOUR = 3_600_000;

interface PendingFault extends DefenderFault {
  remaining: number;
}

/** A fault that reads the whole request (Defender may have acted on it), then resets the connection without answering. */
export function resetAfterRequest(matcher?: DefenderFault['matcher']): DefenderFault {
  return { dropConnection: true, matcher };
}

/** Scripted faults: the next `n` matching requests fail, stall or lose their connection. */
export class FaultScript {
  private faults: PendingFault[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();

  /** Queues a fault for the next `n` matching requests. */
  add(n: number, fault: DefenderFault): void {
    this.faults.push({ ...fault, remaining: n });
  }

  /** Plays the first pending fault that matches; false when it answered (or dropped) the request itself. */
  async apply(req: IncomingMessage, res: ServerResponse, rec: DefenderRequest): Promise<boolean> {
    const fault = this.faults.find((f) => f.remaining > 0 && (!f.matcher || f.matcher(rec.method, rec.path)));
    if (!fault) return true;
    fault.remaining -= 1;
    if (fault.delayMs) await this.sleep(fault.delayMs);
    if (fault.dropConnection) {
      rec.status = -1;
      req.socket.destroy();
      return false;
    }
    if (fault.status === undefined) return true;
    const headers: Record<string, string> = fault.retryAfterSec === undefined ? {} : { 'retry-after': String(fault.retryAfterSec) };
    fail(res, rec, {
      status: fault.status,
      code: fault.code ?? DEFAULT_CODES[fault.status] ?? 'BadRequest',
      message: fault.message ?? `Scripted ${fault.status}`,
      headers,
    });
    return false;
  }

  /** Forgets the pending faults. */
  clear(): void {
    this.faults = [];
  }

  /** Drops pending delays (their answers are never sent). */
  cancelDelays(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }
}

/** The documented limits of the indicators API, counted per tenant + app + route, over sliding windows. */
export class RateLimitBook {
  private readonly hits = new Map<string, number[]>();
  private readonly limits: Required<RateLimits>;

  constructor(
    limits: RateLimits,
    private readonly now: () => number,
  ) {
    this.limits = { perMinute: 100, perHour: 1500, importPerMinute: 30, ...limits };
  }

  /** Counts the call, or answers 429 TooManyRequests with Retry-After when a window is full. */
  check(route: Route, claims: Claims): Failure | undefined {
    if (!route.limit) return undefined;
    const key = `${str(claims.tid)}|${str(claims.appid ?? claims.azp)}|${route.name}`;
    const now = this.now();
    const stamps = (this.hits.get(key) ?? []).filter((t) => t > now - HOUR);
    const windows: Array<[number, number]> =
      route.limit === 'import'
        ? [[MINUTE, this.limits.importPerMinute]]
        : [
            [MINUTE, this.limits.perMinute],
            [HOUR, this.limits.perHour],
          ];
    for (const [span, limit] of windows) {
      const inWindow = stamps.filter((t) => t > now - span);
      if (inWindow.length >= limit) {
        const retryAfter = Math.max(1, Math.ceil((inWindow[inWindow.length - limit] + span - now) / 1000));
        this.hits.set(key, stamps);
        return {
          status: 429,
          code: 'TooManyRequests',
          message: `Rate limit of ${limit} calls per ${span / MINUTE} minute(s) exceeded.`,
          headers: { 'retry-after': String(retryAfter) },
        };
      }
    }
    stamps.push(now);
    this.hits.set(key, stamps);
    return undefined;
  }

  /** Forgets every count. */
  clear(): void {
    this.hits.clear();
  }
}

/** 403 Forbidden unless `scp` or `roles` grants one of the route's permissions. */
export function permissionDenied(route: Route, claims: Claims): Failure | undefined {
  const needed = route.permissions;
  if (!needed) return undefined;
  const granted = [...str(claims.scp).split(' '), ...(Array.isArray(claims.roles) ? claims.roles.map(String) : [])];
  if (needed.some((p) => granted.includes(p))) return undefined;
  return { status: 403, code: 'Forbidden', message: `The token lacks any of the required permissions (${needed.join(', ')}).` };
}
