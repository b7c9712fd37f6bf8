import { ActivityTypes, type TurnContext, type MessagingExtensionAction, type MessagingExtensionActionResponse } from 'botbuilder';
import { findHashes } from '../commands/find-hashes';
import { parseBlockFields } from '../commands/parse-block-fields';
import { refusalFrom, refuseUnlessHolds } from '../domain/access';
import { offersApprovalOnDenial, routeAction, type ApprovalPolicy } from '../domain/approval-policy';
import type { BlockOptions } from '../domain/block-options';
import type { Caller } from '../domain/caller';
import type { Refusal } from '../domain/outcomes';
import { errorFields } from '../errors';
import type { FileHash } from '../domain/file-hash';
import type { BlockFileRequest, Delegation, Logger, RoleDirectory } from '../domain/ports';
import { resolveOptions } from '../domain/resolve-options';
import { BLOCKING_ROLES } from '../domain/roles';
import { explainParseError } from '../cards/help-views';
import {
  messageActionDialogCard,
  containUnknownReply,
  MESSAGE_ACTION_TITLE,
  NO_CONTAINMENT_TEXT,
  NO_HASH_TEXT,
  NOT_IN_MESSAGE_TEXT,
  NOTHING_PICKED_TEXT,
  notContainedReply,
  SIGN_IN_AGAIN_TEXT,
  submittedText,
  UNKNOWN_ACTION_TEXT,
  UNREACHABLE_TEXT,
} from '../cards/message-action-views';
import { noticeReply } from '../cards/notice';
import type { Reply } from '../cards/render';
import { describeAction } from '../cards/session-views';
import type { ApprovalBoard } from './approval-board';
import type { BackgroundWork } from './background-work';
import { boundCaller, callerOf } from './caller-of';
import type { BlockFormSettings } from './chat-commands';
import type { ContainRunner } from './contain-runner';
import { continuationFrom, type Continuation, type Proactive } from './continuation';
import { authorOf, magicCodeOf, MAX_DIALOG_HASHES, MESSAGE_ACTION_ID, message, messageText, pickedHashes, submitted, threadOf } from './message-action-protocol';
import { send } from './send';
import { sessionFailureReply } from './session-gate';
import type { UserSessions } from './user-sessions';
import type { RunsWork, Work } from './work-runner';

/** Most approval requests one submit from someone without the role files (one per hash); more are refused with a word. */
const MAX_APPROVAL_ASKS = 10;

/** What the message action uses. */
export interface MessageActionsDeps {
  readonly sessions: UserSessions;
  readonly runner: RunsWork;
  readonly board: ApprovalBoard;
  readonly background: BackgroundWork;
  readonly proactive: Proactive;
  readonly roles: RoleDirectory;
  readonly form: BlockFormSettings;
  readonly approvalPolicy: ApprovalPolicy;
  /** Runs "also stop & quarantine where it is seen" for each file blocked; absent when the bot cannot (the legacy files API). */
  readonly contain?: Pick<ContainRunner, 'run'>;
  readonly logger: Logger;
  readonly now: () => Date;
}

/** Chosen work from one submit: the hashes, the comment and options, who acts, and where the answer goes. */
interface Chosen {
  readonly hashes: readonly FileHash[];
  readonly request: Omit<BlockFileRequest, 'hash' | 'options'> & { readonly options: BlockOptions };
  readonly delegation: Delegation;
  readonly thread: Continuation;
  /** Also stop & quarantine each file that gets blocked. */
  readonly contain: boolean;
}

/**
 * "Block files in this message": the dialog lists the message's hashes (fetchTask), and its submit
 * answers at once and runs the chosen hashes through the usual flows in the background (one: a
 * block with its checks and confirmations; several: the bulk path; no role: approval requests),
 * posting the outcome as a reply in the message's thread.
 */
export class MessageActions {
  constructor(private readonly deps: MessageActionsDeps) {}

