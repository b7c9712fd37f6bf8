/** What a Defender call counts against: Defender budgets each kind of call separately. */
export type CallKind =
  /** Indicators API: `POST /indicators`. */
  | 'submit'
  /** Indicators API: `POST /indicators/import`. */
  | 'import'
  /** Any GET, on either API. */
  | 'query'
  /** Indicators API: `DELETE /indicators/{id}`. */
  | 'delete'
  /** Files API: `POST /files/{sha1}/block`. */
  | 'block'
  /** Files API: `POST /files/{sha1}/unblock`. */
  | 'unblock';

/**
 * Who a call is for: `lookup` (status, history, approval cards: reads only) or `action` (blocks, unblocks,
 * imports and the lookups they make first). Lookups may spend at most their share of Defender's query
 * budget; actions may spend all of it that lookups leave. So a reader looping `status` cannot starve the
 * pre-block checks, and so blocks, while a burst of blocks still has the whole budget when nobody reads.
 */
export type Lane = 'lookup' | 'action';

/** The most of the query budget lookups may spend; actions may spend everything they leave. */
export const LOOKUP_QUERY_SHARE = 0.4;

/** At most `limit` calls in any `windowMs` sliding window. */
export interface Budget {
  readonly limit: number;
  readonly windowMs: number;
}

const MINUTE = 60_000;
const HOUR = 3_600_000;
const STANDARD: readonly Budget[] = [
  { limit: 100, windowMs: MINUTE },
  { limit: 1_500, windowMs: HOUR },
];

/** Defender's documented budgets: 100 calls/min and 1,500/hour per kind; imports 30/min. */
export const DEFENDER_BUDGETS: Readonly<Record<CallKind, readonly Budget[]>> = {
  submit: STANDARD,
  import: [
    { limit: 30, windowMs: MINUTE },
    { limit: 1_500, windowMs: HOUR },
  ],
  query: STANDARD,
  delete: STANDARD,
  block: STANDARD,
  unblock: STANDARD,
};

/** Settings of a RateLimiter; clock and sleep are injectable for tests. */
export interface RateLimiterOptions {
  readonly budgets?: Readonly<Record<CallKind, readonly Budget[]>>;
  /** Epoch ms. */
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/**
 * Client-side sliding windows per call kind, so the bot stays inside Defender's budgets instead
 * of collecting 429s. Callers of one kind are served first come, first served.
 */
export class RateLimiter {
  private readonly budgets: Readonly<Record<CallKind, readonly Budget[]>>;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly stamps = new Map<BudgetKey, number[]>();
  private readonly queues = new Map<BudgetKey, Promise<unknown>>();

  constructor(options: RateLimiterOptions = {}) {
    this.budgets = options.budgets ?? DEFENDER_BUDGETS;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? realSleep;
  }

  /**
   * Waits until a call of `kind` fits every window of its lane, then counts it; resolves to the ms waited.
   * Never rejects. Only queries are split by lane; every other kind is one budget.
   */
  acquire(kind: CallKind, lane: Lane = 'action'): Promise<number> {
    const key: BudgetKey = kind === 'query' ? `${lane}:query` : kind;
    const previous = this.queues.get(key) ?? Promise.resolve();
    const turn = previous.then(() => this.take(kind, key));
    this.queues.set(key, turn);
    return turn;
  }

  private async take(kind: CallKind, key: BudgetKey): Promise<number> {
    let waited = 0;
    for (;;) {
      const now = this.now();
      const wait = this.waitFor(kind, key, now);
      if (wait <= 0) {
        this.stampsOf(key).push(now);
        return waited;
      }
      await this.sleep(wait).catch(() => undefined);
      waited += wait;
    }
  }

  /** Milliseconds until every window of `key` has room at `now` (queries: within the lane's share and within the whole budget). */
  private waitFor(kind: CallKind, key: BudgetKey, now: number): number {
    const budgets = this.budgets[kind];
    const longest = Math.max(0, ...budgets.map((b) => b.windowMs));
    const own = this.pruned(key, now - longest);
    if (kind !== 'query') return windowWait(budgets, 1, own, now);
    const lanes = [this.pruned('lookup:query', now - longest), this.pruned('action:query', now - longest)];
    const both = [...lanes[0], ...lanes[1]].sort((a, b) => a - b);
    const whole = windowWait(budgets, 1, both, now);
    return key === 'lookup:query' ? Math.max(whole, windowWait(budgets, LOOKUP_QUERY_SHARE, own, now)) : whole;
  }

  /** The stamps of `key`, without those older than `oldest`. */
  private pruned(key: BudgetKey, oldest: number): number[] {
    const stamps = this.stampsOf(key);
    const stale = stamps.findIndex((t) => t > oldest);
    stamps.splice(0, stale === -1 ? stamps.length : stale);
    return stamps;
  }

  private stampsOf(key: BudgetKey): number[] {
    let stamps = this.stamps.get(key);
    if (!stamps) {
      stamps = [];
      this.stamps.set(key, stamps);
    }
    return stamps;
  }
}

/** Milliseconds until `stamps` (oldest first) leave room for one more call in every window, at `share` of each limit. */
function windowWait(budgets: readonly Budget[], share: number, stamps: readonly number[], now: number): number {
  let wait = 0;
  for (const { limit, windowMs } of budgets) {
    const allowed = Math.max(1, Math.floor(limit * share));
    const inWindow = stamps.filter((t) => t > now - windowMs);
    if (inWindow.length >= allowed) wait = Math.max(wait, inWindow[inWindow.length - allowed] + windowMs - now);
  }
  return wait;
}

/** Where a call's stamps are kept: queries per lane, other kinds on their own. */
type BudgetKey = Exclude<CallKind, 'query'> | `${Lane}:query`;
