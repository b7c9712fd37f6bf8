import { refusalFrom, refuseUnlessHolds } from '../domain/access';
import type { ActionDeps } from '../domain/block-file';
import type { OptionsInput } from '../domain/block-options';
import { TurnContext, type ConversationReference } from 'botbuilder';
import { auditInterrupted } from '../domain/bulk-audit';
import { bulkBlock, type BulkProgress, type BulkTiming } from '../domain/bulk-block';
import { precheckBulk } from '../domain/bulk-precheck';
import type { BulkJobs } from '../domain/bulk-job';
import { fairUseKey } from '../domain/fair-use';
import { errorFields } from '../errors';
import { slowDownReply } from '../cards/fair-use-views';
import type { Caller } from '../domain/caller';
import type { FileHash } from '../domain/file-hash';
import type { Delegation, Logger, Store } from '../domain/ports';
import { BLOCKING_ROLES } from '../domain/roles';
import { StoreKey } from '../domain/store-keys';
import { bulkFileFailedReply, bulkInterruptedReply, bulkNoHashesReply, bulkPrecheckReply, bulkProgressReply, bulkReviewReply, bulkTooManyReply } from '../cards/bulk-views';
import { apiName } from '../cards/card-text';
import { confirmationClosedReply } from '../cards/confirm-views';
import { refusalReply } from '../cards/refusal-views';
import { MAX_BULK_HASHES, prepareBulk, type BulkJobSpec, type BulkLine } from '../domain/bulk-intake';
import { linesFromAttachment, type CsvFile } from './csv-attachments';
import type { FileTransfer } from './file-transfer';
import { replaceMessage } from './card-surface';
import type { Continuation, Proactive } from './continuation';
import { send } from './send';

/** Progress cards are updated at most this often (Teams throttles message updates). */
const UPDATE_EVERY_MS = 1500;

/** A bulk block whose list is (partly) an attached file, not yet downloaded: read only once the caller may block. */
export interface BulkFileIntake {
  readonly file: CsvFile;
  /** Lines typed in the message, checked together with the file's. */
  readonly lines: readonly BulkLine[];
  readonly sharedComment?: string;
  readonly options: OptionsInput;
}

/** What reading an attached list uses. */
export interface BulkIntakeDeps {
  readonly files: FileTransfer;
  readonly store: Store;
  readonly newId: () => string;
  /** Bulk reviews expire after this long. */
  readonly decisionTtlMs: number;
  readonly defaultExpiryDays: number;
}

/** What the bulk runner uses. */
export interface BulkRunnerDeps {
  readonly actions: ActionDeps;
  readonly timing: BulkTiming;
  readonly logger: Logger;
  /** Needed to read attached CSV files. */
  readonly intake?: BulkIntakeDeps;
  /** Where the pre-check reviews are kept while their card waits. */
  readonly reviews: { readonly store: Store; readonly newId: () => string; readonly decisionTtlMs: number };
  /** Running jobs kept in the store (progress per batch, the per-user cap, reports after a restart). */
  readonly jobs?: { readonly jobs: BulkJobs; readonly maxPerUser: number; readonly proactive: Proactive };
}

/** Where a running job reports, kept in its record. */
interface JobWhere {
  readonly reference: Partial<ConversationReference>;
  readonly messageId?: string;
}

/**
 * Runs a checked bulk block: one progress card (the review card it replaces, or a new message)
 * updated in place until every hash is accounted for.
 */
export class BulkRunner {
  constructor(private readonly deps: BulkRunnerDeps) {}

  /** The first progress card, shown before the job starts. */
  startingReply(spec: BulkJobSpec) {
    return bulkProgressReply({ total: spec.items.length, done: 0, blocked: 0, failures: [], finished: false }, apiName(this.deps.actions.defender.kind), this.extrasOf(spec));
  }

  private extrasOf(spec: BulkJobSpec) {
    return { skipped: spec.skipped ?? [], simulated: this.deps.actions.defender.kind === 'simulator' };
  }

