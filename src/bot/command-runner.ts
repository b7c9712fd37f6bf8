import { ActivityTypes, TurnContext } from 'botbuilder';
import type { Command } from '../commands/parse';
import type { BulkLine } from '../commands/parse-bulk';
import { MAX_BULK_HASHES } from '../commands/limits';
import type { Caller } from '../domain/caller';
import { resolveOptions } from '../domain/resolve-options';
import { bulkReviewReply } from '../cards/bulk-views';
import { blockFormReply } from '../cards/form-views';
import { helpReply } from '../cards/help-views';
import { noticeReply } from '../cards/notice';
import type { Reply } from '../cards/render';
import { describeAction, signedInReply, signedOutReply, signInPromptText } from '../cards/session-views';
import { BlockActions, type ActionResult } from './block-actions';
import type { BotServices } from './bot-services';
import { bulkReviewKey, prepareBulk, type BulkJobSpec } from './bulk-intake';
import { runBulk } from './bulk-runner';
import type { Continuation } from './continuation';
import { csvAttachments, linesFromAttachments } from './csv-attachments';
import { offerExport } from './history-export';
import { send } from './send';
import type { Work } from './session-gate';
import type { BlockFileRequest, Delegation } from '../domain/ports';
import type { FileHash } from '../domain/file-hash';

/** What a stored Work stands for; plain data so that any instance can run it after sign-in. */
type Payload =
  | { readonly kind: 'block'; readonly request: BlockFileRequest }
  | { readonly kind: 'unblock'; readonly hash: FileHash; readonly comment: string }
  | { readonly kind: 'status'; readonly hash: FileHash }
  | { readonly kind: 'history'; readonly hash?: FileHash }
  | { readonly kind: 'export'; readonly format: 'csv' | 'json' }
  | { readonly kind: 'bulk'; readonly spec: BulkJobSpec };

/** Runs one parsed chat command: quick answers in the turn, Defender work as the analyst in the background. */
export class CommandRunner {
  private readonly actions: BlockActions;

  constructor(private readonly s: BotServices) {
    this.actions = new BlockActions(s);
  }

  async run(context: TurnContext, command: Command, caller: Caller): Promise<void> {
    const s = this.s;
    switch (command.kind) {
      case 'help':
        await send(context, helpReply(s.mode));
        return;
      case 'blockForm':
        await send(context, this.form());
        return;
      case 'signIn': {
        const session = await s.sessions.open(context);
        if (session.ok) await send(context, signedInReply(session.upn));
        else await s.gate.now(context, signInPromptText());
        return;
      }
      case 'signOut':
        await s.gate.forget(context);
        await s.sessions.signOut(context);
        await send(context, signedOutReply());
        return;
      case 'block':
      case 'requestBlock': {
        const request = {
          hash: command.hash,
          comment: command.comment,
          caller,
          options: resolveOptions(command.options, s.actions.now(), s.settings.defaultExpiryDays),
        };
        if (command.kind === 'requestBlock' || s.approvalPolicy === 'always') return this.requestApproval(context, request);
        return this.start(context, { describe: describeAction('block', command.hash), payload: { kind: 'block', request } }, caller);
      }
      case 'unblock':
        return this.start(context, { describe: describeAction('unblock', command.hash), payload: { kind: 'unblock', hash: command.hash, comment: command.comment } }, caller);
      case 'status':
        return this.start(context, { describe: describeAction('status lookup', command.hash), payload: { kind: 'status', hash: command.hash } }, caller);
      case 'history':
        return this.start(context, { describe: describeAction('history', command.hash), payload: { kind: 'history', hash: command.hash } }, caller);
      case 'historyExport':
        return this.export(context, caller, command.format);
      case 'bulkBlock':
        return this.bulk(context, command, caller);
    }
  }

  /** The block form as this bot's API allows it. */
  form(values?: Parameters<typeof blockFormReply>[0]['values'], error?: string): Reply {
    const d = this.s.actions.defender;
    return blockFormReply({ hashTypes: d.hashTypes, supportsOptions: d.supportsOptions, defaultExpiryDays: this.s.settings.defaultExpiryDays, values, error });
  }

