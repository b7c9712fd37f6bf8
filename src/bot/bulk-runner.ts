import { refusalFrom, refuseUnlessHolds } from '../domain/access';
import type { ActionDeps } from '../domain/block-file';
import type { OptionsInput } from '../domain/block-options';
import { bulkBlock, type BulkProgress, type BulkTiming } from '../domain/bulk-block';
import type { Caller } from '../domain/caller';
import type { Delegation, Logger, Store } from '../domain/ports';
import { BLOCKING_ROLES } from '../domain/roles';
import { StoreKey } from '../domain/store-keys';
import { bulkFileFailedReply, bulkNoHashesReply, bulkProgressReply, bulkReviewReply, bulkTooManyReply } from '../cards/bulk-views';
import { apiName } from '../cards/card-text';
import { refusalReply } from '../cards/refusal-views';
import { MAX_BULK_HASHES, prepareBulk, type BulkJobSpec, type BulkLine } from '../domain/bulk-intake';
import { linesFromAttachment, type CsvFile } from './csv-attachments';
import type { FileTransfer } from './file-transfer';
import { replaceMessage } from './card-surface';
import type { Continuation } from './continuation';
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

  async run(spec: BulkJobSpec, delegation: Delegation, continuation: Continuation, cardActivityId?: string): Promise<void> {
    const api = apiName(this.deps.actions.defender.kind);
    let messageId = cardActivityId;
    const show = (progress: BulkProgress) =>
      continuation(async (context) => {
        const reply = bulkProgressReply(progress, api, this.extrasOf(spec));
        if (messageId) await replaceMessage(context, messageId, reply);
        else messageId = await send(context, reply);
      });
    await show({ total: spec.items.length, done: 0, blocked: 0, failures: [], finished: false });
    let lastShown = Date.now();
    const outcome = await bulkBlock({ ...this.deps.actions, timing: this.deps.timing }, spec, delegation, async (progress) => {
      if (Date.now() - lastShown < UPDATE_EVERY_MS && !progress.waitingUntil) return;
      lastShown = Date.now();
      await show(progress);
    });
    if (outcome.kind === 'finished') {
      const { total, blocked, failures } = outcome.progress;
      this.deps.logger.info({ total, blocked, failed: failures.length }, 'Bulk block finished');
      await show(outcome.progress);
      return;
    }
    await continuation((context) => replaceMessage(context, messageId, refusalReply(outcome, 'bulk-block', spec.caller)));
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
