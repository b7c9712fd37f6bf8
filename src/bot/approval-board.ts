import { CardFactory, TurnContext, type ConversationReference } from 'botbuilder';
import {
  approvalKey,
  attachCard,
  cancelRequest,
  decide,
  expireDue,
  requestApproval,
  type ApprovalDeps,
  type ApprovalRequest,
  type Decision,
  type DecisionOutcome,
} from '../domain/approvals';
import type { BlockOptions } from '../domain/block-options';
import type { Caller } from '../domain/caller';
import type { FileHash } from '../domain/file-hash';
import type { Logger, Store } from '../domain/ports';
import { BLOCKING_ROLES } from '../domain/roles';
import { StoreKey } from '../domain/store-keys';
import { errorFields } from '../errors';
import { approvalCardReply, decisionRefusedText, requesterNoticeReply, requestPendingReply, type ApprovalViewer } from '../cards/approval-views';
import { noticeReply } from '../cards/notice';
import type { Reply } from '../cards/render';
import { signInPromptText } from '../cards/session-views';
import type { CardSurface } from './card-surface';
import type { Proactive } from './continuation';
import type { SessionGate } from './session-gate';
import { send } from './send';
import type { UserSessions } from './user-sessions';

/** Where an approval card lives. */
interface CardRef {
  readonly reference: Partial<ConversationReference>;
  readonly activityId: string;
}

/** What the board needs. */
export interface ApprovalBoardDeps {
  readonly approvals: ApprovalDeps;
  readonly store: Store;
  readonly sessions: UserSessions;
  readonly gate: SessionGate;
  readonly proactive: Proactive;
  readonly logger: Logger;
  readonly channelId?: string;
  readonly newId: () => string;
}

const channelKey = StoreKey.channel;
const approversKey = StoreKey.approvers;
const MAX_REFRESH_USERS = 60;

/**
 * Four-eyes approvals in Teams: posts the approval card to the SOC channel, takes decisions
 * (always from the stored request), updates the card for everyone and tells the requester.
 */
export class ApprovalBoard {
  private knownChannel?: string;

  constructor(private readonly deps: ApprovalBoardDeps) {}

  /** Remembers how to reach the SOC channel whenever an activity comes from it. */
  async learnChannel(context: TurnContext): Promise<void> {
    const id = context.activity.conversation?.id?.split(';')[0];
    if (!this.deps.channelId || id !== this.deps.channelId) return;
    const reference = TurnContext.getConversationReference(context.activity);
    const stored = JSON.stringify({ ...reference, conversation: { ...reference.conversation, id }, activityId: undefined });
    if (stored === this.knownChannel) return;
    await this.deps.store.put(channelKey(id), JSON.parse(stored));
    this.knownChannel = stored;
    this.deps.logger.info({ conversationId: id }, 'Approval channel reference stored');
  }

  /** Creates a request and posts its card; the answer for the requester says it is pending (nothing is blocked yet). */
  async request(context: TurnContext, input: { hash: FileHash; comment: string; options?: BlockOptions }, requester: Caller): Promise<Reply> {
    const origin = TurnContext.getConversationReference(context.activity);
    const request = await requestApproval(this.deps.approvals, { ...input, id: this.deps.newId(), requester, origin });
    const channel = this.deps.channelId ? await this.deps.store.get<Partial<ConversationReference>>(channelKey(this.deps.channelId)) : undefined;
    const target = channel?.value ?? origin;
    let activityId: string | undefined;
    await this.deps.proactive(target, async (proactive) => {
      activityId = await send(proactive, approvalCardReply(request, 'shared', await this.refreshUsers(request)));
    });
    if (activityId) await attachCard(this.deps.approvals, request.id, { reference: target, activityId } satisfies CardRef);
    this.deps.logger.info({ approvalId: request.id, hash: request.hash.value, inChannel: !!channel }, 'Approval requested');
    if (this.deps.channelId && !channel) {
      this.deps.logger.warn({ channelId: this.deps.channelId }, 'Approval channel not reachable yet: install the bot there or mention it once');
    }
    return requestPendingReply(request, !!channel);
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
    if (action === 'cancel') {
      outcome = await cancelRequest(this.deps.approvals, approvalId, presser);
    } else {
      const delegation = (await this.deps.gate.now(context, signInPromptText('approval')))?.delegation;
      if (!delegation) {
        surface.answerWithMessage('Sign in first (see the card below), then press the button again.');
        return;
      }
      const decision: Decision = action === 'reject' ? { kind: 'reject', reason } : { kind: action };
      outcome = await decide(this.deps.approvals, approvalId, presser, delegation, decision);
    }
    if (outcome.kind !== 'decided') {
      const text = decisionRefusedText(outcome, presser);
      this.deps.logger.info({ approvalId, action, outcome: outcome.kind, user: presser.aadObjectId }, 'Approval press refused');
      if (surface.path === 'execute') surface.answerWithMessage(text);
      else await send(context, noticeReply(text, []));
      return;
    }
    const request = outcome.request;
    this.deps.logger.info({ approvalId, status: request.status, user: presser.aadObjectId }, 'Approval decided');
    if (action !== 'cancel') await this.rememberApprover(request.tenantId, presser.userId);
    const reply = approvalCardReply(request, 'shared');
    await surface.replaceNow(context, reply);
    await this.updateCard(request, reply);
    await this.notifyRequester(request);
  }

