import type { ActionDeps } from '../domain/block-file';
import type { BulkTiming } from '../domain/bulk-block';
import type { Logger, OnceStore, Store } from '../domain/ports';
import type { ApprovalBoard } from './approval-board';
import type { BackgroundWork } from './background-work';
import type { PrepareContinuation } from './continuation';
import type { FileTransfer } from './file-transfer';
import type { SessionGate } from './session-gate';
import type { UserSessions } from './user-sessions';

/** Behaviour settings the bot layer needs (from the configuration). */
export interface BotSettings {
  readonly undoWindowMs: number;
  readonly defaultExpiryDays: number;
  /** How long an Action.Execute answer may wait for the result before showing "working" and updating later. */
  readonly invokeBudgetMs: number;
  /** Confirmations, bulk reviews and exports expire after this long. */
  readonly decisionTtlMs: number;
}

/** Everything the bot's handlers share; built once by the composition root. */
export interface BotServices {
  readonly mode: 'local' | 'production';
  readonly actions: ActionDeps;
  readonly bulkTiming: BulkTiming;
  readonly store: Store;
  readonly seen: OnceStore;
  readonly sessions: UserSessions;
  readonly gate: SessionGate;
  readonly files: FileTransfer;
  readonly logger: Logger;
  readonly background: BackgroundWork;
  readonly continuation: PrepareContinuation;
  readonly allowedTenants: readonly string[];
  readonly settings: BotSettings;
  readonly newId: () => string;
  readonly board: ApprovalBoard;
  readonly approvalPolicy: 'off' | 'non-admins' | 'always';
}
