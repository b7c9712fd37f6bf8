import type { ConversationReference } from 'botbuilder';
import { advanceJob } from '../domain/contain-steps';
import { claimable, claimJob, listJobs, releaseJob } from '../domain/contain-jobs';
import type { ContainDeps, ContainJob } from '../domain/containment';
import type { Logger } from '../domain/ports';
import { errorFields } from '../errors';
import { containProgressReply } from '../cards/contain-views';
import type { BackgroundWork } from './background-work';
import { replaceMessage } from './card-surface';
import { sameId } from './caller-of';
import type { Proactive } from './continuation';
import type { UserSessions } from './user-sessions';

/** Where a job's progress card lives: its conversation (with the person whose token tracks it) and its message. */
export interface ContainCardRef {
  readonly reference: Partial<ConversationReference>;
  readonly activityId?: string;
}

/** What the tracker uses. */
export interface ContainTrackerDeps {
  readonly contain: ContainDeps;
  readonly sessions: UserSessions;
  readonly proactive: Proactive;
  readonly background: BackgroundWork;
  readonly logger: Logger;
  /** This instance, as it signs its leases. */
  readonly owner: string;
  /** How long one step may hold a job before another instance may take it over. */
  readonly leaseMs: number;
}

/**
 * Drives containment jobs to the end, one step at a time, on whichever instance claims each step
 * (a lease written with the job's eTag: one driver at a time, across instances and restarts).
 * Each step runs in a proactive turn of the card's conversation, so the token service gives the
 * analyst's token with no message from them; without a sign-in the card says tracking is paused.
 */
export class ContainTracker {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private stopped = false;

  constructor(private readonly deps: ContainTrackerDeps) {}

  /** Drives the job now, then at each of its next times, while this instance runs. */
  launch(jobId: string, delayMs = 0): void {
    if (this.stopped) return;
    clearTimeout(this.timers.get(jobId));
    const timer = setTimeout(
      () => {
        this.timers.delete(jobId);
        void this.deps.background.run('contain-step', async () => {
          await this.step(jobId);
        });
      },
      Math.max(0, delayMs),
    );
    timer.unref();
    this.timers.set(jobId, timer);
  }

  /** Picks up every due job no instance holds (after a restart, or one whose instance went away). */
  async sweep(): Promise<number> {
    const now = this.deps.contain.now();
    let taken = 0;
    for (const job of await listJobs(this.deps.contain.store)) {
      if (this.timers.has(job.id) || !claimable(job, this.deps.owner, now)) continue;
      if (await this.step(job.id)) taken++;
    }
    return taken;
  }

  /** Stops scheduling (shutdown); a step under way finishes and saves. */
  stop(): void {
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  /** One step of one job, if this instance gets the lease; true when it did. */
  async step(jobId: string): Promise<boolean> {
    const { contain, owner, leaseMs, logger } = this.deps;
    const claimed = await claimJob(contain.store, jobId, owner, contain.now(), leaseMs);
    if (!claimed) return false;
    const job = claimed.value;
    let next: ContainJob = job;
    const card = job.card as ContainCardRef | undefined;
    try {
      if (!card) throw new Error('the job has no progress card to act from');
      await this.deps.proactive(card.reference, async (context) => {
        const session = await this.deps.sessions.open(context);
        const sameCaller = session.ok && (!session.identity || !job.caller.aadObjectId || sameId(session.identity.oid, job.caller.aadObjectId));
        next = session.ok && sameCaller ? await advanceJob(contain, job, session.delegation) : this.paused(job);
        await replaceMessage(context, card.activityId, containProgressReply(next)).catch((error: unknown) =>
          logger.warn({ jobId, err: errorFields(error) }, 'Could not update the containment card'),
        );
      });
    } catch (error) {
      logger.warn({ jobId, err: errorFields(error) }, 'Containment step failed; it is tried again');
      if (next === job) next = { ...job, nextAt: new Date(contain.now().getTime() + contain.settings.pollMs).toISOString() };
    }
    const saved = await releaseJob(contain.store, claimed, next, contain.now());
    if (!saved) {
      logger.warn({ jobId }, 'Containment step lost its lease; the other holder carries on');
      return true;
    }
    if (next.phase === 'finished') logger.info({ jobId, devices: next.devices.length, watchEnded: !!next.watchEnded }, 'Containment finished');
    else this.launch(jobId, Date.parse(next.nextAt) - contain.now().getTime());
    return true;
  }

  /** The analyst is not signed in (or another account is): nothing is asked of Defender; the job waits, or ends with its watch. */
  private paused(job: ContainJob): ContainJob {
    const now = this.deps.contain.now();
    if (now.getTime() >= Date.parse(job.watchUntil)) return { ...job, phase: 'finished', watchEnded: true, paused: 'signInRequired', endedAt: now.toISOString() };
    return { ...job, paused: 'signInRequired', nextAt: new Date(now.getTime() + this.deps.contain.settings.pollMs).toISOString() };
  }
}
