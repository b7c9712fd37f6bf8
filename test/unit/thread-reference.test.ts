import type { Activity } from 'botbuilder';
import { threadReference } from '../../src/bot/thread-reference';

const base = {
  serviceUrl: 'https://smba.example/',
  channelId: 'msteams',
  from: { id: '29:ana', name: 'Ana', aadObjectId: 'oid-ana' },
  recipient: { id: '28:bot', name: 'Bot' },
  channelData: { tenant: { id: 't1' } },
};
const activity = (extra: Partial<Activity>): Activity => ({ ...base, type: 'message', id: '1700', ...extra }) as Activity;

describe('the thread a follow-up is posted in', () => {
  it.each([
    ['a post at a channel root starts its own thread', { conversation: { id: '19:soc@thread.tacv2', conversationType: 'channel' } }, '19:soc@thread.tacv2;messageid=1700'],
    ['a reply in a thread stays in it', { conversation: { id: '19:soc@thread.tacv2;messageid=1600', conversationType: 'channel' } }, '19:soc@thread.tacv2;messageid=1600'],
    [
      'a button pressed on a card at a channel root threads under that card',
      { type: 'invoke', id: 'f:1', replyToId: '1650', conversation: { id: '19:soc@thread.tacv2', conversationType: 'channel' } },
      '19:soc@thread.tacv2;messageid=1650',
    ],
    ['a 1:1 chat is the chat', { conversation: { id: 'a:1personal', conversationType: 'personal' } }, 'a:1personal'],
    ['a group chat is the chat', { conversation: { id: '19:group@thread.v2', conversationType: 'groupChat', isGroup: true } }, '19:group@thread.v2'],
  ] as const)('%s', (_name, extra, id) => {
    const reference = threadReference(activity(extra as Partial<Activity>));
    expect(reference.conversation).toMatchObject({ id, tenantId: 't1' });
    expect(reference.activityId).toBeUndefined();
    expect(reference.user).toMatchObject({ id: '29:ana', aadObjectId: 'oid-ana' });
  });
});
