import type { Store } from './ports';
import { StoreKey } from './store-keys';

/** What a bucket limits: typed commands (messages) or card presses (Action.Execute). */
export type FairUseKind = 'command' | 'press';

/** A token bucket: `perMinute` tokens refill every minute, up to `burst`; 0 per minute turns the limit off. */
export interface BucketSettings {
  readonly perMinute: number;
  readonly burst: number;
}

/** Whether one more command may run now, and if not, how long until it may. */
export type FairUseVerdict = { readonly ok: true } | { readonly ok: false; readonly retryAfterSeconds: number };

/** What the fair-use buckets use. */
export interface FairUseDeps {
  readonly store: Store;
  readonly now: () => Date;
  readonly buckets: Readonly<Record<FairUseKind, BucketSettings>>;
  /** Called when the store could not be read or written and the command was let through. */
  readonly onStoreError?: (error: unknown) => void;
}

interface Bucket {
  readonly tokens: number;
  /** Epoch ms of `tokens`. */
  readonly at: number;
}

/** Attempts at the read-modify-write before two instances racing on one bucket give up and let the command through. */
const MAX_ATTEMPTS = 3;

/**
 * Per-user token buckets kept in the Store, so that every instance over shared storage spends the same
 * bucket. One read and one conditional write per admitted command (a refusal only reads); a write that
 * loses a race to another instance reads again, a few times, then refuses.
 */
export class FairUse {
  constructor(private readonly deps: FairUseDeps) {}

  /** Takes one token from the user's bucket of `kind`. */
  async take(kind: FairUseKind, userKey: string): Promise<FairUseVerdict> {
    const settings = this.deps.buckets[kind];
    if (settings.perMinute <= 0) return { ok: true };
    const key = StoreKey.fairUse(kind, userKey);
    const refillMsPerToken = 60_000 / settings.perMinute;
    // Fail open: a store outage must not stop analysts from blocking during an incident. The bucket is a fairness
    // measure, not an access control (roles are checked live on every action), and Defender's own budgets still apply.
    try {
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        const now = this.deps.now().getTime();
        const stored = await this.deps.store.get<Bucket>(key);
        const available = stored ? Math.min(settings.burst, stored.value.tokens + Math.max(0, now - stored.value.at) / refillMsPerToken) : settings.burst;
        if (available < 1) return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(((1 - available) * refillMsPerToken) / 1000)) };
        const next: Bucket = { tokens: available - 1, at: now };
        const ttlMs = Math.ceil((settings.burst - next.tokens) * refillMsPerToken);
        const written = await this.deps.store.put(key, next, stored ? { ifMatch: stored.etag, ttlMs } : { ifNoneMatch: '*', ttlMs });
        if (written.ok) return { ok: true };
      }
      // Every attempt lost to another write of the same user's bucket: that user is busy enough to wait a second.
      return { ok: false, retryAfterSeconds: 1 };
    } catch (error) {
      this.deps.onStoreError?.(error);
      return { ok: true };
    }
  }
}

/** Which store key a user's bucket lives under: the Entra object id when there is one, else the channel's user id. */
export function fairUseKey(user: { readonly tenantId?: string; readonly aadObjectId?: string; readonly userId: string }): string {
  return `${user.tenantId ?? 'none'}|${user.aadObjectId ?? user.userId}`;
}
