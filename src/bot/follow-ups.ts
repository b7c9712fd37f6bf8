import type { ConversationReference } from 'botbuilder';
import type { Caller } from '../domain/caller';
import type { FileHash } from '../domain/file-hash';
import type { FileStatus } from '../domain/file-status';
import { checkBack, claimFollowUp, dueFollowUps, finishFollowUp, scheduleFollowUp, type FollowUp, type FollowUpDeps } from '../domain/follow-up';
import type { Logger } from '../domain/ports';
import { errorFields } from '../errors';
import { followUpNotCheckedReply, followUpReply } from '../cards/contain-views';
import type { BackgroundWork } from './background-work';
import { sameId } from './caller-of';
import { storeOffer } from './contain-runner';
import type { Proactive } from './continuation';
import { send } from './send';
import type { UserSessions } from './user-sessions';

/** A block Defender accepted, as the follow-up needs it. */
export interface DoneBlockForFollowUp {
  readonly hash: FileHash;
  readonly comment: string;
  readonly caller: Caller;
  readonly status: FileStatus;
}

/** What follow-ups use. */
export interface FollowUpsDeps {
  readonly check: FollowUpDeps;
  readonly sessions: UserSessions;
  readonly proactive: Proactive;
  readonly background: BackgroundWork;
  readonly logger: Logger;
  /** This instance, as it signs its claims. */
  readonly owner: string;
  /** How long after a block it is checked again; 0 = never. */
  readonly afterMs: number;
  readonly newId: () => string;
}

/**
 * After every successful block, checks the file again once (FOLLOW_UP_AFTER_MINUTES later) and
 * posts what it finds in the thread the block was asked in: the record is kept under its due time
 * and claimed with an eTag, so across instances and restarts it is posted once.
 */
export class FollowUps {
  /** When follow-ups scheduled here fall due, earliest first; one timer waits for the first of them. */
  private readonly wakeAt: number[] = [];
  private timer: NodeJS.Timeout | undefined;
  private armedFor = Number.POSITIVE_INFINITY;
  private stopped = false;

  constructor(private readonly deps: FollowUpsDeps) {}

  /** Schedules the check-back of a block just made, to be posted at `where`. */
  async schedule(where: Partial<ConversationReference>, block: DoneBlockForFollowUp): Promise<void> {
    const { afterMs, check } = this.deps;
    if (afterMs <= 0) return;
    const now = check.now();
    const followUp: FollowUp = {
      id: this.deps.newId(),
      dueAt: new Date(now.getTime() + afterMs).toISOString(),
      hash: block.hash,
      tenantId: block.caller.tenantId,
      blockedBy: block.caller,
      blockedAt: now.toISOString(),
      comment: block.comment,
      ...(block.status.indicatorId ? { indicatorId: block.status.indicatorId } : {}),
      ...(block.status.expirationTime ? { expiresAt: block.status.expirationTime } : {}),
      where,
    };
    await scheduleFollowUp(check.store, followUp, now);
    this.wake(afterMs);
  }

  /** Posts every due follow-up this instance claims; returns how many. */
  async sweep(): Promise<number> {
    const { check, owner, logger } = this.deps;
    let posted = 0;
    for (const entry of await dueFollowUps(check.store, check.now())) {
      const claimed = await claimFollowUp(check.store, entry, owner, check.now());
      if (!claimed) continue;
      try {
        await this.post(claimed.value);
        await finishFollowUp(check.store, claimed);
        posted++;
      } catch (error) {
        logger.warn({ followUpId: claimed.value.id, err: errorFields(error) }, 'Follow-up not posted; it is tried again later');
      }
    }
    return posted;
  }

  /** Stops the local wake-ups (shutdown); the sweep of any instance still posts what is due. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.wakeAt.length = 0;
  }

  private async post(followUp: FollowUp): Promise<void> {
    const where = followUp.where as Partial<ConversationReference>;
    await this.deps.proactive(where, async (context) => {
      const session = await this.deps.sessions.open(context);
      const sameCaller = session.ok && (!session.identity || !followUp.blockedBy.aadObjectId || sameId(session.identity.oid, followUp.blockedBy.aadObjectId));
      if (!session.ok || !sameCaller) {
        await send(context, followUpNotCheckedReply(followUp));
        return;
      }
      const finding = await checkBack(this.deps.check, followUp, session.delegation);
      if (finding.kind === 'undone') {
        this.deps.logger.info({ followUpId: followUp.id, hash: followUp.hash.value }, 'Follow-up dropped: the block was undone');
        return;
      }
      const offerId = finding.remaining?.length
        ? await storeOffer(this.deps.check.store, { hash: followUp.hash, comment: followUp.comment, tenantId: followUp.tenantId }, this.deps.newId())
        : undefined;
      await send(context, followUpReply(followUp, finding, offerId));
    });
  }

  /** Sweeps when the follow-up just scheduled falls due: one timer for all, never one per block. */
  private wake(afterMs: number): void {
    if (this.stopped) return;
    // Follow-ups falling due close together share one wake-up (at most a 20th of the delay late, and 10 s).
    const step = Math.max(1, Math.min(MAX_WAKE_STEP_MS, Math.floor(afterMs / 20)));
    const at = Math.ceil((Date.now() + afterMs) / step) * step;
    // Every follow-up waits the same time, so due times come in order: this is a push but for a clock step.
    let i = this.wakeAt.length;
    while (i > 0 && this.wakeAt[i - 1] > at) i--;
    if (this.wakeAt[i - 1] === at) return;
    this.wakeAt.splice(i, 0, at);
    this.arm();
  }

  private arm(): void {
    const next = this.wakeAt[0];
    if (this.stopped || next === undefined || next >= this.armedFor) return;
    clearTimeout(this.timer);
    this.armedFor = next;
    this.timer = setTimeout(() => this.fire(), Math.min(Math.max(0, next - Date.now()), MAX_TIMER_MS));
    this.timer.unref();
  }

  private fire(): void {
    this.timer = undefined;
    this.armedFor = Number.POSITIVE_INFINITY;
    const now = Date.now();
    let due = 0;
    while (due < this.wakeAt.length && this.wakeAt[due] <= now) due++;
    this.wakeAt.splice(0, due);
    if (due > 0) {
      void this.deps.background.run('follow-up', async () => {
        await this.sweep();
      });
    }
    this.arm();
  }
}

/** Follow-ups due within this long of each other are swept together. */
const MAX_WAKE_STEP_MS = 10_000;

/** The longest delay a Node timer takes (about 24.8 days); a later wake-up is armed again when this one fires. */
const MAX_TIMER_MS = 2 ** 31 - 1;