  /** Runs the job (or holds it for review); returns the hashes Defender accepted a block for (none when it was held or refused). */
  async run(spec: BulkJobSpec, delegation: Delegation, continuation: Continuation, cardActivityId?: string): Promise<readonly FileHash[]> {
    const api = apiName(this.deps.actions.defender.kind);
    let messageId = cardActivityId;
    let reference: Partial<ConversationReference> | undefined;
    const showReply = (reply: Parameters<typeof send>[1]) =>
      continuation(async (context) => {
        reference ??= TurnContext.getConversationReference(context.activity);
        if (messageId) await replaceMessage(context, messageId, reply);
        else messageId = await send(context, reply);
      });
    const show = (progress: BulkProgress) => showReply(bulkProgressReply(progress, api, this.extrasOf(spec)));
    const owner = fairUseKey(spec.caller);
    const jobs = this.deps.jobs;
    if (jobs && (await jobs.jobs.running(owner)) >= jobs.maxPerUser) {
      await showReply(slowDownReply('bulkJobs', { max: jobs.maxPerUser }));
      return [];
    }
    if (!spec.prechecked && (await this.heldForReview(spec, delegation, showReply))) return [];
    // The other button of the same review card must not start a second run of the same list.
    if (spec.sibling && !(await this.withdraw(spec.sibling))) {
      await showReply(confirmationClosedReply('unknown'));
      return [];
    }
    const job = await jobs?.jobs.start(this.deps.reviews.newId(), owner, spec);
    await show({ total: spec.items.length, done: 0, blocked: 0, failures: [], finished: false });
    if (job && reference) await job.locate({ reference, messageId } satisfies JobWhere).catch(() => undefined);
    let lastShown = Date.now();
    const outcome = await bulkBlock(
      { ...this.deps.actions, timing: this.deps.timing },
      spec,
      delegation,
      async (progress) => {
        if (Date.now() - lastShown < UPDATE_EVERY_MS && !progress.waitingUntil) return;
        lastShown = Date.now();
        await show(progress);
      },
      job,
    );
    await job?.finish().catch(() => undefined);
    if (outcome.kind === 'finished') {
      const { total, blocked, failures } = outcome.progress;
      this.deps.logger.info({ total, blocked, failed: failures.length }, 'Bulk block finished');
      await show(outcome.progress);
      return outcome.blockedHashes;
    }
    await continuation((context) => replaceMessage(context, messageId, refusalReply(outcome, 'bulk-block', spec.caller)));
    return [];
  }

  /** Takes the other choice of a review card out of the store; false when it was already taken (that choice runs) or cancelled. */
  private async withdraw(reviewId: string): Promise<boolean> {
    const key = StoreKey.bulkReview(reviewId);
    const stored = await this.deps.reviews.store.get(key);
    return !!stored && (await this.deps.reviews.store.delete(key, { ifMatch: stored.etag })).ok;
  }

  /**
   * Bulk jobs whose instance stopped (killed, crashed) are reported, each once by whichever instance sweeps: what was
   * blocked, what was not, what was never sent, and what was sent without an answer; the rest waits for a Resume press.
   */
  async sweep(): Promise<number> {
    const jobs = this.deps.jobs;
    if (!jobs) return 0;
    let reported = 0;
    for (const orphan of await jobs.jobs.orphans()) {
      if (!(await jobs.jobs.takeOver(orphan))) continue;
      const record = orphan.value;
      const state = await auditInterrupted(this.deps.actions, record);
      const remaining = record.spec.items.filter((item) => record.results[item.hash.value] === undefined);
      const resumeId = this.deps.reviews.newId();
      const resume: BulkJobSpec = { ...record.spec, items: remaining, prechecked: true, verify: record.inFlight };
      await this.deps.reviews.store.put(StoreKey.bulkReview(resumeId), resume, { ifNoneMatch: '*', ttlMs: this.deps.reviews.decisionTtlMs });
      this.deps.logger.warn({ job: record.id, blocked: state.blocked, notSent: state.notSent, unknown: state.unknown.length }, 'Bulk block interrupted by a restart; reported');
      const where = record.where as JobWhere | undefined;
      if (!where?.reference) continue;
      await jobs
        .proactive(where.reference, async (context) => {
          const reply = bulkInterruptedReply(state, resumeId);
          if (where.messageId) await replaceMessage(context, where.messageId, reply);
          else await send(context, reply);
        })
        .catch((error: unknown) => this.deps.logger.warn({ err: errorFields(error), job: record.id }, 'Could not report an interrupted bulk block'));
      reported += 1;
    }
    return reported;
  }

