import type { TurnContext } from 'botbuilder';
import type { Delegation, Logger } from '../domain/ports';
import type { Reply } from '../cards/render';
import {
  pendingDroppedReply,
  signedInReply,
  signInFailedReply,
  signInUnavailableReply,
  tenantMismatchReply,
} from '../cards/session-views';
import type { BackgroundWork } from './background-work';
import type { Continuation, PrepareContinuation } from './continuation';
import { PendingCommands, pendingKey } from './pending-commands';
import { send } from './send';
import type { SessionResult, UserSessions } from './user-sessions';

/** Work that needs the analyst's delegation; runs in the background and answers through its continuation. */
export interface Job {
  /** For logs and the "dropped" message, e.g. "block of SHA-1 7327…". */
  readonly describe: string;
  run(delegation: Delegation, continuation: Continuation): Promise<void>;
}

interface Waiting {
  readonly job: Job;
  readonly continuation: Continuation;
}

/** Runs jobs as the signed-in analyst, or keeps them until sign-in completes (or drops them after a while). */
export class SessionGate {
  private readonly pending: PendingCommands<Waiting>;

  constructor(
    private readonly sessions: UserSessions,
    private readonly background: BackgroundWork,
    private readonly continuationFor: PrepareContinuation,
    private readonly logger: Logger,
    timeoutMs: number,
  ) {
    this.pending = new PendingCommands(timeoutMs, (dropped) => {
      logger.info({ job: dropped.job.describe }, 'Pending job dropped: sign-in did not complete');
      background.run('sign-in-expired', () => dropped.continuation((context) => send(context, pendingDroppedReply(dropped.job.describe, timeoutMs)).then(() => undefined)));
    });
  }

  /** Starts `job` as the sender if they are signed in; otherwise asks them to sign in and keeps it. */
  async run(context: TurnContext, job: Job, signInText: string): Promise<'started' | 'waiting' | 'refused'> {
    const continuation = this.continuationFor(context);
    const session = await this.sessions.open(context);
    if (session.ok) {
      this.start(job, session.delegation, continuation);
      return 'started';
    }
    if (session.reason === 'signInRequired') {
      this.pending.put(keyOf(context), { job, continuation });
      await this.sessions.promptSignIn(context, signInText);
      return 'waiting';
    }
    await send(context, sessionFailureReply(session));
    return 'refused';
  }

  /** The sender's delegation now, or undefined after telling them why not (card actions: no waiting). */
  async now(context: TurnContext, signInText: string): Promise<Delegation | undefined> {
    const session = await this.sessions.open(context);
    if (session.ok) return session.delegation;
    if (session.reason === 'signInRequired') await this.sessions.promptSignIn(context, signInText);
    else await send(context, sessionFailureReply(session));
    return undefined;
  }

  /** Keeps `job` again and asks for a fresh sign-in (Entra wanted MFA, consent or a new grant). */
  async again(context: TurnContext, job: Job, continuation: Continuation, text: string): Promise<void> {
    await this.sessions.signOut(context);
    this.pending.put(keyOf(context), { job, continuation });
    await this.sessions.promptSignIn(context, text);
  }

  /** A sign-in finished (SSO exchange, sign-in button or magic code): run what was waiting for it. */
  async complete(context: TurnContext, magicCode?: string): Promise<void> {
    const session = await this.sessions.open(context, magicCode);
    if (!session.ok) {
      await send(context, session.reason === 'signInRequired' ? signInFailedReply() : sessionFailureReply(session));
      return;
    }
    const waiting = this.pending.take(keyOf(context));
    this.logger.info({ activityId: context.activity.id, user: context.activity.from?.aadObjectId, resumed: waiting?.job.describe }, 'Sign-in completed');
    if (waiting) this.start(waiting.job, session.delegation, waiting.continuation);
    else await send(context, signedInReply(session.upn));
  }

  /** Forgets what waits for sign-in for this sender (sign out). */
  forget(context: TurnContext): void {
    this.pending.take(keyOf(context));
  }

  /** Drops everything waiting (shutdown). */
  dispose(): void {
    this.pending.clear();
  }

  private start(job: Job, delegation: Delegation, continuation: Continuation): void {
    this.background.run(job.describe, () => job.run(delegation, continuation));
  }
}

function keyOf(context: TurnContext): string {
  return pendingKey(context.activity.conversation?.id, context.activity.from?.id);
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
