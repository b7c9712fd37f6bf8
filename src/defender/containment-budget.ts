import { DefenderError } from '../errors';
import { DEFENDER_BUDGETS, RateLimiter, type Budget, type CallKind } from './rate-limiter';

/** What a containment call counts against: Defender budgets each of these APIs separately. */
export type ContainmentCallKind =
  /** `GET /files/{sha256|md5}`, to find the SHA-1. */
  | 'fileLookup'
  /** `GET /files/{sha1}/machines`. */
  | 'devices'
  /** `POST /machines/{id}/StopAndQuarantineFile`. */
  | 'stopAndQuarantine'
  /** `GET /machineactions/{id}`. */
  | 'machineAction';

const MINUTE = 60_000;
const HOUR = 3_600_000;

/** Defender's documented budgets for these calls: 100 calls/min and 1,500/hour per tenant and app, each. */
export const CONTAINMENT_BUDGETS: Readonly<Record<ContainmentCallKind, readonly Budget[]>> = {
  fileLookup: [
    { limit: 100, windowMs: MINUTE },
    { limit: 1_500, windowMs: HOUR },
  ],
  devices: [
    { limit: 100, windowMs: MINUTE },
    { limit: 1_500, windowMs: HOUR },
  ],
  stopAndQuarantine: [
    { limit: 100, windowMs: MINUTE },
    { limit: 1_500, windowMs: HOUR },
  ],
  machineAction: [
    { limit: 100, windowMs: MINUTE },
    { limit: 1_500, windowMs: HOUR },
  ],
};

/** Settings of a ContainmentBudget; clock and sleep are injectable for tests. */
export interface ContainmentBudgetOptions {
  readonly budgets?: Readonly<Record<ContainmentCallKind, readonly Budget[]>>;
  /** Epoch ms. */
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * Client-side sliding windows per containment call kind, built from one RateLimiter per kind
 * (each spends its budget under the limiter's 'query' key). Per process, like the other budgets.
 */
export class ContainmentBudget {
  private readonly limiters: Readonly<Record<ContainmentCallKind, RateLimiter>>;
  private readonly heldUntil = new Map<ContainmentCallKind, number>();
  private readonly now: () => number;

  constructor(options: ContainmentBudgetOptions = {}) {
    this.now = options.now ?? Date.now;
    const budgets = options.budgets ?? CONTAINMENT_BUDGETS;
    const one = (kind: ContainmentCallKind) => new RateLimiter({ budgets: onlyQuery(budgets[kind]), now: options.now, sleep: options.sleep });
    this.limiters = { fileLookup: one('fileLookup'), devices: one('devices'), stopAndQuarantine: one('stopAndQuarantine'), machineAction: one('machineAction') };
  }

  /**
   * Waits until a call of `kind` fits its windows, then counts it; resolves to the ms waited. While Defender's
   * last Retry-After for this kind runs, rejects at once with a rateLimited DefenderError instead of calling.
   */
  acquire(kind: ContainmentCallKind): Promise<number> {
    const remainingMs = (this.heldUntil.get(kind) ?? 0) - this.now();
    if (remainingMs > 0) {
      const retryAfterSeconds = Math.ceil(remainingMs / 1000);
      return Promise.reject(new DefenderError('rateLimited', `Defender asked to wait ${retryAfterSeconds} s more before the next call.`, { httpStatus: 429, retryAfterSeconds }));
    }
    return this.limiters[kind].acquire('query');
  }

  /** Records a Retry-After Defender gave for `kind` that outlasted the client's retries. */
  holdOff(kind: ContainmentCallKind, seconds: number): void {
    const until = this.now() + seconds * 1000;
    this.heldUntil.set(kind, Math.max(until, this.heldUntil.get(kind) ?? 0));
  }
}

/** A limiter budget that spends nothing: for a DefenderHttp whose calls a ContainmentBudget already counts. */
export function unbudgetedLimiter(): RateLimiter {
  return new RateLimiter({ budgets: mapKinds(() => []) });
}

function onlyQuery(budget: readonly Budget[]): Record<CallKind, readonly Budget[]> {
  return mapKinds((kind) => (kind === 'query' ? budget : []));
}

function mapKinds(f: (kind: CallKind) => readonly Budget[]): Record<CallKind, readonly Budget[]> {
  return Object.fromEntries((Object.keys(DEFENDER_BUDGETS) as CallKind[]).map((k) => [k, f(k)])) as Record<CallKind, readonly Budget[]>;
}
