import { TurnContext, type ConversationReference } from 'botbuilder';
import { attachCard, findRequest, type ApprovalDeps, type ApprovalRequest, lastDecision } from '../domain/approval-record';
import { expireDue } from '../domain/approval-sweep';
import { cancelRequest, decide, type Decision, type DecisionOutcome } from '../domain/approvals';
import { undoToApprove, type ApprovalAsk, type ApprovedContainment } from '../domain/approval-actions';
import { requestApproval, withdrawRequest } from '../domain/approval-requests';
import type { Caller } from '../domain/caller';
import type { FileHash } from '../domain/file-hash';
import type { Logger, Store } from '../domain/ports';
import { BLOCKING_ROLES } from '../domain/roles';
import { utcText } from '../domain/undo';
import { errorFields } from '../errors';
import {
  approvalCardReply,
  decisionRefusedText,
  notRequestedReply,
  REQUEST_SIGN_IN_TEXT,
  requestPendingReply,
  requestSignInReply,
  undoRequestedReply,
  type ApprovalViewer,
} from '../cards/approval-views';
import { undoOutcomeReply } from '../cards/block-views';
import { noticeReply } from '../cards/notice';
import type { Reply } from '../cards/render';
import { signInPromptText } from '../cards/session-views';
import { notifyRequester, postCard, rememberApprover, refreshUsers, unreachable, updateCard, type CardRef, type PostToChannel } from './approval-cards';
import type { CardSurface } from './card-surface';
import type { ContainRunner } from './contain-runner';
import type { FollowUps } from './follow-ups';
import type { PrepareContinuation, Proactive } from './continuation';
import type { OpenSession, SessionGate } from './session-gate';
import { send } from './send';
import type { UserSessions } from './user-sessions';

/** What the board needs. */
export interface ApprovalBoardDeps {
  readonly approvals: ApprovalDeps;
  readonly store: Store;
  readonly sessions: UserSessions;
  readonly gate: SessionGate;
  readonly proactive: Proactive;
  readonly logger: Logger;
  /** The SOC channel (APPROVAL_CHANNEL) every approval card goes to; without it, the channel or group chat a request comes from. */
  readonly channel?: { readonly id: string; readonly post: PostToChannel };
  readonly newId: () => string;
  /** Starts the tracked stop & quarantine an approved request found devices for. */
  readonly contain?: ContainRunner;
  readonly continuation?: PrepareContinuation;
  /** Checks an approved block again later, in the conversation it was requested from. */
  readonly followUps?: FollowUps;
}

/**
 * Four-eyes approvals in Teams: posts the approval card to the SOC channel, takes decisions
 * (always from the stored request), updates the card for everyone and tells the requester.
 */
export class ApprovalBoard {
  constructor(private readonly deps: ApprovalBoardDeps) {}

  /**
   * Why no approval can be requested from this conversation, before anyone signs in: with no
   * approval channel, cards go to the shared conversation the request comes from, never a 1:1 chat.
   */
  refusalHere(context: TurnContext): Reply | undefined {
    if (this.deps.channel) return undefined;
    const conversation = context.activity.conversation;
    const shared = conversation?.isGroup === true || conversation?.conversationType === 'channel' || conversation?.conversationType === 'groupChat';
    return shared ? undefined : notRequestedReply({ kind: 'noApprovalChannel' });
  }

  /**
   * Creates a request (a block unless `ask` says otherwise) and posts its card; the answer for the
   * requester says it is pending (nothing changed in Defender yet), or that no approval was
   * requested and why (a request whose card could not be posted is withdrawn, so it never waits unseen).
   */
  async request(context: TurnContext, input: { hash: FileHash; comment: string; ask?: ApprovalAsk }): Promise<Reply> {
    const refusal = this.refusalHere(context);
    if (refusal) return refusal;
    const requester = await this.signedIn(context);
    if (!requester) return requestSignInReply();
    return this.ask(context, requester, input);
  }

