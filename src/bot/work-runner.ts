import type { ConversationReference } from 'botbuilder';
import type { WorkKind } from '../domain/action-names';
import type { Caller } from '../domain/caller';
import type { FileHash } from '../domain/file-hash';
import type { BlockFileRequest, Delegation } from '../domain/ports';
import type { ActionResult, BlockActions } from './block-actions';
import type { BulkJobSpec } from '../domain/bulk-intake';
import type { BulkFileIntake, BulkRunner } from './bulk-runner';
import type { ContainRunner } from './contain-runner';
import type { Continuation } from './continuation';
import type { AuditExports } from './history-export';
import { noContainmentReply } from '../cards/contain-views';
import { send } from './send';

/** What a piece of work stands for; plain data so that any instance can run it after sign-in (an allow is a `block` whose action is Allowed). */
export type WorkPayload =
  | { readonly kind: 'block'; readonly request: BlockFileRequest }
  | { readonly kind: 'unblock'; readonly hash: FileHash; readonly comment: string }
  | { readonly kind: 'status'; readonly hash: FileHash }
  | { readonly kind: 'history'; readonly hash?: FileHash }
  | { readonly kind: 'export'; readonly format: 'csv' | 'json' }
  | { readonly kind: 'bulk-block'; readonly spec: BulkJobSpec; readonly intake?: BulkFileIntake }
  | { readonly kind: 'contain'; readonly hash: FileHash; readonly comment: string };

/** Work that needs the analyst's delegation, as plain data (so any bot instance can resume it). */
export interface Work {
  /** For logs and the prompts, e.g. "block of SHA-1 7327…". */
  readonly describe: string;
  readonly payload: WorkPayload & { readonly kind: WorkKind };
}

/** How a piece of work ended: done, or the analyst must sign in again (Entra asked for MFA or consent). */
export interface WorkResult {
  readonly signInAgain?: string;
  /** For a block or a bulk block run here: the hashes Defender accepted a block for (none when it waits for a confirmation or was refused). */
  readonly blocked?: readonly FileHash[];
}

/** Runs work as the analyst; what it has to say goes through the continuation of its conversation. */
export interface RunsWork {
  /** `where`: the thread the work was asked in (a block's follow-up is posted there). */
  run(work: Work, caller: Caller, delegation: Delegation, continuation: Continuation, where?: Partial<ConversationReference>): Promise<WorkResult>;
}

/** What the work runner uses. */
export interface WorkRunnerDeps {
  readonly blocks: BlockActions;
  readonly bulk: BulkRunner;
  readonly exports: AuditExports;
  /** Absent when the bot's Defender API has no device actions (the legacy files API). */
  readonly contain?: ContainRunner;
}

/** Runs stored or fresh work as the analyst, on whichever instance has the analyst's delegation. */
export class WorkRunner implements RunsWork {
  constructor(private readonly deps: WorkRunnerDeps) {}

  async run(work: Work, caller: Caller, delegation: Delegation, continuation: Continuation, where?: Partial<ConversationReference>): Promise<WorkResult> {
    const payload = work.payload;
    if (payload.kind === 'bulk-block') {
      if (payload.intake) {
        await this.deps.bulk.runFromFile(payload.intake, payload.spec.caller, delegation, continuation);
        return {};
      }
      return { blocked: await this.deps.bulk.run(payload.spec, delegation, continuation) };
    }
    if (payload.kind === 'contain') {
      if (!this.deps.contain) {
        await continuation(async (context) => {
          await send(context, noContainmentReply());
        });
        return {};
      }
      const started = await this.deps.contain.run({ hash: payload.hash, comment: payload.comment, caller }, delegation, continuation);
      return started.signInAgain ? { signInAgain: started.signInAgain } : {};
    }
    if (payload.kind === 'export') {
      await this.deps.exports.offer(caller, payload.format, delegation, continuation);
      return {};
    }
    const result = await this.act(payload, caller, delegation, where);
    if (result.signInAgain) return { signInAgain: result.signInAgain };
    await continuation(async (context) => {
      await send(context, result.reply);
    });
    if (payload.kind === 'block') return { blocked: result.blocked ? [payload.request.hash] : [] };
    return {};
  }

  private act(
    payload: Exclude<WorkPayload, { kind: 'bulk-block' | 'export' | 'contain' }>,
    caller: Caller,
    delegation: Delegation,
    where?: Partial<ConversationReference>,
  ): Promise<ActionResult> {
    const blocks = this.deps.blocks;
    switch (payload.kind) {
      case 'block':
        return blocks.block(payload.request, delegation, [], where);
      case 'unblock':
        return blocks.unblock({ hash: payload.hash, comment: payload.comment, caller }, delegation);
      case 'status':
        return blocks.lookup(payload.hash, caller, delegation);
      case 'history':
        return blocks.history(caller, delegation, payload.hash);
    }
  }
}
