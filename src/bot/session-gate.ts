import { TurnContext, type ConversationReference } from 'botbuilder';
import type { Caller } from '../domain/caller';
import type { Delegation, Logger, Store } from '../domain/ports';
import type { Reply } from '../cards/render';
import {
  pendingDroppedReply,
  signedInReply,
  signInFailedReply,
  signInUnavailableReply,
  tenantMismatchReply,
} from '../cards/session-views';
import type { BackgroundWork } from './background-work';
import { continuationFrom, type Continuation, type Proactive } from './continuation';
import { pendingKey } from './pending-commands';
import { send } from './send';
import type { SessionResult, UserSessions } from './user-sessions';

/** Work that needs the analyst's delegation, as plain data (so any bot instance can resume it). */
export interface Work {
  /** For logs and the prompts, e.g. "block of SHA-1 7327…". */
  readonly describe: string;
  readonly payload: unknown;
}

/** Runs Work as the analyst; answers go through the continuation of the conversation it came from. */
export interface WorkRunner {
  run(work: Work, caller: Caller, delegation: Delegation, continuation: Continuation): Promise<void>;
}

/** Work waiting for its sender to sign in, kept in the store. */
interface Waiting {
  readonly work: Work;
  readonly caller: Caller;
  readonly reference: Partial<ConversationReference>;
  readonly until: string;
}

const key = (context: TurnContext) => `pending/${pendingKey(context.activity.conversation?.id, context.activity.from?.id)}`;

/**
 * Runs work as the signed-in analyst, or keeps it in the store until sign-in completes; whichever
 * bot instance receives the sign-in runs it, exactly once, and expired waits are dropped with a word.
 */
export class SessionGate {
  private runner?: WorkRunner;

  constructor(
    private readonly d: {
      readonly sessions: UserSessions;
      readonly store: Store;
      readonly background: BackgroundWork;
      readonly proactive: Proactive;
      readonly logger: Logger;
      readonly timeoutMs: number;
      readonly now: () => Date;
    },
  ) {}

  /** Who runs the work (set once the command runner exists). */
  use(runner: WorkRunner): void {
    this.runner = runner;
  }

  /** Starts `work` as the sender if signed in; otherwise asks them to sign in and keeps it. */
  async run(context: TurnContext, work: Work, caller: Caller, signInText: string): Promise<'started' | 'waiting' | 'refused'> {
    const reference = TurnContext.getConversationReference(context.activity);
    const session = await this.d.sessions.open(context);
    if (session.ok) {
      this.start(work, caller, session.delegation, reference);
      return 'started';
    }
    if (session.reason === 'signInRequired') {
      await this.keep(context, work, caller, reference);
      await this.d.sessions.promptSignIn(context, signInText);
      return 'waiting';
    }
    await send(context, sessionFailureReply(session));
    return 'refused';
  }

  /** The sender's delegation now, or undefined after telling them why not (card actions: no waiting). */
  async now(context: TurnContext, signInText: string): Promise<Delegation | undefined> {
    const session = await this.d.sessions.open(context);
    if (session.ok) return session.delegation;
    if (session.reason === 'signInRequired') await this.d.sessions.promptSignIn(context, signInText);
    else await send(context, sessionFailureReply(session));
    return undefined;
  }

  /** Keeps `work` again and asks for a fresh sign-in (Entra wanted MFA, consent or a new grant). */
  async again(context: TurnContext, work: Work, caller: Caller, reference: Partial<ConversationReference>, text: string): Promise<void> {
    await this.d.sessions.signOut(context);
    await this.keep(context, work, caller, reference);
    await this.d.sessions.promptSignIn(context, text);
  }

  /** A sign-in finished (SSO exchange, sign-in button or magic code): run what was waiting for it. */
  async complete(context: TurnContext, magicCode?: string): Promise<void> {
    const session = await this.d.sessions.open(context, magicCode);
    if (!session.ok) {
      await send(context, session.reason === 'signInRequired' ? signInFailedReply() : sessionFailureReply(session));
      return;
    }
    const waiting = await this.take(key(context));
    this.d.logger.info({ activityId: context.activity.id, user: context.activity.from?.aadObjectId, resumed: waiting?.work.describe }, 'Sign-in completed');
    if (waiting) this.start(waiting.work, waiting.caller, session.delegation, waiting.reference);
    else await send(context, signedInReply(session.upn));
  }

  /** Forgets what waits for sign-in for this sender (sign out). */
  async forget(context: TurnContext): Promise<void> {
    await this.d.store.delete(key(context));
  }

  /** Drops waits past their time (each once, whichever instance sweeps), telling their senders. */
  async sweep(): Promise<number> {
    const now = this.d.now().getTime();
    let dropped = 0;
    for (const entry of await this.d.store.list<Waiting>('pending/')) {
      if (Date.parse(entry.value.until) > now) continue;
      const taken = await this.d.store.delete(entry.key, { ifMatch: entry.etag });
      if (!taken.ok) continue;
      dropped++;
      this.d.logger.info({ work: entry.value.work.describe }, 'Pending work dropped: sign-in did not complete');
      await continuationFrom(this.d.proactive, entry.value.reference)((context) =>
        send(context, pendingDroppedReply(entry.value.work.describe, this.d.timeoutMs)).then(() => undefined),
      ).catch((error: unknown) => this.d.logger.warn({ err: { message: (error as Error).message } }, 'Could not tell about dropped work'));
    }
    return dropped;
  }

  private async keep(context: TurnContext, work: Work, caller: Caller, reference: Partial<ConversationReference>): Promise<void> {
    const waiting: Waiting = { work, caller, reference, until: new Date(this.d.now().getTime() + this.d.timeoutMs).toISOString() };
    await this.d.store.put(key(context), waiting, { ttlMs: this.d.timeoutMs + 24 * 60 * 60 * 1000 });
  }

  private async take(k: string): Promise<Waiting | undefined> {
    const stored = await this.d.store.get<Waiting>(k);
    if (!stored || Date.parse(stored.value.until) <= this.d.now().getTime()) return undefined;
    const taken = await this.d.store.delete(k, { ifMatch: stored.etag });
    return taken.ok ? stored.value : undefined;
  }

  private start(work: Work, caller: Caller, delegation: Delegation, reference: Partial<ConversationReference>): void {
    const runner = this.runner;
    if (!runner) throw new Error('SessionGate has no runner.');
    this.d.background.run(work.describe, () => runner.run(work, caller, delegation, continuationFrom(this.d.proactive, reference)));
  }
}

/** The answer when a session cannot be opened for a reason other than "not signed in yet". */
export function sessionFailureReply(session: Extract<SessionResult, { ok: false }>): Reply {
  switch (session.reason) {
    case 'tenantMismatch':
      return tenantMismatchReply();
    case 'signInUnavailable':
      return signInUnavailableReply();
    case 'signInRequired':
      return signInFailedReply();
  }
}
