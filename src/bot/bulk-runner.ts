import type { ActionDeps } from '../domain/block-file';
import { bulkBlock, type BulkProgress, type BulkTiming } from '../domain/bulk-block';
import type { Delegation, Logger } from '../domain/ports';
import { bulkProgressReply } from '../cards/bulk-views';
import { apiName } from '../cards/card-text';
import { refusalReply } from '../cards/refusal-views';
import type { BulkJobSpec } from '../domain/bulk-intake';
import { replaceMessage } from './card-surface';
import type { Continuation } from './continuation';
import { send } from './send';

/** Progress cards are updated at most this often (Teams throttles message updates). */
const UPDATE_EVERY_MS = 1500;

/** What the bulk runner uses. */
export interface BulkRunnerDeps {
  readonly actions: ActionDeps;
  readonly timing: BulkTiming;
  readonly logger: Logger;
}

/**
 * Runs a checked bulk block: one progress card (the review card it replaces, or a new message)
 * updated in place until every hash is accounted for.
 */
export class BulkRunner {
  constructor(private readonly deps: BulkRunnerDeps) {}

  /** The first progress card, shown before the job starts. */
  startingReply(spec: BulkJobSpec) {
    return bulkProgressReply({ total: spec.items.length, done: 0, blocked: 0, failures: [], finished: false }, apiName(this.deps.actions.defender.kind));
  }

  async run(spec: BulkJobSpec, delegation: Delegation, continuation: Continuation, cardActivityId?: string): Promise<void> {
    const api = apiName(this.deps.actions.defender.kind);
    let messageId = cardActivityId;
    const show = (progress: BulkProgress) =>
      continuation(async (context) => {
        const reply = bulkProgressReply(progress, api);
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
}
