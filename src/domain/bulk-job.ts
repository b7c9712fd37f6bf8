import type { BulkItem } from './bulk-block';
import type { BulkJobSpec } from './bulk-intake';
import type { Store, Versioned } from './ports';
import { StoreKey, StorePrefix } from './store-keys';

/** How one hash of a running job ended, once Defender answered. */
export interface BulkItemOutcome {
  readonly ok: boolean;
  readonly reason?: string;
}

/** A bulk block while it runs, kept in the Store so that a restart can tell exactly what was and was not sent. */
export interface BulkJobRecord {
  readonly id: string;
  readonly owner: string;
  readonly spec: BulkJobSpec;
  /** Hash value → outcome, for every hash Defender answered about (or that failed before being sent). */
  readonly results: Readonly<Record<string, BulkItemOutcome>>;
  /** The batch sent to Defender whose answer is not recorded yet: after a crash its outcome is unknown. */
  readonly inFlight: readonly string[];
  /** Epoch ms; past it without an update, the instance running the job is gone. */
  readonly leaseUntil: number;
  /** Where the job reports (the bot's conversation reference and progress card), opaque here. */
  readonly where?: unknown;
}

/** Writes a job's progress: the intent before each batch is sent, the outcome after. */
export interface BulkJournal {
  intent(batch: readonly BulkItem[]): Promise<void>;
  outcome(results: ReadonlyMap<string, BulkItemOutcome>): Promise<void>;
  /** Keeps the lease while the job waits (rate limits) for up to `waitMs`. */
  alive(waitMs: number): Promise<void>;
}

/** What a job record is held for: no update within this long means its instance is gone. */
export const BULK_LEASE_MS = 5 * 60_000;

/** The running bulk jobs of every analyst, one record each (deleted when the job ends). */
export class BulkJobs {
  constructor(
    private readonly store: Store,
    private readonly now: () => Date,
    private readonly leaseMs: number = BULK_LEASE_MS,
  ) {}

  /** Jobs of `owner` still holding their lease. */
  async running(owner: string): Promise<number> {
    const now = this.now().getTime();
    return (await this.store.list<BulkJobRecord>(`${StorePrefix.bulkJob}${owner}/`)).filter((e) => e.value.leaseUntil > now).length;
  }

  /** Records a new job; its journal writes every step with the record's eTag, so two instances never run one job. */
  async start(id: string, owner: string, spec: BulkJobSpec, where?: unknown): Promise<BulkJobHandle | undefined> {
    const record: BulkJobRecord = { id, owner, spec, results: {}, inFlight: [], leaseUntil: this.now().getTime() + this.leaseMs, where };
    const written = await this.store.put(StoreKey.bulkJob(owner, id), record, { ifNoneMatch: '*' });
    return written.ok ? new BulkJobHandle(this.store, this.now, { value: record, etag: written.etag }, this.leaseMs) : undefined;
  }

  /** Jobs whose instance stopped updating them (killed, crashed); each to be taken over once with `takeOver`. */
  async orphans(): Promise<Array<Versioned<BulkJobRecord>>> {
    const now = this.now().getTime();
    return (await this.store.list<BulkJobRecord>(StorePrefix.bulkJob)).filter((e) => e.value.leaseUntil <= now);
  }

  /** Removes an orphaned job, once (false when another instance took it first). */
  async takeOver(orphan: Versioned<BulkJobRecord>): Promise<boolean> {
    return (await this.store.delete(StoreKey.bulkJob(orphan.value.owner, orphan.value.id), { ifMatch: orphan.etag })).ok;
  }
}

/** One running job's record, updated as it goes. */
export class BulkJobHandle implements BulkJournal {
  constructor(
    private readonly store: Store,
    private readonly now: () => Date,
    private current: Versioned<BulkJobRecord>,
    private readonly leaseMs: number,
  ) {}

  get record(): BulkJobRecord {
    return this.current.value;
  }

  /** Where the job reports, once known (the first progress card). */
  async locate(where: unknown): Promise<void> {
    await this.write({ ...this.current.value, where });
  }

  async intent(batch: readonly BulkItem[]): Promise<void> {
    await this.write({ ...this.current.value, inFlight: batch.map((item) => item.hash.value) });
  }

  async outcome(results: ReadonlyMap<string, BulkItemOutcome>): Promise<void> {
    await this.write({ ...this.current.value, results: { ...this.current.value.results, ...Object.fromEntries(results) }, inFlight: [] });
  }

  async alive(waitMs: number): Promise<void> {
    await this.write({ ...this.current.value }, waitMs);
  }

  /** The job ended: its record goes (the audit trail keeps every hash's outcome). */
  async finish(): Promise<void> {
    await this.store.delete(StoreKey.bulkJob(this.current.value.owner, this.current.value.id), { ifMatch: this.current.etag });
  }

  private async write(next: BulkJobRecord, waitMs = 0): Promise<void> {
    const value = { ...next, leaseUntil: this.now().getTime() + this.leaseMs + waitMs };
    const written = await this.store.put(StoreKey.bulkJob(value.owner, value.id), value, { ifMatch: this.current.etag });
    if (!written.ok) throw new Error('The bulk job was taken over by another instance.');
    this.current = { value, etag: written.etag };
  }
}
