import { CardFactory, MessageFactory, type TurnContext } from 'botbuilder';
import type { UserTokenClient } from 'botframework-connector';
import type { Delegation, Delegations, Logger } from '../domain/ports';
import { errorFields } from '../errors';
import { callerOf, sameId } from './caller-of';

/** Where a refused token's outcome is kept for the rest of its turn (a second lookup must not see a fresh, empty state). */
const MISMATCH_KEY = Symbol('accountMismatch');

/** The account a session acts as: the token's, after it was checked against the Teams caller. */
export interface SessionIdentity {
  readonly oid: string;
  readonly tid: string;
  readonly upn?: string;
  readonly name?: string;
}

/** A token that names another account than the Teams caller (another user, or another tenant). */
export interface AccountMismatch {
  readonly ok: false;
  readonly reason: 'accountMismatch';
  /** Who the token names (for the message; claims as read, never trusted further). */
  readonly signedInAs: Partial<SessionIdentity>;
  /** The Teams caller the token was expected to belong to. */
  readonly expected: { readonly name: string; readonly oid?: string; readonly tid?: string };
  /** Whether the token service confirmed the sign-out of that token. */
  readonly signedOut: boolean;
}

/** Whether the sender of a turn can be acted for, and as whom. */
export type SessionResult =
  | {
      readonly ok: true;
      readonly delegation: Delegation;
      readonly upn?: string;
      /** Who the delegation acts as; set by every production session. Absent only in local mode, where the Teams caller acts. */
      readonly identity?: SessionIdentity;
    }
  | { readonly ok: false; readonly reason: 'signInRequired' | 'signInUnavailable' }
  | AccountMismatch;

/** Who is acting: the signed-in analyst in production, nobody in particular in local mode. */
export interface UserSessions {
  /** The sender's delegation, from the token service (with a magic code when one was typed or sent); only ever for the sender's own account. */
  open(context: TurnContext, magicCode?: string): Promise<SessionResult>;
  /** Sends a sign-in card: silent SSO in personal and group chats, a sign-in button in channels. */
  promptSignIn(context: TurnContext, text: string): Promise<void>;
  /** The token service's sign-in link for the sender, for answers that carry a link instead of a card (a message action's `auth`); undefined when no sign-in exists. */
  signInLink(context: TurnContext): Promise<string | undefined>;
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

  async signInLink(): Promise<undefined> {
    return undefined;
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

  /** The token is used only when its `oid` and `tid` are the Teams caller's; any other token is signed out and refused. */
  async open(context: TurnContext, magicCode?: string): Promise<SessionResult> {
    const { activity } = context;
    const refused = context.turnState.get<AccountMismatch>(MISMATCH_KEY);
    if (refused) return refused;
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
    const caller = callerOf(activity);
    if (!identity.oid || !identity.tid || !sameId(identity.oid, caller.aadObjectId) || !sameId(identity.tid, caller.tenantId)) {
      return this.refuse(context, identity, { name: caller.name, oid: caller.aadObjectId, tid: caller.tenantId });
    }
    return { ok: true, delegation: this.delegations.forUser(token), upn: identity.upn, identity: { ...identity, oid: identity.oid, tid: identity.tid } };
  }

  /** Signs out a token that is not the caller's, so that neither this turn nor a later one acts on it. */
  private async refuse(context: TurnContext, signedInAs: Partial<SessionIdentity>, expected: AccountMismatch['expected']): Promise<AccountMismatch> {
    const { activity } = context;
    const signedOut = await this.signOut(context).then(
      () => true,
      (error: unknown) => {
        this.logger.warn({ activityId: activity.id, err: errorFields(error) }, 'Could not sign out a token of another account');
        return false;
      },
    );
    this.logger.warn(
      { activityId: activity.id, tokenOid: signedInAs.oid, tokenTenant: signedInAs.tid, callerOid: expected.oid, callerTenant: expected.tid, signedOut },
      'User token belongs to another account than the Teams caller',
    );
    const refused: AccountMismatch = { ok: false, reason: 'accountMismatch', signedInAs, expected, signedOut };
    context.turnState.set(MISMATCH_KEY, refused);
    return refused;
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

  async signInLink(context: TurnContext): Promise<string | undefined> {
    const resource = await this.client(context).getSignInResource(this.connectionName, context.activity, '');
    return resource.signInLink;
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
