import type { TurnContext } from 'botbuilder';
import type { Command } from '../commands/parse';
import type { BulkLine } from '../domain/bulk-intake';
import { MAX_BULK_HASHES } from '../domain/bulk-intake';
import { routeAction, type ApprovalPolicy } from '../domain/approval-policy';
import type { Caller } from '../domain/caller';
import type { ApprovalAsk } from '../domain/approval-actions';
import type { FileHash, HashType } from '../domain/file-hash';
import type { BlockFileRequest, Store } from '../domain/ports';
import { resolveOptions } from '../domain/resolve-options';
import { StoreKey } from '../domain/store-keys';
import { bulkFileNotReadReply, bulkNoHashesReply, bulkOneFileReply, bulkReviewReply, bulkTooManyReply } from '../cards/bulk-views';
import { blockFormReply } from '../cards/form-views';
import { pastedReviewReply } from '../cards/message-action-views';
import { preparePasted, withoutComment } from '../domain/pasted-review';
import { helpReply } from '../cards/help-views';
import { noticeReply } from '../cards/notice';
import { describeAction, signedInReply, signedOutReply, signInPromptText } from '../cards/session-views';
import type { ApprovalBoard } from './approval-board';
import { prepareBulk } from '../domain/bulk-intake';
import { csvAttachments } from './csv-attachments';
import { send } from './send';
import type { SessionGate } from './session-gate';
import type { UserSessions } from './user-sessions';
import type { Work } from './work-runner';

/** What the block form shows, as this bot's Defender API allows it. */
export interface BlockFormSettings {
  readonly hashTypes: readonly HashType[];
  readonly supportsOptions: boolean;
  readonly defaultExpiryDays: number;
  /** Whether the bot can stop & quarantine (the form then offers it). */
  readonly canContain?: boolean;
}

/** What the chat commands use. */
export interface ChatCommandsDeps {
  readonly mode: 'local' | 'production';
  readonly sessions: UserSessions;
  readonly gate: SessionGate;
  readonly board: ApprovalBoard;
  readonly store: Store;
  readonly form: BlockFormSettings;
  readonly approvalPolicy: ApprovalPolicy;
  /** Bulk reviews expire after this long. */
  readonly decisionTtlMs: number;
  readonly now: () => Date;
  readonly newId: () => string;
}

type Handler<K extends Command['kind']> = (context: TurnContext, command: Extract<Command, { kind: K }>, caller: Caller) => Promise<void>;

/** Runs one parsed chat command: quick answers in the turn, Defender work as the analyst in the background. */
export class ChatCommands {
  /** One handler per command kind; a new kind in the catalog fails the build until it has one. */
  private readonly handlers: { readonly [K in Command['kind']]: Handler<K> } = {
    help: (context) => this.reply(context, helpReply(this.deps.mode)),
    blockForm: (context) => this.reply(context, blockFormReply(this.deps.form)),
    signIn: (context) => this.signIn(context),
    signOut: (context) => this.signOut(context),
    block: (context, command, caller) => this.block(context, this.blockRequest(command, caller), 'block'),
    requestBlock: (context, command, caller) => this.block(context, this.blockRequest(command, caller), 'request'),
    unblock: (context, command, caller) => this.unblock(context, command, caller),
    allow: (context, command, caller) => this.allow(context, command, caller),
    contain: (context, command, caller) => this.contain(context, command, caller),
    status: (context, command, caller) => this.start(context, { describe: describeAction('status lookup', command.hash), payload: { kind: 'status', hash: command.hash } }, caller),
    history: (context, command, caller) => this.start(context, { describe: describeAction('history', command.hash), payload: { kind: 'history', hash: command.hash } }, caller),
    historyExport: (context, command, caller) => this.export(context, caller, command.format),
    bulkBlock: (context, command, caller) => this.bulk(context, command, caller),
  };

  constructor(private readonly deps: ChatCommandsDeps) {}

  run(context: TurnContext, command: Command, caller: Caller): Promise<void> {
    return (this.handlers[command.kind] as Handler<Command['kind']>)(context, command, caller);
  }

