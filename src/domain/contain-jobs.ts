import type { ContainJob } from './containment';
import type { Store, Versioned } from './ports';
import { StoreKey, StorePrefix } from './store-keys';

/** A job stays in the store this long after its watch ends (the follow-up and `history` read it). */
const KEEP_AFTER_WATCH_MS = 7 * 24 * 60 * 60 * 1000;

function ttlOf(job: ContainJob, now: Date): number {
  return Math.max(Date.parse(job.watchUntil) - now.getTime(), 0) + KEEP_AFTER_WATCH_MS;
}

/** Stores a new job (only if its id is new). */
export async function createJob(store: Store, job: ContainJob, now: Date): Promise<boolean> {
  return (await store.put(StoreKey.containJob(job.id), job, { ifNoneMatch: '*', ttlMs: ttlOf(job, now) })).ok;
}

/** A job by id. */
export async function findJob(store: Store, id: string): Promise<Versioned<ContainJob> | undefined> {
  return store.get<ContainJob>(StoreKey.containJob(id));
}

/**
 * Takes the job for `owner` until `now + leaseMs` when it is due and nobody else holds it: an
 * eTag-conditional write, so of two instances claiming together exactly one gets it.
 */
export async function claimJob(store: Store, id: string, owner: string, now: Date, leaseMs: number): Promise<Versioned<ContainJob> | undefined> {
  const stored = await findJob(store, id);
  if (!stored || !claimable(stored.value, owner, now)) return undefined;
  const value: ContainJob = { ...stored.value, lease: { owner, until: new Date(now.getTime() + leaseMs).toISOString() } };
  const written = await store.put(StoreKey.containJob(id), value, { ifMatch: stored.etag, ttlMs: ttlOf(value, now) });
  return written.ok ? { value, etag: written.etag } : undefined;
}

/** Due, not finished, and free (or held by `owner`, or its holder's lease ran out). */
export function claimable(job: ContainJob, owner: string, now: Date): boolean {
  if (job.phase === 'finished' || Date.parse(job.nextAt) > now.getTime()) return false;
  return !job.lease || job.lease.owner === owner || Date.parse(job.lease.until) <= now.getTime();
}

/** Saves what the holder did and gives the lease back; false when the lease was lost meanwhile (the other holder's write stands). */
export async function releaseJob(store: Store, claimed: Versioned<ContainJob>, next: ContainJob, now: Date): Promise<boolean> {
  const value: ContainJob = { ...next, lease: undefined };
  return (await store.put(StoreKey.containJob(next.id), value, { ifMatch: claimed.etag, ttlMs: ttlOf(value, now) })).ok;
}

/** Every stored job (open and recently finished). */
export async function listJobs(store: Store): Promise<ContainJob[]> {
  return (await store.list<ContainJob>(StorePrefix.containJob)).map((entry) => entry.value);
}
