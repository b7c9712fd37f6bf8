import { ActivityTypes, TurnContext, type ConversationReference } from 'botbuilder';
import type { Caller } from '../domain/caller';
import type { Delegation, Logger, Store } from '../domain/ports';
import { StoreKey, StorePrefix } from '../domain/store-keys';
import { errorFields } from '../errors';
import type { Reply } from '../cards/render';
import { accountMismatchReply, pendingDroppedReply, signedInReply, signInFailedReply, signInUnavailableReply } from '../cards/session-views';
import { boundCaller, callerOf, sameId } from './caller-of';
import type { BackgroundWork } from './background-work';
import { continuationFrom, turnFirst, type Continuation, type Proactive } from './continuation';
import { within } from './deadline';
import { send } from './send';
import { threadReference } from './thread-reference';
import { turnErrorLines } from './adapter';
import { noticeReply } from '../cards/notice';
import type { SessionIdentity, SessionResult, UserSessions } from './user-sessions';
import type { RunsWork, Work, WorkResult } from './work-runner';

/** Work waiting for its sender to sign in, kept in the store. */
interface Waiting {
  readonly work: Work;
  readonly caller: Caller;
  readonly reference: Partial<ConversationReference>;
  /** The thread the work was asked in (absent in waits stored before it was kept). */
  readonly thread?: Partial<ConversationReference>;
  readonly until: string;
}

/** A session opened now: the delegation and the caller bound to its token (who acts, for roles, four eyes and the audit trail). */
export interface OpenSession {
  readonly delegation: Delegation;
  readonly caller: Caller;
}

const key = (context: TurnContext) => StoreKey.pending(context.activity.conversation?.id, context.activity.from?.id);

/** Work that has not answered by then shows "typing" (a fast answer needs no indicator, nor its extra HTTP call). */
const TYPING_AFTER_MS = 800;

/**
 * Work that answers this fast answers within the incoming turn (cheaper than a proactive send);
 * slower work answers after the turn, long before Teams would re-send the activity (15 s).
 */
const ANSWER_IN_TURN_MS = 2000;

/** What the sign-in gate uses. */
export interface SessionGateDeps {
  readonly sessions: UserSessions;
  readonly store: Store;
  readonly background: BackgroundWork;
  readonly proactive: Proactive;
  readonly runner: RunsWork;
  readonly logger: Logger;
  /** How long work waits for its sender to sign in. */
  readonly timeoutMs: number;
  readonly now: () => Date;
}

/**
 * Runs work as the signed-in analyst, or keeps it in the store until sign-in completes; whichever
 * bot instance receives the sign-in runs it, exactly once, and expired waits are dropped with a word.
 */
export class SessionGate {
  constructor(private readonly deps: SessionGateDeps) {}

  /** Starts `work` as the sender if signed in (bound to the token's account); otherwise asks them to sign in and keeps it. */
  async run(context: TurnContext, work: Work, caller: Caller, signInText: string): Promise<'started' | 'waiting' | 'refused'> {
    const reference = TurnContext.getConversationReference(context.activity);
    const session = await this.deps.sessions.open(context);
    if (session.ok) {
      const turn = turnFirst(context, continuationFrom(this.deps.proactive, reference));
      await within(this.start(bound(work, caller, session.identity), session.delegation, reference, turn.continuation, threadReference(context.activity)), ANSWER_IN_TURN_MS);
      await turn.close();
      return 'started';
    }
    if (session.reason === 'signInRequired') {
      await this.keep(context, work, caller, reference);
      await this.deps.sessions.promptSignIn(context, signInText);
      return 'waiting';
    }
    await send(context, sessionFailureReply(session));
    return 'refused';
  }