  /** `composeExtension/fetchTask`: a sign-in link (action commands get no SSO), or the dialog, or why there is none. */
  async fetchTask(context: TurnContext, action: MessagingExtensionAction): Promise<MessagingExtensionActionResponse> {
    if (action.commandId !== MESSAGE_ACTION_ID) return message(UNKNOWN_ACTION_TEXT);
    const session = await this.deps.sessions.open(context, magicCodeOf(action));
    if (!session.ok) {
      if (session.reason === 'signInRequired') return this.signInAnswer(context);
      return message(sessionFailureReply(session).summary);
    }
    const text = messageText(action.messagePayload);
    const found = findHashes(text, MAX_DIALOG_HASHES);
    this.deps.logger.info({ activityId: context.activity.id, hashes: found.hashes.length, more: found.more }, 'Message action opened');
    if (found.hashes.length === 0) return message(NO_HASH_TEXT);
    const card = messageActionDialogCard({
      hashes: found.hashes,
      more: found.more,
      author: authorOf(action.messagePayload),
      firstLine: text.split('\n').find((line) => line.trim() !== '') ?? '',
      supportsOptions: this.deps.form.supportsOptions,
      defaultExpiryDays: this.deps.form.defaultExpiryDays,
      canContain: !!this.deps.contain,
    });
    return { task: { type: 'continue', value: { title: MESSAGE_ACTION_TITLE, width: 'medium', height: 'large', card } } };
  }

  /** `composeExtension/submitAction`: checks what came back, answers within Teams' 5 seconds, and runs the work after the turn. */
  async submitAction(context: TurnContext, action: MessagingExtensionAction): Promise<MessagingExtensionActionResponse> {
    if (action.commandId !== MESSAGE_ACTION_ID) return message(UNKNOWN_ACTION_TEXT);
    const parsed = submitted.safeParse(action.data ?? {});
    if (!parsed.success) return message('The dialog sent something the bot cannot read. Nothing was blocked.');
    const data = parsed.data;
    const contain = data.contain === true || data.contain === 'true';
    // The dialog of a bot that cannot contain has no switch: a submit asking for it is not what that dialog showed.
    if (contain && !this.deps.contain) return message(NO_CONTAINMENT_TEXT);
    const picked = pickedHashes(data);
    if (picked.length === 0) return message(NOTHING_PICKED_TEXT);
    // Only hashes the dialog listed (the message's first MAX_DIALOG_HASHES): the dialog's toggles are echoed back by the client.
    const inMessage = new Set(findHashes(messageText(action.messagePayload), MAX_DIALOG_HASHES).hashes.map((h) => h.value));
    if (!action.messagePayload || picked.some((hash) => !inMessage.has(hash.value))) return message(NOT_IN_MESSAGE_TEXT);
    const fields = parseBlockFields({ hash: picked[0].value, comment: data.comment, action: data.action, expires: data.expires, severity: data.severity, groups: data.groups });
    if (!fields.ok) {
      const { headline, lines } = explainParseError(fields.error);
      return message(`${headline}. ${lines[0] ?? ''} Nothing was blocked.`.replace(/\s+/g, ' ').trim());
    }
    if (fields.command.options.action === 'Allowed') return message('Allowing files is its own command ("allow ‹hash› ‹comment›"). Nothing was blocked.');
    const session = await this.deps.sessions.open(context);
    if (!session.ok) return message(session.reason === 'signInRequired' ? SIGN_IN_AGAIN_TEXT : sessionFailureReply(session).summary);
    const caller = boundCaller(callerOf(context.activity), session.identity);
    const options = resolveOptions(fields.command.options, this.deps.now(), this.deps.form.defaultExpiryDays);
    const chosen: Chosen = {
      hashes: picked,
      request: { comment: fields.command.comment, caller, options },
      delegation: session.delegation,
      thread: continuationFrom(this.deps.proactive, threadOf(context.activity, action.messagePayload)),
      contain,
    };
    this.deps.logger.info({ activityId: context.activity.id, hashes: picked.length, contain, user: caller.aadObjectId }, 'Message action submitted');
    if (!(await this.reachable(chosen.thread))) return message(UNREACHABLE_TEXT);
    void this.deps.background.run('message action', () => this.act(chosen));
    return message(submittedText(picked.length));
  }

