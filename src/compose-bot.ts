import { randomUUID } from 'node:crypto';
import type { CloudAdapter } from 'botbuilder';
import type { Config } from './config';
import type { ActionDeps } from './domain/block-file';
import type { Logger, OnceStore, Store } from './domain/ports';
import { Admission } from './bot/admission';
import { channelPosterFor } from './bot/adapter';
import { ApprovalBoard } from './bot/approval-board';
import { BackgroundWork } from './bot/background-work';
import { BlockActions } from './bot/block-actions';
import { BlockBot } from './bot/block-bot';
import { BulkRunner } from './bot/bulk-runner';
import { approvalActions } from './bot/card-actions/approval-actions';
import { CardActionRouter } from './bot/card-actions/card-action-router';
import { CardReplies } from './bot/card-actions/card-replies';
import { decisionActions } from './bot/card-actions/decision-actions';
import { formActions } from './bot/card-actions/form-actions';
import { StoredDecisions } from './bot/card-actions/stored-decisions';
import { unblockActions } from './bot/card-actions/unblock-actions';
import { ChatCommands, type BlockFormSettings } from './bot/chat-commands';
import type { PrepareContinuation, Proactive } from './bot/continuation';
import { HttpFileTransfer } from './bot/file-transfer';
import { AuditExports } from './bot/history-export';
import { SessionGate } from './bot/session-gate';
import type { UserSessions } from './bot/user-sessions';
import { WorkRunner } from './bot/work-runner';
import { indexLegacyRequests, type ApprovalDeps } from './domain/approvals';

/** What the bot is built from: the configuration and the already-built adapters and ports. */
export interface BotParts {
  readonly config: Config;
  readonly adapter: CloudAdapter;
  readonly actions: ActionDeps;
  readonly store: Store & OnceStore;
  readonly sessions: UserSessions;
  readonly proactive: Proactive;
  readonly continuation: PrepareContinuation;
  readonly logger: Logger;
}

/** The bot, its admission middleware and its periodic sweep, each class built once with only what it uses. */
export function composeBot(parts: BotParts): { bot: BlockBot; admission: Admission; background: BackgroundWork; sweep: () => Promise<void> } {
  const { config, actions, store, sessions, proactive, continuation, logger } = parts;
  const behaviour = config.behaviour;
  const newId = () => randomUUID();
  const background = new BackgroundWork(logger);
  const approvalPolicy = config.approvals.policy;
  const form: BlockFormSettings = { hashTypes: actions.defender.hashTypes, supportsOptions: actions.defender.supportsOptions, defaultExpiryDays: behaviour.defaultExpiryDays };
  const files = new HttpFileTransfer({ mode: config.mode, timeoutMs: config.defender.timeoutMs, downloadHosts: config.files.downloadHosts });
  const blocks = new BlockActions({ actions, store, undoWindowMs: behaviour.undoWindowMs, decisionTtlMs: behaviour.decisionTtlMs, approvalPolicy, newId });
  const bulk = new BulkRunner({
    actions,
    timing: { sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)), patienceMs: behaviour.bulkPatienceMs },
    logger,
    intake: { files, store, newId, decisionTtlMs: behaviour.decisionTtlMs, defaultExpiryDays: behaviour.defaultExpiryDays },
  });
  const exports = new AuditExports({ roles: actions.roles, audit: actions.audit, store, files, now: actions.now, newId, ttlMs: behaviour.decisionTtlMs });
  const runner = new WorkRunner({ blocks, bulk, exports });
  const gate = new SessionGate({ sessions, store, background, proactive, runner, logger, timeoutMs: config.signIn.pendingTimeoutMs, now: actions.now });
  const approvalDeps: ApprovalDeps = {
    ...actions,
    store,
    requestTtlMs: config.approvals.ttlMs,
    maxOpenPerUser: config.approvals.maxOpenPerUser,
    retentionMs: config.approvals.retentionMs,
  };
  const board = new ApprovalBoard({
    approvals: approvalDeps,
    store,
    sessions,
    gate,
    proactive,
    logger,
    channel: config.approvals.channelId ? { id: config.approvals.channelId, post: channelPosterFor(parts.adapter, config.bot.appId ?? '') } : undefined,
    newId,
  });
  const replies = new CardReplies({ gate, background, invokeBudgetMs: behaviour.invokeBudgetMs });
  const decisions = new StoredDecisions({ store, replies });
  const cards = new CardActionRouter({
    registry: {
      ...formActions({ form, blocks, board, replies, approvalPolicy, now: actions.now }),
      ...decisionActions({ decisions, blocks, bulk, board, replies, continuation, approvalPolicy }),
      ...unblockActions({ decisions, blocks, replies }),
      ...approvalActions(board),
    },
    logger,
  });
  const commands = new ChatCommands({
    mode: config.mode,
    sessions,
    gate,
    board,
    store,
    form,
    approvalPolicy,
    decisionTtlMs: behaviour.decisionTtlMs,
    now: actions.now,
    newId,
  });
  const bot = new BlockBot({ mode: config.mode, commands, cards, gate, exports, continuation, logger });
  const admission = new Admission({
    seen: store,
    teamsOnly: config.mode === 'production',
    allowedTenants: config.allowedTenants,
    logger,
  });
  let legacyIndexed = false;
  const sweep = async () => {
    if (!legacyIndexed) {
      await indexLegacyRequests(approvalDeps);
      legacyIndexed = true;
    }
    await board.sweep();
    await gate.sweep();
  };
  return { bot, admission, background, sweep };
}
