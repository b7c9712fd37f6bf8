import type { Activity } from 'botbuilder';
import type { Caller } from '../domain/caller';

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
