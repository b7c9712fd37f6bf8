import { randomUUID } from 'node:crypto';
import type { CloudAdapter } from 'botbuilder';
import type { Config } from './config-types';
import type { ActionDeps } from './domain/block-file';
import { BulkJobs } from './domain/bulk-job';
import { FairUse } from './domain/fair-use';
import { errorFields } from './errors';
import { MemoryStore } from './storage/memory-store';
import type { DefenderApi, Logger, OnceStore, Store } from './domain/ports';
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
import { historyActions } from './bot/card-actions/history-actions';
import { pastedActions } from './bot/card-actions/pasted-actions';
import { StoredDecisions } from './bot/card-actions/stored-decisions';
import { unblockActions } from './bot/card-actions/unblock-actions';
import { ChatCommands, type BlockFormSettings } from './bot/chat-commands';
import type { PrepareContinuation, Proactive } from './bot/continuation';
import { HttpFileTransfer } from './bot/file-transfer';
import { AuditExports } from './bot/history-export';
import { MessageActions } from './bot/message-actions';
import { SessionGate } from './bot/session-gate';
import type { UserSessions } from './bot/user-sessions';
import { WorkRunner } from './bot/work-runner';
import { containActions } from './bot/card-actions/contain-actions';
import { FollowUps } from './bot/follow-ups';
import { ContainRunner } from './bot/contain-runner';
import { ContainTracker } from './bot/contain-tracker';
import type { ContainDeps } from './domain/containment';
import type { ContainmentApi } from './domain/containment-ports';

/** How long one containment step may hold its job before another instance may take it over. */
const CONTAIN_LEASE_MS = 5 * 60 * 1000;
import type { ApprovalDeps } from './domain/approval-record';
import { indexLegacyRequests } from './domain/approval-sweep';

/** What the bot is built from: the configuration and the already-built adapters and ports. */
export interface BotParts {
  readonly config: Config;
  readonly adapter: CloudAdapter;
  readonly actions: ActionDeps;
  /** The same Defender for lookups only, on its own share of the query budget. */
  readonly lookups?: DefenderApi;
  readonly store: Store & OnceStore;
  readonly sessions: UserSessions;
  readonly proactive: Proactive;
  readonly continuation: PrepareContinuation;
  readonly logger: Logger;
  /** Stop & quarantine on devices; absent when the bot's Defender API has none (the legacy files API). */
  readonly containment?: ContainmentApi;
}