  /** The sender's delegation and bound caller now, or undefined after telling them why not (card actions: no waiting). */
  async now(context: TurnContext, signInText: string): Promise<OpenSession | undefined> {
    const session = await this.deps.sessions.open(context);
    if (session.ok) return { delegation: session.delegation, caller: boundCaller(callerOf(context.activity), session.identity) };
    if (session.reason === 'signInRequired') await this.deps.sessions.promptSignIn(context, signInText);
    else await send(context, sessionFailureReply(session));
    return undefined;
  }

  /** Asks for a fresh sign-in after Entra refused the token (MFA, consent, a revoked grant); a card press is simply pressed again afterwards. */
  async renew(context: TurnContext, text: string): Promise<void> {
    // The press is already answered: a token service that fails here must not turn that answer into an error.
    try {
      await this.deps.sessions.signOut(context);
      await this.deps.sessions.promptSignIn(context, text);
    } catch (error) {
      this.deps.logger.warn({ activityId: context.activity.id, err: errorFields(error) }, 'Could not ask for a fresh sign-in');
    }
  }

  /** A sign-in finished (SSO exchange, sign-in button or magic code): run what was waiting for it. */
  async complete(context: TurnContext, magicCode?: string): Promise<void> {
    const session = await this.deps.sessions.open(context, magicCode);
    if (!session.ok) {
      // A sign-in as another account drops what waited for it: it never runs on a sign-in that was refused.
      const dropped = session.reason === 'accountMismatch' ? await this.take(key(context)) : undefined;
      await send(context, session.reason === 'signInRequired' ? signInFailedReply() : sessionFailureReply(session, dropped?.work.describe));
      return;
    }
    const waiting = await this.take(key(context));
    this.deps.logger.info(
      { activityId: context.activity.id, user: session.identity?.oid ?? context.activity.from?.aadObjectId, resumed: waiting?.work.describe },
      'Sign-in completed',
    );
    if (waiting && !waitedFor(waiting.caller, session.identity)) {
      this.deps.logger.warn({ activityId: context.activity.id, work: waiting.work.describe }, 'Pending work dropped: it was kept for another account');
      await send(context, signedInReply(session.upn));
    } else if (waiting)
      void this.start(bound(waiting.work, waiting.caller, session.identity), session.delegation, waiting.reference, undefined, waiting.thread ?? waiting.reference);
    else await send(context, signedInReply(session.upn));
  }

  /** Forgets what waits for sign-in for this sender (sign out). */
  async forget(context: TurnContext): Promise<void> {
    await this.deps.store.delete(key(context));
  }

  /** Drops waits past their time (each once, whichever instance sweeps), telling their senders. */
  async sweep(): Promise<number> {
    const now = this.deps.now().getTime();
    let dropped = 0;
    for (const entry of await this.deps.store.list<Waiting>(StorePrefix.pending)) {
      if (Date.parse(entry.value.until) > now) continue;
      const taken = await this.deps.store.delete(entry.key, { ifMatch: entry.etag });
      if (!taken.ok) continue;
      dropped++;
      this.deps.logger.info({ work: entry.value.work.describe }, 'Pending work dropped: sign-in did not complete');
      await continuationFrom(
        this.deps.proactive,
        entry.value.reference,
      )((context) => send(context, pendingDroppedReply(entry.value.work.describe, this.deps.timeoutMs)).then(() => undefined)).catch((error: unknown) =>
        this.deps.logger.warn({ err: errorFields(error) }, 'Could not tell about dropped work'),
      );
    }
    return dropped;
  }

  private async keep(context: TurnContext, work: Work, caller: Caller, reference: Partial<ConversationReference>): Promise<void> {
    const waiting: Waiting = { work, caller, reference, thread: threadReference(context.activity), until: new Date(this.deps.now().getTime() + this.deps.timeoutMs).toISOString() };
    await this.deps.store.put(key(context), waiting, { ttlMs: this.deps.timeoutMs + 24 * 60 * 60 * 1000 });
  }