  private async signInAnswer(context: TurnContext): Promise<MessagingExtensionActionResponse> {
    const link = await this.deps.sessions.signInLink(context).catch((error: unknown) => {
      this.deps.logger.warn({ activityId: context.activity.id, err: error instanceof Error ? error.message : String(error) }, 'No sign-in link');
      return undefined;
    });
    if (!link) return message('Sign-in is not available right now. Nothing was blocked; try again later.');
    return { composeExtension: { type: 'auth', suggestedActions: { actions: [{ type: 'openUrl', value: link, title: 'Sign in' }] } } };
  }

  /** Runs the chosen hashes as the signed-in caller: the block or bulk path, or approval requests for a caller without the role. */
  private async act(chosen: Chosen): Promise<void> {
    const { hashes, request, delegation, thread } = chosen;
    const policy = this.deps.approvalPolicy;
    const single = hashes.length === 1;
    const route = routeAction(policy, single ? 'block' : 'bulk');
    const refusal = route.kind === 'direct' ? await this.roleRefusal(request.caller, delegation) : undefined;
    if (refusal && needsNewSignIn(refusal)) {
      await this.renewSignIn(thread);
      return;
    }
    const needsApproval = route.kind !== 'direct' || (offersApprovalOnDenial(policy) && refusal?.kind === 'denied');
    if (needsApproval && policy !== 'off') {
      await this.askApprovals(chosen);
      return;
    }
    const work: Work = single
      ? { describe: describeAction('block', hashes[0]), payload: { kind: 'block', request: { ...request, hash: hashes[0] } } }
      : {
          describe: `bulk block of ${hashes.length} files from a message`,
          payload: { kind: 'bulk-block', spec: { items: hashes.map((hash) => ({ hash, comment: request.comment })), options: request.options, caller: request.caller } },
        };
    const result = await this.deps.runner.run(work, request.caller, delegation, thread);
    if (result.signInAgain) {
      await this.renewSignIn(thread);
      return;
    }
    if (chosen.contain) await this.containBlocked(chosen, result.blocked ?? []);
  }

  /**
   * "Also stop & quarantine where it is seen": one containment per file Defender accepted a block for, each with its
   * device count, confirmation threshold and 1,000-device rule, its card in the message's thread. A file not blocked is not contained.
   */
  private async containBlocked({ hashes, request, delegation, thread }: Chosen, blocked: readonly FileHash[]): Promise<void> {
    const runner = this.deps.contain;
    if (!runner) return;
    const done = new Set(blocked.map((hash) => hash.value));
    for (const hash of hashes.filter((h) => done.has(h.value))) {
      const started = await runner.run({ hash, comment: request.comment, caller: request.caller }, delegation, thread).catch((error: unknown) => {
        this.deps.logger.warn({ err: errorFields(error), hash: hash.value }, 'Stop & quarantine after a message action failed unexpectedly');
        return { failed: true } as const;
      });
      if ('failed' in started) {
        await this.say(thread, containUnknownReply(hash));
        continue;
      }
      // Its refusal card is posted; the other files would be refused the same way.
      if (started.signInAgain) return;
    }
    const notBlocked = hashes.filter((h) => !done.has(h.value)).length;
    if (notBlocked > 0) await this.say(thread, notContainedReply(notBlocked, hashes.length));
  }

