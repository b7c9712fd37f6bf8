import { randomBytes } from 'node:crypto';

/** A Teams channel account as returned by GET members/{id}. */
export interface TeamsMember {
  id: string;
  name: string;
  aadObjectId: string;
  userPrincipalName: string;
  tenantId: string;
  email?: string;
  givenName?: string;
  surname?: string;
  userRole?: string;
}

/** How a refused channel answers: 403 the bot is not in the team (any more), 404 the channel is gone. */
export type ChannelRefusal = 403 | 404;

/** An answer of the connector. */
export interface Answer {
  status: number;
  payload?: unknown;
  headers?: Record<string, string>;
}

/** A routed request: its answer and, for a new thread, where it was posted. */
export interface Routed {
  answer: Answer;
  /** Set when Create Conversation succeeded: the new conversation and its first activity (if one was sent). */
  created?: { conversationId: string; activityId?: string };
}

const REFUSALS: Record<ChannelRefusal, Answer> = {
  403: { status: 403, payload: connectorError('BotNotInConversationRoster', 'The bot is not part of the conversation roster.') },
  404: { status: 404, payload: connectorError('ConversationNotFound', 'Conversation not found.') },
};
const BAD_SYNTAX: Answer = { status: 400, payload: connectorError('BadSyntax', 'Incorrect conversation creation parameters') };

/** The Bot Connector error shape (ErrorResponse). */
export function connectorError(code: string, message: string): { error: { code: string; message: string } } {
  return { error: { code, message } };
}

/** The channel part of a conversation id: `19:x@thread.tacv2;messageid=1` → `19:x@thread.tacv2`. */
export function baseConversationId(conversationId: string): string {
  return conversationId.split(';messageid=')[0];
}

/** The connector's conversations: members, activities that may be updated or deleted, and refused channels. */
export class ConnectorConversations {
  private readonly members = new Map<string, TeamsMember[]>();
  /** Known activity ids by base conversation id (a channel's threads share their channel's set). */
  private readonly activities = new Map<string, Set<string>>();
  private readonly refusals = new Map<string, ChannelRefusal>();
  private sequence = 0;

  constructor(private readonly maxActivityBytes: number) {}

  addMember(member: TeamsMember, conversationId: string): void {
    const list = this.members.get(conversationId) ?? [];
    list.push(member);
    this.members.set(conversationId, list);
  }

  addActivity(conversationId: string, activityId: string): void {
    this.known(conversationId).add(activityId);
  }

  refuse(channelId: string, status: ChannelRefusal): void {
    this.refusals.set(baseConversationId(channelId), status);
  }

  admit(channelId: string): void {
    this.refusals.delete(baseConversationId(channelId));
  }

  clearRefusals(): void {
    this.refusals.clear();
  }

  /** Answers a request to `/v3/conversations[/...]` (already authorized). */
  route(method: string, segments: string[], text: string, body: unknown): Routed {
    const [v3, conversations, conversationId, sub, subId, extra] = segments;
    if (v3 !== 'v3' || conversations !== 'conversations' || extra !== undefined) {
      return { answer: notFound(method, segments) };
    }
    if (conversationId === undefined) {
      if (method !== 'POST') return { answer: { status: 405, payload: connectorError('BadArgument', 'Method not allowed') } };
      return this.createConversation(body);
    }
    const refusal = this.refusals.get(baseConversationId(conversationId));
    if (refusal) return { answer: REFUSALS[refusal] };
    if ((method === 'POST' || method === 'PUT') && sub === 'activities') {
      const problem = this.activityProblem(text, body);
      if (problem) return { answer: problem };
    }
    if (sub === 'activities' && method === 'POST') {
      return { answer: { status: 201, payload: { id: this.newActivityId(conversationId) } } };
    }
    if (sub === 'activities' && subId !== undefined && (method === 'PUT' || method === 'DELETE')) {
      const known = this.known(conversationId);
      if (!known.has(subId)) {
        return { answer: { status: 404, payload: connectorError('ActivityNotFoundInConversation', `Activity ${subId} not found in conversation`) } };
      }
      if (method === 'DELETE') {
        known.delete(subId);
        return { answer: { status: 200 } };
      }
      return { answer: { status: 200, payload: { id: subId } } };
    }
    if (sub === 'members' && method === 'GET') return { answer: this.member(conversationId, subId) };
    return { answer: notFound(method, segments) };
  }