  /** Expires requests past their time (each once across instances), updating their cards. */
  async sweep(): Promise<number> {
    const expired = await expireDue(this.deps.approvals);
    for (const request of expired) {
      await this.updateCard(request, approvalCardReply(request, 'shared')).catch((error: unknown) => this.warn(request, error));
      await this.notifyRequester(request).catch((error: unknown) => this.warn(request, error));
    }
    return expired.length;
  }

  /** A card never carries the hash; one that does must carry the stored one (a tampered card is refused). */
  private async matches(approvalId: string, hash: unknown): Promise<boolean> {
    const stored = await this.deps.store.get<ApprovalRequest>(approvalKey(approvalId));
    return !!stored && typeof hash === 'string' && hash.trim().toLowerCase() === stored.value.hash.value;
  }

  private async refresh(context: TurnContext, surface: CardSurface, approvalId: string, viewer: Caller): Promise<void> {
    const stored = await this.deps.store.get<ApprovalRequest>(approvalKey(approvalId));
    if (!stored || stored.value.tenantId !== viewer.tenantId) {
      surface.answerWithMessage('This approval request is unknown to the bot.');
      return;
    }
    const request = stored.value;
    await surface.replaceNow(context, approvalCardReply(request, await this.viewerOf(context, request, viewer), await this.refreshUsers(request)));
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

  private async refreshUsers(request: ApprovalRequest): Promise<string[]> {
    const known = (await this.deps.store.get<string[]>(approversKey(request.tenantId)))?.value ?? [];
    return [...new Set([request.requester.userId, ...known])].slice(0, MAX_REFRESH_USERS);
  }

  private async rememberApprover(tenant: string | undefined, userId: string): Promise<void> {
    const key = approversKey(tenant);
    for (let attempt = 0; attempt < 3; attempt++) {
      const stored = await this.deps.store.get<string[]>(key);
      const next = [userId, ...(stored?.value ?? []).filter((u) => u !== userId)].slice(0, MAX_REFRESH_USERS - 1);
      const written = await this.deps.store.put(key, next, stored ? { ifMatch: stored.etag } : { ifNoneMatch: '*' });
      if (written.ok) return;
    }
  }

  private async updateCard(request: ApprovalRequest, reply: Reply): Promise<void> {
    const card = request.card as CardRef | undefined;
    if (!card) return;
    await this.deps.proactive(card.reference, async (context) => {
      await context.updateActivity({ id: card.activityId, type: 'message', attachments: [CardFactory.adaptiveCard(reply.card.content)], summary: reply.summary });
    });
  }

  private async notifyRequester(request: ApprovalRequest): Promise<void> {
    const origin = request.origin as Partial<ConversationReference> | undefined;
    if (!origin) return;
    await this.deps.proactive({ ...origin, activityId: undefined }, async (context) => {
      await send(context, requesterNoticeReply(request));
    });
  }

  private warn(request: ApprovalRequest, error: unknown): void {
    this.deps.logger.warn({ approvalId: request.id, err: errorFields(error) }, 'Could not update an approval card');
  }
}