  /** Runs stored or fresh work as the analyst (the SessionGate calls this, on whichever instance). */
  async runWork(work: Work, caller: Caller, delegation: Delegation, continuation: Continuation): Promise<void> {
    const payload = work.payload as Payload;
    if (payload.kind === 'bulk') return runBulk(this.s, payload.spec, delegation, continuation);
    if (payload.kind === 'export') return offerExport(this.s, caller, payload.format, delegation, continuation);
    const result = await this.act(payload, caller, delegation);
    await continuation(async (proactive) => {
      if (result.signInAgain) {
        await this.s.gate.again(proactive, work, caller, TurnContext.getConversationReference(proactive.activity), result.signInAgain);
      } else {
        await send(proactive, result.reply);
      }
    });
  }

  private act(payload: Exclude<Payload, { kind: 'bulk' | 'export' }>, caller: Caller, delegation: Delegation): Promise<ActionResult> {
    switch (payload.kind) {
      case 'block':
        return this.actions.block(payload.request, delegation);
      case 'unblock':
        return this.actions.unblock(payload.hash, payload.comment, caller, delegation);
      case 'status':
        return this.actions.lookup(payload.hash, caller, delegation);
      case 'history':
        return this.actions.history(caller, delegation, payload.hash);
    }
  }

  private async start(context: TurnContext, work: Work & { payload: Payload }, caller: Caller): Promise<void> {
    await context.sendActivity({ type: ActivityTypes.Typing });
    await this.s.gate.run(context, work, caller, signInPromptText(work.describe));
  }

  private async requestApproval(context: TurnContext, request: Parameters<BlockActions['block']>[0]): Promise<void> {
    if (this.s.approvalPolicy === 'off') {
      await send(context, noticeReply('Approvals are turned off', ['Nothing was requested. People with the Security Administrator or Global Administrator role block directly.'], { tone: 'default' }));
      return;
    }
    if (!this.s.actions.defender.hashTypes.includes(request.hash.type)) {
      await send(context, noticeReply('Nothing was requested', [`The bot's Defender API takes ${this.s.actions.defender.hashTypes.join(', ')} hashes only.`]));
      return;
    }
    await send(context, await this.s.board.request(context, request, request.caller));
  }

  private async export(context: TurnContext, caller: Caller, format: 'csv' | 'json'): Promise<void> {
    if (context.activity.conversation?.conversationType !== 'personal') {
      await send(context, noticeReply('Exports come as a file in a 1:1 chat', ['Open a 1:1 chat with the bot and send "history export" there; audit data is not posted to shared conversations.'], { tone: 'default' }));
      return;
    }
    await this.start(context, { describe: 'audit export', payload: { kind: 'export', format } }, caller);
  }

  private async bulk(context: TurnContext, command: Extract<Command, { kind: 'bulkBlock' }>, caller: Caller): Promise<void> {
    const s = this.s;
    if (s.approvalPolicy === 'always') {
      await send(context, noticeReply('Bulk blocks are off under this approval policy', ['Every block needs an approval under this bot\'s policy. Send "request block ‹hash› ‹comment›" for each file, or ask an administrator to change APPROVAL_POLICY.']));
      return;
    }
    const files = csvAttachments(context.activity.attachments);
    const lines: BulkLine[] = [...command.lines, ...(files.length ? await linesFromAttachments(s.files, files) : [])];
    if (lines.length === 0) {
      await send(context, noticeReply('No hashes found', ['Put one hash per line after the first line (or attach a CSV file of hash,comment rows). Nothing was blocked.'], { example: 'block Phishing campaign 42\n7327b54fd718525cbca07dacde913b5ac3c85673\n‹another hash›,its own comment' }));
      return;
    }
    const prepared = prepareBulk(lines, command, caller, s.actions.now(), s.settings.defaultExpiryDays);
    if (prepared.tooMany) {
      await send(context, noticeReply('Too many hashes', [`The list has ${prepared.spec.items.length} hashes; one request takes at most ${MAX_BULK_HASHES}. Nothing was blocked; split the list.`]));
      return;
    }
    if (prepared.lines.some((l) => l.problem)) {
      const id = s.newId();
      await s.store.put(bulkReviewKey(id), prepared.spec, { ifNoneMatch: '*', ttlMs: s.settings.decisionTtlMs });
      await send(context, bulkReviewReply(prepared.lines, id, prepared.spec.items.length));
      return;
    }
    await this.start(context, { describe: `bulk block of ${prepared.spec.items.length} files`, payload: { kind: 'bulk', spec: prepared.spec } }, caller);
  }
}