  private async reply(context: TurnContext, reply: Parameters<typeof send>[1]): Promise<void> {
    await send(context, reply);
  }

  private async signIn(context: TurnContext): Promise<void> {
    const session = await this.deps.sessions.open(context);
    if (session.ok) await send(context, signedInReply(session.upn));
    else await this.deps.gate.now(context, signInPromptText());
  }

  private async signOut(context: TurnContext): Promise<void> {
    await this.deps.gate.forget(context);
    await this.deps.sessions.signOut(context);
    await send(context, signedOutReply());
  }

  private blockRequest(command: Extract<Command, { kind: 'block' | 'requestBlock' }>, caller: Caller): BlockFileRequest {
    return { hash: command.hash, comment: command.comment, caller, options: resolveOptions(command.options, this.deps.now(), this.deps.form.defaultExpiryDays) };
  }

  private async block(context: TurnContext, request: BlockFileRequest, asked: 'block' | 'request'): Promise<void> {
    const route = routeAction(this.deps.approvalPolicy, asked);
    if (route.kind === 'direct') {
      await this.start(context, { describe: describeAction('block', request.hash), payload: { kind: 'block', request } }, request.caller);
      return;
    }
    if (route.kind === 'refused') {
      await send(
        context,
        noticeReply('Approvals are turned off', ['Nothing was requested. People with the Security Administrator or Global Administrator role block directly.'], {
          tone: 'default',
        }),
      );
      return;
    }
    await this.requestApproval(context, request.hash, request.comment, { action: 'block', options: request.options });
  }

  /** Asks for an approval, once the hash is one the bot's Defender API takes. */
  private async requestApproval(context: TurnContext, hash: FileHash, comment: string, ask: ApprovalAsk): Promise<void> {
    const hashTypes = this.deps.form.hashTypes;
    if (!hashTypes.includes(hash.type)) {
      await send(context, noticeReply('Nothing was requested', [`The bot's Defender API takes ${hashTypes.join(', ')} hashes only.`]));
      return;
    }
    await send(context, await this.deps.board.request(context, { hash, comment, ask }));
  }

  /** An unblock runs as the analyst, or under four eyes asks a second person first. */
  private async unblock(context: TurnContext, command: Extract<Command, { kind: 'unblock' }>, caller: Caller): Promise<void> {
    if (routeAction(this.deps.approvalPolicy, 'unblock').kind === 'approval') {
      await this.requestApproval(context, command.hash, command.comment, { action: 'unblock' });
      return;
    }
    await this.start(context, { describe: describeAction('unblock', command.hash), payload: { kind: 'unblock', hash: command.hash, comment: command.comment } }, caller);
  }

  /** An allow runs as a block with action Allowed, which the block use case always stops at a confirmation card; under four eyes it is requested instead. */
  private async allow(context: TurnContext, command: Extract<Command, { kind: 'allow' }>, caller: Caller): Promise<void> {
    if (!this.deps.form.supportsOptions) {
      await send(
        context,
        noticeReply('This bot cannot allow files', ["Allowed indicators exist only on Defender's Indicators API, and this bot uses the legacy files API. Nothing was sent."]),
      );
      return;
    }
    const options = resolveOptions({ action: 'Allowed' }, this.deps.now(), this.deps.form.defaultExpiryDays);
    if (routeAction(this.deps.approvalPolicy, 'allow').kind === 'approval') {
      await this.requestApproval(context, command.hash, command.comment, { action: 'allow', options });
      return;
    }
    const request: BlockFileRequest = { hash: command.hash, comment: command.comment, caller, options };
    await this.start(context, { describe: describeAction('allow', command.hash), payload: { kind: 'block', request } }, caller);
  }

  /** Stop & quarantine runs as the analyst, or under four eyes asks a second person first (who then acts with their own sign-in). */
  private async contain(context: TurnContext, command: Extract<Command, { kind: 'contain' }>, caller: Caller): Promise<void> {
    if (routeAction(this.deps.approvalPolicy, 'contain').kind === 'approval') {
      await send(context, await this.deps.board.request(context, { hash: command.hash, comment: command.comment, ask: { action: 'contain' } }));
      return;
    }
    const work: Work = { describe: describeAction('stop & quarantine', command.hash), payload: { kind: 'contain', hash: command.hash, comment: command.comment } };
    await this.start(context, work, caller);
  }