  private async take(k: string): Promise<Waiting | undefined> {
    const stored = await this.deps.store.get<Waiting>(k);
    if (!stored || Date.parse(stored.value.until) <= this.deps.now().getTime()) return undefined;
    const taken = await this.deps.store.delete(k, { ifMatch: stored.etag });
    return taken.ok ? stored.value : undefined;
  }

  /** Runs work as the caller bound to the session. */
  private start(
    { work, caller }: Bound,
    delegation: Delegation,
    reference: Partial<ConversationReference>,
    continuation: Continuation = continuationFrom(this.deps.proactive, reference),
    where: Partial<ConversationReference> = reference,
  ): Promise<void> {
    return this.deps.background.run(work.describe, async () => {
      const typing = setTimeout(() => {
        continuation((context) => context.sendActivity({ type: ActivityTypes.Typing }).then(() => undefined)).catch(() => undefined);
      }, TYPING_AFTER_MS);
      const result: WorkResult = await this.deps.runner.run(work, caller, delegation, continuation, where).catch(async (error: unknown) => {
        // Work runs after Teams got its answer: an unexpected failure must still reach the user (the outcome is unknown).
        this.deps.logger.error({ work: work.describe, err: errorFields(error) }, 'Work failed unexpectedly');
        await continuation((context) => send(context, noticeReply('Something went wrong', turnErrorLines({ text: work.describe }))).then(() => undefined)).catch(() => undefined);
        return {};
      });
      clearTimeout(typing);
      const text = result.signInAgain;
      if (text) await continuation((context) => this.again(context, work, caller, reference, text));
    });
  }

  /** Keeps `work` again and asks for a fresh sign-in (Entra wanted MFA, consent or a new grant). */
  private async again(context: TurnContext, work: Work, caller: Caller, reference: Partial<ConversationReference>, text: string): Promise<void> {
    await this.deps.sessions.signOut(context);
    await this.keep(context, work, caller, reference);
    await this.deps.sessions.promptSignIn(context, text);
  }
}

/** The answer when a session cannot be opened for a reason other than "not signed in yet". */
export function sessionFailureReply(session: Extract<SessionResult, { ok: false }>, dropped?: string): Reply {
  switch (session.reason) {
    case 'accountMismatch':
      return accountMismatchReply({
        signedInAs: session.signedInAs.upn ?? session.signedInAs.name,
        teamsAccount: session.expected.name,
        otherTenant: !!session.signedInAs.tid && !sameId(session.signedInAs.tid, session.expected.tid),
        signedOut: session.signedOut,
        dropped,
      });
    case 'signInUnavailable':
      return signInUnavailableReply();
    case 'signInRequired':
      return signInFailedReply();
  }
}

/** Whether work kept for `caller` may run on a session of `identity` (the same Entra account, when the caller had one). */
function waitedFor(caller: Caller, identity: SessionIdentity | undefined): boolean {
  return !identity || !caller.aadObjectId || sameId(caller.aadObjectId, identity.oid);
}

/** Work and who runs it, once bound to a session. */
interface Bound {
  readonly work: Work;
  readonly caller: Caller;
}

/** Binds work and its caller to the session's account: the token's object id and tenant act, for roles, four eyes and the audit trail. */
function bound(work: Work, caller: Caller, identity: SessionIdentity | undefined): Bound {
  if (!identity) return { work, caller };
  const as = boundCaller(caller, identity);
  return { work: actingAs(work, as), caller: as };
}

/** The work with the caller it carries (a block request's, a bulk job's) replaced by the bound caller. */
function actingAs(work: Work, caller: Caller): Work {
  const payload = work.payload;
  switch (payload.kind) {
    case 'block':
      return { ...work, payload: { ...payload, request: { ...payload.request, caller } } };
    case 'bulk-block':
      return { ...work, payload: { ...payload, spec: { ...payload.spec, caller } } };
    case 'unblock':
    case 'contain':
    case 'status':
    case 'history':
    case 'export':
      return work;
  }
}