/** The bot, its admission middleware and its periodic sweep, each class built once with only what it uses. */
export function composeBot(parts: BotParts): {
  bot: BlockBot;
  admission: Admission;
  background: BackgroundWork;
  sweep: () => Promise<void>;
  resume: () => Promise<void>;
  stop: () => void;
} {
  const { config, actions, store, sessions, proactive, continuation, logger } = parts;
  const behaviour = config.behaviour;
  const newId = () => randomUUID();
  const background = new BackgroundWork(logger);
  const approvalPolicy = config.approvals.policy;
  const form: BlockFormSettings = {
    hashTypes: actions.defender.hashTypes,
    supportsOptions: actions.defender.supportsOptions,
    defaultExpiryDays: behaviour.defaultExpiryDays,
    canContain: !!parts.containment,
  };
  const owner = newId();
  const followUps = new FollowUps({
    check: { defender: actions.defender, containment: parts.containment, audit: actions.audit, store, now: actions.now },
    sessions,
    proactive,
    background,
    logger,
    owner,
    afterMs: config.followUpAfterMs,
    newId,
  });
  const files = new HttpFileTransfer({ mode: config.mode, timeoutMs: config.defender.timeoutMs, downloadHosts: config.files.downloadHosts });
  const blocks = new BlockActions({
    actions,
    store,
    undoWindowMs: behaviour.undoWindowMs,
    decisionTtlMs: behaviour.decisionTtlMs,
    approvalPolicy,
    newId,
    followUps,
    canContain: !!parts.containment,
    lookups: parts.lookups,
    logger,
  });
  const bulk = new BulkRunner({
    actions,
    timing: { sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)), patienceMs: behaviour.bulkPatienceMs },
    logger,
    intake: { files, store, newId, decisionTtlMs: behaviour.decisionTtlMs, defaultExpiryDays: behaviour.defaultExpiryDays },
    reviews: { store, newId, decisionTtlMs: behaviour.decisionTtlMs },
    jobs: { jobs: new BulkJobs(store, actions.now, config.fairUse.bulkJobLeaseMs), maxPerUser: config.fairUse.maxBulkJobs, proactive },
  });
  const exports = new AuditExports({
    roles: actions.roles,
    audit: actions.audit,
    store,
    files,
    now: actions.now,
    newId,
    ttlMs: behaviour.decisionTtlMs,
    maxPerUser: config.fairUse.maxExports,
  });
  const contain: ContainDeps | undefined = parts.containment && {
    roles: actions.roles,
    containment: parts.containment,
    audit: actions.audit,
    store,
    now: actions.now,
    api: actions.defender.kind,
    settings: config.containment,
  };
  const tracker = contain && new ContainTracker({ contain, sessions, proactive, background, logger, owner, leaseMs: CONTAIN_LEASE_MS });
  const containRunner = contain && tracker && new ContainRunner({ contain, tracker, logger, newId, decisionTtlMs: behaviour.decisionTtlMs });
  const runner = new WorkRunner({ blocks, bulk, exports, contain: containRunner });
  const gate = new SessionGate({ sessions, store, background, proactive, runner, logger, timeoutMs: config.signIn.pendingTimeoutMs, now: actions.now });
  const approvalDeps: ApprovalDeps = {
    ...actions,
    store,
    requestTtlMs: config.approvals.ttlMs,
    maxOpenPerUser: config.approvals.maxOpenPerUser,
    retentionMs: config.approvals.retentionMs,
    contain,
  };
  const board = new ApprovalBoard({
    approvals: approvalDeps,
    contain: containRunner,
    continuation,
    followUps,
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
      ...formActions({ form, blocks, board, replies, gate, approvalPolicy, now: actions.now, contain: containRunner, continuation }),
      ...decisionActions({ decisions, blocks, bulk, board, replies, continuation, approvalPolicy }),
      ...unblockActions({ decisions, blocks, replies }),
      ...pastedActions({ decisions, bulk, replies, continuation }),
      ...approvalActions(board),
      ...historyActions({ blocks, replies }),
      ...containActions({ decisions, store, gate, board, approvalPolicy, contain: containRunner, replies, continuation }),
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
  const messageActions = new MessageActions({
    sessions,
    runner,
    board,
    background,
    proactive,
    roles: actions.roles,
    form,
    approvalPolicy,
    contain: containRunner,
    logger,
    now: actions.now,
  });
  const bot = new BlockBot({ mode: config.mode, commands, cards, gate, exports, messageActions, continuation, logger });
  const admission = new Admission({
    seen: store,
    teamsOnly: config.mode === 'production',
    allowedTenants: config.allowedTenants,
    logger,
    fairUse: new FairUse({
      // Buckets are shared only where storage is: on local storage one process is the whole bot, and a bucket in its
      // memory costs no disk commit per command.
      store: config.storage.kind === 'azure-blob' ? store : new MemoryStore({ now: actions.now }),
      now: actions.now,
      buckets: { command: config.fairUse.commands, press: config.fairUse.presses },
      onStoreError: (error) => logger.warn({ err: errorFields(error) }, 'Fair-use bucket not readable; the command was let through'),
    }),
  });
  const resume = async () => {
    await tracker?.sweep();
    await followUps.sweep();
  };
  let legacyIndexed = false;
  const sweep = async () => {
    if (!legacyIndexed) {
      await indexLegacyRequests(approvalDeps);
      legacyIndexed = true;
    }
    await board.sweep();
    await gate.sweep();
    await bulk.sweep();
    await resume();
  };
  return {
    bot,
    admission,
    background,
    sweep,
    resume,
    stop: () => {
      tracker?.stop();
      followUps.stop();
    },
  };
}