  /**
   * An Undo pressed where every lift needs four eyes: its record is loaded from the store by id
   * (window and tenant checked) and the approval asks to lift exactly the block it created.
   */
  async requestUndo(context: TurnContext, undoId: string, presser: Caller): Promise<Reply> {
    const refusal = this.refusalHere(context);
    if (refusal) return refusal;
    const requester = await this.signedIn(context);
    if (!requester) return requestSignInReply();
    const target = await undoToApprove(this.deps.store, undoId, requester.caller, this.deps.approvals.now());
    if (target.kind === 'alreadyRequested') return undoRequestedReply(target.requestId);
    if (target.kind !== 'ok') return undoOutcomeReply(target, presser);
    const { record, ask } = target;
    const comment = `Undo of the block by ${record.blockedBy} at ${utcText(record.blockedAt)}, asked by ${requester.caller.name} in Teams.`;
    return this.ask(context, requester, { hash: record.hash, comment, ask });
  }

  private async ask(context: TurnContext, requester: OpenSession, input: { hash: FileHash; comment: string; ask?: ApprovalAsk }): Promise<Reply> {
    const origin = TurnContext.getConversationReference(context.activity);
    const { hash, comment, ask } = input;
    const asked = await requestApproval(this.deps.approvals, { hash, comment, ask, id: this.deps.newId(), requester: requester.caller, origin }, requester.delegation);
    if (asked.kind === 'tooMany') {
      this.deps.logger.info({ user: requester.caller.aadObjectId, open: asked.open }, 'Approval refused: too many open requests');
      return notRequestedReply(asked);
    }
    const request = asked.request;
    const inChannel = !!this.deps.channel;
    let card: CardRef;
    try {
      card = await postCard(this.deps, context, origin, approvalCardReply(request, 'shared', await refreshUsers(this.deps.store, request)));
    } catch (error) {
      const detail = unreachable(error);
      this.deps.logger.warn({ approvalId: request.id, channelId: this.deps.channel?.id, err: errorFields(error) }, 'Approval card could not be posted: request withdrawn');
      await withdrawRequest(this.deps.approvals, request, `the approval card could not be posted: ${detail}`);
      return notRequestedReply({ kind: 'channelUnreachable', approvalChannel: inChannel, detail });
    }
    await attachCard(this.deps.approvals, request.id, card);
    this.deps.logger.info({ approvalId: request.id, action: request.action, hash: request.hash.value, inChannel }, 'Approval requested');
    return requestPendingReply(request, inChannel);
  }

  /** The requester as their sign-in names them (the token's account asks) with their delegation; otherwise undefined after prompting sign-in (they ask again afterwards). */
  private signedIn(context: TurnContext): Promise<OpenSession | undefined> {
    return this.deps.gate.now(context, REQUEST_SIGN_IN_TEXT);
  }

  /** An approver's or the requester's press on an approval card. */
  async press(
    context: TurnContext,
    surface: CardSurface,
    approvalId: string,
    action: 'approve' | 'reject' | 'retry' | 'cancel' | 'refresh',
    presser: Caller,
    echoed: { readonly reason?: string; readonly hash?: unknown } = {},
  ): Promise<void> {
    if (action === 'refresh') return this.refresh(context, surface, approvalId, presser);
    if (echoed.hash !== undefined && !(await this.matches(approvalId, echoed.hash))) {
      this.deps.logger.warn({ approvalId, user: presser.aadObjectId }, 'Approval card payload does not match the stored request');
      const text = 'This card does not match the stored request. Nothing was done.';
      if (surface.path === 'execute') surface.answerWithMessage(text);
      else await send(context, noticeReply(text, []));
      return;
    }
    const reason = echoed.reason;
    let outcome: DecisionOutcome;
    let session: OpenSession | undefined;
    if (action === 'cancel') {
      outcome = await cancelRequest(this.deps.approvals, approvalId, presser);
    } else {
      session = await this.deps.gate.now(context, signInPromptText('approval'));
      if (!session) {
        surface.answerWithMessage('Sign in first (see the card below), then press the button again.');
        return;
      }
      const decision: Decision = action === 'reject' ? { kind: 'reject', reason } : { kind: action };
      outcome = await decide(this.deps.approvals, approvalId, presser, session.delegation, decision);
    }
    if (outcome.kind === 'expired') await this.closeExpired(outcome.request);
    if (outcome.kind !== 'decided') {
      const text = decisionRefusedText(outcome, presser);
      this.deps.logger.info({ approvalId, action, outcome: outcome.kind, user: presser.aadObjectId }, 'Approval press refused');
      if (surface.path === 'execute') surface.answerWithMessage(text);
      else await send(context, noticeReply(text, []));
      return;
    }
    const request = outcome.request;
    this.deps.logger.info({ approvalId, action: request.action, status: request.status, user: presser.aadObjectId }, 'Approval decided');
    if (action !== 'cancel') await rememberApprover(this.deps.store, request.tenantId, presser.userId);
    const reply = approvalCardReply(request, 'shared');
    await surface.replaceNow(context, reply);
    await updateCard(this.deps.proactive, request, reply);
    await notifyRequester(this.deps.proactive, request);
    if (outcome.containment && session) await this.contain(context, request, outcome.containment, session);
    if (session && request.status === 'approved' && request.result && (request.action === 'block' || request.action === 'block+contain')) {
      const origin = request.origin as Partial<ConversationReference> | undefined;
      if (origin) {
        await this.deps.followUps
          ?.schedule(
            { ...origin, activityId: undefined, user: context.activity.from },
            { hash: request.hash, comment: request.comment, caller: session.caller, status: request.result },
          )
          .catch((error: unknown) => this.warn(request, error));
      }
    }
  }