  /**
   * The checks a single block makes, for the whole list: the caller's role first, then which hashes already have an
   * indicator, are Microsoft-signed or widespread, or could not be checked. Flagged hashes are kept back on a review
   * card (two stored choices: without them, or with them); true when the run stops here.
   */
  private async heldForReview(spec: BulkJobSpec, delegation: Delegation, showReply: (reply: Parameters<typeof send>[1]) => Promise<void>): Promise<boolean> {
    const { actions, reviews } = this.deps;
    const refused = await refuseUnlessHolds(actions.roles, spec.caller, delegation, BLOCKING_ROLES).catch(refusalFrom);
    if (refused) return false;
    let flags;
    try {
      flags = await precheckBulk(actions, spec.items, delegation);
    } catch (error) {
      await showReply(refusalReply(refusalFrom(error), 'bulk-block', spec.caller));
      return true;
    }
    if (flags.length === 0) return false;
    const flagged = new Set(flags.map((f) => f.hash.value));
    const ids = { allId: reviews.newId(), restId: reviews.newId() };
    const stored = { ifNoneMatch: '*' as const, ttlMs: reviews.decisionTtlMs };
    await reviews.store.put(StoreKey.bulkReview(ids.allId), { ...spec, prechecked: true, sibling: ids.restId }, stored);
    await reviews.store.put(
      StoreKey.bulkReview(ids.restId),
      { ...spec, items: spec.items.filter((i) => !flagged.has(i.hash.value)), prechecked: true, sibling: ids.allId },
      stored,
    );
    this.deps.logger.info({ total: spec.items.length, flagged: flags.length }, 'Bulk block held for review of flagged hashes');
    await showReply(bulkPrecheckReply(flags, spec.items.length, ids));
    return true;
  }

  /**
   * A bulk block from an attached file: the caller's role is checked with their delegation first, and only then
   * is the file downloaded; its lines go to the review card or straight into the job, as typed lists do.
   */
  async runFromFile(intake: BulkFileIntake, caller: Caller, delegation: Delegation, continuation: Continuation): Promise<void> {
    const say = (reply: Parameters<typeof send>[1]) =>
      continuation(async (context) => {
        await send(context, reply);
      });
    const refused = await refuseUnlessHolds(this.deps.actions.roles, caller, delegation, BLOCKING_ROLES).catch(refusalFrom);
    if (refused) {
      this.deps.logger.info({ refusal: refused.kind }, 'Bulk block from a file refused before the download');
      await say(refusalReply(refused, 'bulk-block', caller));
      return;
    }
    const deps = this.deps.intake;
    if (!deps) {
      await say(bulkFileFailedReply('This bot cannot read attached files.'));
      return;
    }
    const read = await linesFromAttachment(deps.files, intake.file);
    if ('problem' in read) {
      this.deps.logger.warn({ problem: read.problem }, 'Attached CSV not read');
      await say(bulkFileFailedReply(read.problem));
      return;
    }
    const lines = [...intake.lines, ...read.lines];
    if (lines.length === 0) {
      await say(bulkNoHashesReply());
      return;
    }
    const prepared = prepareBulk(lines, intake, caller, this.deps.actions.now(), deps.defaultExpiryDays);
    if (prepared.tooMany) {
      await say(bulkTooManyReply(prepared.spec.items.length, MAX_BULK_HASHES));
      return;
    }
    if (prepared.lines.some((l) => l.problem)) {
      const id = deps.newId();
      await deps.store.put(StoreKey.bulkReview(id), prepared.spec, { ifNoneMatch: '*', ttlMs: deps.decisionTtlMs });
      await say(bulkReviewReply(prepared.lines, id, prepared.spec.items.length));
      return;
    }
    await this.run(prepared.spec, delegation, continuation);
  }
}
