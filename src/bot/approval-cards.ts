import { CardFactory, type ConversationReference, type TurnContext } from 'botbuilder';
import type { ApprovalRequest } from '../domain/approval-record';
import type { Store } from '../domain/ports';
import { StoreKey } from '../domain/store-keys';
import { requesterNoticeReply } from '../cards/approval-views';
import type { Reply } from '../cards/render';
import type { Proactive } from './continuation';
import { send } from './send';

/** Where an approval card lives: the conversation (a channel thread, a group chat) and the card's message. */
export interface CardRef {
  readonly reference: Partial<ConversationReference>;
  readonly activityId: string;
}

/** Posts a card as a new thread in a Teams channel, through the Bot Connector of the turn's activity; throws when the channel cannot be reached. */
export type PostToChannel = (context: TurnContext, channelId: string, reply: Reply) => Promise<CardRef>;

const approversKey = StoreKey.approvers;
const MAX_REFRESH_USERS = 60;

/** Posts the card in the approval channel (a new thread), or else in the shared conversation the request came from. */
export async function postCard(
  deps: { readonly channel?: { readonly id: string; readonly post: PostToChannel }; readonly proactive: Proactive },
  context: TurnContext,
  origin: Partial<ConversationReference>,
  reply: Reply,
): Promise<CardRef> {
  const channel = deps.channel;
  if (channel) return channel.post(context, channel.id, reply);
  let activityId: string | undefined;
  await deps.proactive(origin, async (proactive) => {
    activityId = await send(proactive, reply);
  });
  if (!activityId) throw new Error('the Bot Connector gave the card no message id');
  return { reference: { ...origin, activityId: undefined }, activityId };
}

export async function refreshUsers(store: Store, request: ApprovalRequest): Promise<string[]> {
  const known = (await store.get<string[]>(approversKey(request.tenantId)))?.value ?? [];
  return [...new Set([request.requester.userId, ...known])].slice(0, MAX_REFRESH_USERS);
}

export async function rememberApprover(store: Store, tenant: string | undefined, userId: string): Promise<void> {
  const key = approversKey(tenant);
  for (let attempt = 0; attempt < 3; attempt++) {
    const stored = await store.get<string[]>(key);
    const next = [userId, ...(stored?.value ?? []).filter((u) => u !== userId)].slice(0, MAX_REFRESH_USERS - 1);
    const written = await store.put(key, next, stored ? { ifMatch: stored.etag } : { ifNoneMatch: '*' });
    if (written.ok) return;
  }
}

export async function updateCard(proactive: Proactive, request: ApprovalRequest, reply: Reply): Promise<void> {
  const card = request.card as CardRef | undefined;
  if (!card) return;
  await proactive(card.reference, async (context) => {
    await context.updateActivity({ id: card.activityId, type: 'message', attachments: [CardFactory.adaptiveCard(reply.card.content)], summary: reply.summary });
  });
}

export async function notifyRequester(proactive: Proactive, request: ApprovalRequest): Promise<void> {
  const origin = request.origin as Partial<ConversationReference> | undefined;
  if (!origin) return;
  await proactive({ ...origin, activityId: undefined }, async (context) => {
    await send(context, requesterNoticeReply(request));
  });
}

/** Why the Bot Connector refused the card, in words for the requester and the audit trail. */
export function unreachable(error: unknown): string {
  const { statusCode, code } = (error ?? {}) as { statusCode?: unknown; code?: unknown };
  const answer = [statusCode, code].filter((part) => typeof part === 'number' || typeof part === 'string').join(' ');
  if (statusCode === 403) return `the bot is not a member of the team of that channel (${answer})`;
  if (statusCode === 404) return `the channel was not found (${answer})`;
  return answer ? `the Bot Connector answered ${answer}` : 'the Bot Connector could not be reached';
}