  /** An approved stop & quarantine: its progress card goes in the approval card's conversation and tracks as the approver. */
  private async contain(context: TurnContext, request: ApprovalRequest, found: ApprovedContainment, approver: OpenSession): Promise<void> {
    const { contain, continuation } = this.deps;
    if (!contain || !continuation) return;
    const draft = { hash: request.hash, sha1: found.sha1, comment: request.comment, caller: approver.caller, devices: found.devices };
    await contain
      .begin(draft, continuation(context))
      .catch((error: unknown) => this.deps.logger.error({ approvalId: request.id, err: errorFields(error) }, 'Approved stop & quarantine could not start'));
  }

  /** Expires requests past their time (each once across instances), updating their cards. */
  async sweep(): Promise<number> {
    const expired = await expireDue(this.deps.approvals);
    for (const request of expired) {
      await updateCard(this.deps.proactive, request, approvalCardReply(request, 'shared')).catch((error: unknown) => this.warn(request, error));
      await notifyRequester(this.deps.proactive, request).catch((error: unknown) => this.warn(request, error));
    }
    return expired.length;
  }

  /** A press found the request past its time: its card loses its buttons and the requester is told (the press that expired it). */
  private async closeExpired(request: ApprovalRequest): Promise<void> {
    if (request.status !== 'expired' || lastDecision(request)?.action !== 'expire') return;
    await updateCard(this.deps.proactive, request, approvalCardReply(request, 'shared')).catch((error: unknown) => this.warn(request, error));
    await notifyRequester(this.deps.proactive, request).catch((error: unknown) => this.warn(request, error));
  }

  /** A card never carries the hash; one that does must carry the stored one (a tampered card is refused). */
  private async matches(approvalId: string, hash: unknown): Promise<boolean> {
    const stored = await findRequest(this.deps.store, approvalId);
    return !!stored && typeof hash === 'string' && hash.trim().toLowerCase() === stored.value.hash.value;
  }

  private async refresh(context: TurnContext, surface: CardSurface, approvalId: string, viewer: Caller): Promise<void> {
    const stored = await findRequest(this.deps.store, approvalId);
    if (!stored || stored.value.tenantId !== viewer.tenantId) {
      surface.answerWithMessage('This approval request is unknown to the bot.');
      return;
    }
    const request = stored.value;
    await surface.replaceNow(context, approvalCardReply(request, await this.viewerOf(context, request, viewer), await refreshUsers(this.deps.store, request)));
  }

  /** The requester, an approver (role held now, signed in), someone else, or unknown (not signed in: the shared view). */
  private async viewerOf(context: TurnContext, request: ApprovalRequest, viewer: Caller): Promise<ApprovalViewer> {
    const isRequester = request.requester.aadObjectId ? request.requester.aadObjectId === viewer.aadObjectId : request.requester.userId === viewer.userId;
    if (isRequester) return 'requester';
    const session = await this.deps.sessions.open(context);
    if (!session.ok) return 'shared';
    const roles = await this.deps.approvals.roles.rolesOf(viewer, session.delegation).catch(() => undefined);
    return roles?.ok && BLOCKING_ROLES.some((role) => roles.roles.has(role)) ? 'approver' : 'observer';
  }

  private warn(request: ApprovalRequest, error: unknown): void {
    this.deps.logger.warn({ approvalId: request.id, err: errorFields(error) }, 'Could not update an approval card');
  }
}
