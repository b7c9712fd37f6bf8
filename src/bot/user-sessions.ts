import { CardFactory, MessageFactory, type TurnContext } from 'botbuilder';
import type { UserTokenClient } from 'botframework-connector';
import type { Delegation, Delegations, Logger } from '../domain/ports';
import { errorFields } from '../errors';
import { callerOf } from './caller-of';

/** Whether the sender of a turn can be acted for, and as whom. */
export type SessionResult =
  | { readonly ok: true; readonly delegation: Delegation; readonly upn?: string }
  | { readonly ok: false; readonly reason: 'signInRequired' | 'signInUnavailable' }
  | { readonly ok: false; readonly reason: 'tenantMismatch'; readonly tokenTenant?: string };

/** Who is acting: the signed-in analyst in production, nobody in particular in local mode. */
export interface UserSessions {
  /** The sender's delegation, from the token service (with a magic code when one was typed or sent). */
  open(context: TurnContext, magicCode?: string): Promise<SessionResult>;
  /** Sends a sign-in card: silent SSO in personal and group chats, a sign-in button in channels. */
  promptSignIn(context: TurnContext, text: string): Promise<void>;
  signOut(context: TurnContext): Promise<void>;
}

/** Local mode: everyone is already "signed in" as themselves, with no tokens at all. */
export class LocalSessions implements UserSessions {
  constructor(private readonly delegation: Delegation) {}

  async open(): Promise<SessionResult> {
    return { ok: true, delegation: this.delegation };
  }

  async promptSignIn(context: TurnContext): Promise<void> {
    await context.sendActivity('Local mode needs no sign-in.');
  }

  async signOut(context: TurnContext): Promise<void> {
    await context.sendActivity('Local mode has no sign-in to end.');
  }
}

/** Production: the analyst's token from the Bot Framework token service, exchanged on-behalf-of. */
export class TokenServiceSessions implements UserSessions {
  constructor(
    private readonly connectionName: string,
    private readonly userTokenClientKey: symbol,
    private readonly delegations: Delegations,
    private readonly logger: Logger,
  ) {}

  async open(context: TurnContext, magicCode?: string): Promise<SessionResult> {
    const { activity } = context;
    let token: string | undefined;
    try {
      // No code means none is sent (botbuilder's own OAuthPrompt passes undefined too); the type says string.
      const code = magicCode as string;
      const response = await this.client(context).getUserToken(activity.from.id, this.connectionName, activity.channelId, code);
      token = response?.token;
    } catch (error) {
      this.logger.warn({ activityId: activity.id, err: errorFields(error) }, 'Token service lookup failed');
      return { ok: false, reason: 'signInUnavailable' };
    }
    if (!token) return { ok: false, reason: 'signInRequired' };
    const identity = this.delegations.identityOf(token) ?? {};
    const tokenTenant = identity.tid?.toLowerCase();
    const activityTenant = callerOf(activity).tenantId?.toLowerCase();
    if (!tokenTenant || !activityTenant || tokenTenant !== activityTenant) {
      this.logger.warn({ activityId: activity.id, tokenTenant, activityTenant }, 'User token is for another tenant');
      return { ok: false, reason: 'tenantMismatch', tokenTenant };
    }
    return { ok: true, delegation: this.delegations.forUser(token), upn: identity.upn };
  }

  async promptSignIn(context: TurnContext, text: string): Promise<void> {
    const resource = await this.client(context).getSignInResource(this.connectionName, context.activity, '');
    const inChannel = context.activity.conversation?.conversationType === 'channel';
    const card = CardFactory.oauthCard(
      this.connectionName,
      'Sign in',
      text,
      resource.signInLink,
      inChannel ? undefined : resource.tokenExchangeResource,
      inChannel ? undefined : resource.tokenPostResource,
    );
    const message = MessageFactory.attachment(card);
    message.summary = text;
    await context.sendActivity(message);
  }

  async signOut(context: TurnContext): Promise<void> {
    const { activity } = context;
    await this.client(context).signOutUser(activity.from.id, this.connectionName, activity.channelId);
  }

  private client(context: TurnContext): UserTokenClient {
    const client = context.turnState.get<UserTokenClient>(this.userTokenClientKey);
    if (!client) throw new Error('No UserTokenClient on this turn.');
    return client;
  }
}
