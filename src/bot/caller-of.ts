import type { Activity } from 'botbuilder';
import type { Caller } from '../domain/caller';
import type { SessionIdentity } from './user-sessions';

/** The caller as the channel identifies them; never taken from message text or card data. */
export function callerOf(activity: Activity): Caller {
  const channelData = (activity.channelData ?? {}) as { tenant?: { id?: string } };
  return {
    userId: activity.from?.id ?? '',
    aadObjectId: activity.from?.aadObjectId,
    name: activity.from?.name?.trim() || 'Unknown user',
    tenantId: channelData.tenant?.id ?? activity.conversation?.tenantId,
  };
}

/** Whether two Entra ids (object or tenant ids) are the same; an absent id matches nothing. */
export function sameId(a: string | undefined, b: string | undefined): boolean {
  return !!a && !!b && a.toLowerCase() === b.toLowerCase();
}

/** The caller as a session bound them: the token's object id and tenant (and UPN) replace what the channel said. */
export function boundCaller(teams: Caller, identity: SessionIdentity | undefined): Caller {
  if (!identity) return teams;
  return { ...teams, aadObjectId: identity.oid, tenantId: identity.tid, ...(identity.upn ? { upn: identity.upn } : {}) };
}