  private async start(context: TurnContext, work: Work, caller: Caller): Promise<void> {
    await this.deps.gate.run(context, work, caller, signInPromptText(work.describe));
  }

  private async export(context: TurnContext, caller: Caller, format: 'csv' | 'json'): Promise<void> {
    if (context.activity.conversation?.conversationType !== 'personal') {
      await send(
        context,
        noticeReply('Exports come as a file in a 1:1 chat', ['Open a 1:1 chat with the bot and send "history export" there; audit data is not posted to shared conversations.'], {
          tone: 'default',
        }),
      );
      return;
    }
    await this.start(context, { describe: 'audit export', payload: { kind: 'export', format } }, caller);
  }

  private async bulk(context: TurnContext, command: Extract<Command, { kind: 'bulkBlock' }>, caller: Caller): Promise<void> {
    const deps = this.deps;
    if (routeAction(deps.approvalPolicy, 'bulk').kind === 'refused') {
      await send(
        context,
        noticeReply('Bulk blocks are off under this approval policy', [
          'Every block needs an approval under this bot\'s policy. Send "request block ‹hash› ‹comment›" for each file, or ask an administrator to change APPROVAL_POLICY.',
        ]),
      );
      return;
    }
    if (command.pasted) {
      await this.pasted(context, command, caller);
      return;
    }
    const found = csvAttachments(context.activity.attachments, deps.mode);
    if (found.files.length + found.refused > 1) {
      await send(context, bulkOneFileReply(found.files.length + found.refused));
      return;
    }
    if (found.refused > 0) {
      await send(context, bulkFileNotReadReply());
      return;
    }
    const [file] = found.files;
    if (file) {
      // The file is downloaded inside the work: after sign-in and once the caller is known to hold a blocking role.
      const spec = { items: [], options: resolveOptions(command.options, deps.now(), deps.form.defaultExpiryDays), caller };
      const intake = { file, lines: command.lines, sharedComment: command.sharedComment, options: command.options };
      await this.start(context, { describe: 'bulk block from an attached file', payload: { kind: 'bulk-block', spec, intake } }, caller);
      return;
    }
    const lines: readonly BulkLine[] = command.lines;
    if (lines.length === 0) {
      await send(context, bulkNoHashesReply());
      return;
    }
    const prepared = prepareBulk(lines, command, caller, deps.now(), deps.form.defaultExpiryDays);
    if (prepared.tooMany) {
      await send(context, bulkTooManyReply(prepared.spec.items.length, MAX_BULK_HASHES));
      return;
    }
    if (prepared.lines.some((l) => l.problem)) {
      const id = deps.newId();
      await deps.store.put(StoreKey.bulkReview(id), prepared.spec, { ifNoneMatch: '*', ttlMs: deps.decisionTtlMs });
      await send(context, bulkReviewReply(prepared.lines, id, prepared.spec.items.length));
      return;
    }
    await this.start(context, { describe: `bulk block of ${prepared.spec.items.length} files`, payload: { kind: 'bulk-block', spec: prepared.spec } }, caller);
  }

  /** Hashes sent without a command word: always the review card, asking for a comment there when lines have none; nothing goes to Defender before its button. */
  private async pasted(context: TurnContext, command: Extract<Command, { kind: 'bulkBlock' }>, caller: Caller): Promise<void> {
    const deps = this.deps;
    const prepared = preparePasted(command.lines, resolveOptions(command.options, deps.now(), deps.form.defaultExpiryDays), caller);
    if (prepared.tooMany) {
      await send(context, bulkTooManyReply(prepared.review.items.length, MAX_BULK_HASHES));
      return;
    }
    const id = deps.newId();
    if (prepared.review.items.length > 0) await deps.store.put(StoreKey.pastedReview(id), prepared.review, { ifNoneMatch: '*', ttlMs: deps.decisionTtlMs });
    await send(context, pastedReviewReply(prepared.lines, id, prepared.review.items.length, withoutComment(prepared.review) > 0));
  }
}