  /**
   * Whether the bot can post where the outcome goes (a typing indicator there, before anything is sent to
   * Defender): the action also works where the bot is not a member, and a block nobody hears of must not happen.
   */
  private async reachable(thread: Continuation): Promise<boolean> {
    // The failure is caught inside the turn: a proactive turn's error goes to the adapter's turn-error handler, never back here.
    let posted = false;
    const refused = (error: unknown) =>
      this.deps.logger.warn({ err: errorFields(error) }, 'Message action not run: the bot cannot post where its outcome goes; nothing was sent to Defender');
    await thread(async (context) => {
      await context.sendActivity({ type: ActivityTypes.Typing }).then(() => {
        posted = true;
      }, refused);
    }).catch(refused);
    return posted;
  }

  /**
   * Entra refused the on-behalf-of exchange for a reason a new sign-in fixes (MFA, consent, a revoked grant):
   * the token is signed out, so that the next use of the action asks for a sign-in instead of failing the same way.
   * Nothing was kept to run afterwards, and the answer says so.
   */
  private async renewSignIn(thread: Continuation): Promise<void> {
    await thread(async (context) => {
      const signedOut = await this.deps.sessions.signOut(context).then(
        () => true,
        (error: unknown) => {
          this.deps.logger.warn({ err: errorFields(error) }, 'Could not sign out a token Entra refused');
          return false;
        },
      );
      await send(
        context,
        noticeReply('Sign in again', [
          'Nothing was blocked: Microsoft Entra ID needs you to sign in again (or to consent) before the bot can act on your behalf.',
          signedOut
            ? 'You were signed out; use the action on the message again and sign in when Teams asks.'
            : 'Send "sign out" to the bot, then use the action on the message again and sign in when Teams asks.',
        ]),
      );
    });
  }

  /** One approval request per hash (each through the approval board, as a typed request would be). */
  private async askApprovals({ hashes, request, thread, contain }: Chosen): Promise<void> {
    if (hashes.length > MAX_APPROVAL_ASKS) {
      const why =
        this.deps.approvalPolicy === 'always'
          ? `Under this bot's approval policy every block needs its own approval, one request per file; the bot files at most ${MAX_APPROVAL_ASKS} at once. Choose fewer files.`
          : `Without the Security Administrator or Global Administrator role, each file needs its own approval; the bot files at most ${MAX_APPROVAL_ASKS} at once. Choose fewer files, or ask someone with the role.`;
      await this.say(thread, noticeReply('Nothing was requested', [why]));
      return;
    }
    const unsupported = hashes.filter((hash) => !this.deps.form.hashTypes.includes(hash.type));
    await thread(async (context) => {
      // Where no approval can be asked for at all (a 1:1 chat without an approval channel), say so once, not once per file.
      const refusal = this.deps.board.refusalHere(context);
      if (refusal) {
        await send(context, refusal);
        return;
      }
      for (const hash of hashes) {
        if (unsupported.includes(hash)) continue;
        const ask = { action: contain ? ('block+contain' as const) : ('block' as const), options: request.options };
        await send(context, await this.deps.board.request(context, { hash, comment: request.comment, ask }));
      }
      if (unsupported.length > 0) {
        await send(
          context,
          noticeReply('Some files were not requested', [
            `The bot's Defender API takes ${this.deps.form.hashTypes.join(', ')} hashes only; ${unsupported.length} of the files were left out.`,
          ]),
        );
      }
    });
  }

  /** Why a live role check says the caller may not block, if it does (a failed check other than a token to renew is left to the block path, which reports it). */
  private roleRefusal(caller: Caller, delegation: Delegation): Promise<Refusal | undefined> {
    return refuseUnlessHolds(this.deps.roles, caller, delegation, BLOCKING_ROLES).catch(refusalFrom);
  }

  private async say(thread: Continuation, reply: Reply): Promise<void> {
    await thread(async (context) => {
      await send(context, reply);
    });
  }
}

/** A token failure the analyst fixes by signing in again (not an outage). */
function needsNewSignIn(refusal: Refusal): boolean {
  return refusal.kind === 'tokenFailed' && refusal.error.reason !== 'unavailable';
}
