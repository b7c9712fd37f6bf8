import { TeamsSSOTokenExchangeMiddleware, TestAdapter, type Storage } from 'botbuilder';
import { StoreBackedStorage } from '../../src/bot/store-backed-storage';
import { BlobStore } from '../../src/storage/blob-store';
import { freshContainer, startAzurite, type Azurite } from './azurite';

const CONNECTION = 'sso';
const USER = 'user-1';
const EXCHANGEABLE = 'exchangeable-token';

let azurite: Azurite;
beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite?.stop();
});

/** One bot instance: the SSO middleware over `storage`, recording which exchanges reach the bot. */
function botInstance(storage: Storage, reached: string[]) {
  const adapter = new TestAdapter(async (context) => {
    reached.push((context.activity.value as { id: string }).id);
  });
  adapter.use(new TeamsSSOTokenExchangeMiddleware(storage, CONNECTION));
  adapter.addExchangeableToken(CONNECTION, 'msteams', USER, EXCHANGEABLE, 'exchanged-token');
  return (exchangeId: string) =>
    adapter.processActivity({
      type: 'invoke',
      name: 'signin/tokenExchange',
      channelId: 'msteams',
      from: { id: USER, name: 'Ana' },
      conversation: { id: 'conv-1' } as never,
      value: { id: exchangeId, connectionName: CONNECTION, token: EXCHANGEABLE },
    });
}

describe('TeamsSSOTokenExchangeMiddleware de-duplication', () => {
  it('over StoreBackedStorage on BlobStore lets exactly one of the copies that reach three instances through', async () => {
    const fresh = await freshContainer(azurite.connectionString);
    try {
      const reached: string[] = [];
      const instances = [fresh.container, fresh.reconnect(), fresh.reconnect()].map((container) => botInstance(new StoreBackedStorage(new BlobStore(container)), reached));
      await Promise.all(instances.flatMap((send) => [send('exchange-1'), send('exchange-1')]));
      await Promise.all(instances.map((send) => send('exchange-2')));
      expect(reached.sort()).toEqual(['exchange-1', 'exchange-2']);
    } finally {
      await fresh.remove();
    }
  });
});
