import { bulkBlock, type BulkProgress } from '../domain/bulk-block';
import type { Delegation } from '../domain/ports';
import { bulkProgressReply } from '../cards/bulk-views';
import { apiName } from '../cards/card-text';
import { refusalReply } from '../cards/refusal-views';
import type { BotServices } from './bot-services';
import type { BulkJobSpec } from './bulk-intake';
import { replaceMessage } from './card-surface';
import type { Continuation } from './continuation';
import { send } from './send';

/** Progress cards are updated at most this often (Teams throttles message updates). */
const UPDATE_EVERY_MS = 1500;

/**
 * Runs a checked bulk block: one progress card (the review card it replaces, or a new message)
 * updated in place until every hash is accounted for.
 */
export async function runBulk(
  s: BotServices,
  spec: BulkJobSpec,
  delegation: Delegation,
  continuation: Continuation,
  cardActivityId?: string,
): Promise<void> {
  const api = apiName(s.actions.defender.kind);
  let messageId = cardActivityId;
  const show = (progress: BulkProgress) =>
    continuation(async (context) => {
      const reply = bulkProgressReply(progress, api);
      if (messageId) await replaceMessage(context, messageId, reply);
      else messageId = await send(context, reply);
    });
  await show({ total: spec.items.length, done: 0, blocked: 0, failures: [], finished: false });
  let lastShown = Date.now();
  const outcome = await bulkBlock({ ...s.actions, timing: s.bulkTiming }, spec, delegation, async (progress) => {
    if (Date.now() - lastShown < UPDATE_EVERY_MS && !progress.waitingUntil) return;
    lastShown = Date.now();
    await show(progress);
  });
  if (outcome.kind === 'finished') {
    s.logger.info({ total: outcome.progress.total, blocked: outcome.progress.blocked, failed: outcome.progress.failures.length }, 'Bulk block finished');
    await show(outcome.progress);
    return;
  }
  await continuation((context) => replaceMessage(context, messageId, refusalReply(outcome, 'bulk', spec.caller)));
}