  /**
   * Create Conversation. A channel thread (`isGroup: true`, `channelData.channel.id`) needs its root
   * `activity` and answers `{id: '<channel>;messageid=<id>', activityId}`; `isGroup` without a channel
   * (a group chat) is refused as Teams does; anything else is taken as a 1:1 chat.
   */
  private createConversation(body: unknown): Routed {
    if (!isObject(body)) return { answer: { status: 400, payload: connectorError('BadArgument', 'Request body must be a JSON object') } };
    const channelData = isObject(body.channelData) ? body.channelData : {};
    const channel = isObject(channelData.channel) ? channelData.channel : {};
    const channelId = typeof channel.id === 'string' && channel.id !== '' ? channel.id : undefined;
    if (channelId === undefined) {
      if (body.isGroup === true) return { answer: BAD_SYNTAX };
      const id = `a:${randomBytes(24).toString('base64url')}`;
      const response: Record<string, string> = { id };
      if (body.activity) response.activityId = this.newActivityId(id);
      return { answer: { status: 201, payload: response }, created: { conversationId: id, activityId: response.activityId } };
    }
    if (body.isGroup !== true || !isObject(body.activity)) return { answer: BAD_SYNTAX };
    const refusal = this.refusals.get(baseConversationId(channelId));
    if (refusal) return { answer: REFUSALS[refusal] };
    const problem = this.activityProblem(JSON.stringify(body.activity), body.activity);
    if (problem) return { answer: problem };
    const activityId = this.newActivityId(channelId);
    const conversationId = `${channelId};messageid=${activityId}`;
    return { answer: { status: 201, payload: { id: conversationId, activityId } }, created: { conversationId, activityId } };
  }

  /** 400 without a JSON object with a `type`; 413 MessageSizeTooBig over the limit (UTF-16). */
  private activityProblem(text: string, body: unknown): Answer | undefined {
    if (!isObject(body)) return { status: 400, payload: connectorError('BadArgument', 'Request body must be a JSON object') };
    if (text.length * 2 > this.maxActivityBytes) return { status: 413, payload: connectorError('MessageSizeTooBig', 'Message size too big') };
    if (typeof body.type !== 'string') return { status: 400, payload: connectorError('BadArgument', 'Activity type is required') };
    return undefined;
  }

  private member(conversationId: string, memberId: string | undefined): Answer {
    const candidates = [...(this.members.get(conversationId) ?? []), ...(this.members.get('*') ?? [])];
    if (memberId === undefined) return { status: 200, payload: candidates };
    const member = candidates.find((m) => m.id === memberId || m.aadObjectId === memberId);
    if (!member) return { status: 404, payload: connectorError('MemberNotFoundInConversation', 'The specified member is not found in the conversation') };
    return { status: 200, payload: member };
  }

  private known(conversationId: string): Set<string> {
    const key = baseConversationId(conversationId);
    let set = this.activities.get(key);
    if (!set) {
      set = new Set();
      this.activities.set(key, set);
    }
    return set;
  }

  private newActivityId(conversationId: string): string {
    this.sequence += 1;
    const id = `${Date.now()}${String(this.sequence).padStart(3, '0')}`;
    this.known(conversationId).add(id);
    return id;
  }
}

function notFound(method: string, segments: string[]): Answer {
  return { status: 404, payload: connectorError('NotFound', `No route for ${method} /${segments.join('/')}`) };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
