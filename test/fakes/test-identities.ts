import type { FakeEntra } from './fake-entra';

/** The tenant of the fakes' own tests. */
export const TENANT = '72f988bf-0000-4000-8000-000000000001';
/** The bot's app id in the fakes' own tests. */
export const BOT_ID = 'b0b0b0b0-0000-4000-8000-000000000002';
/** The bot's client secret in the fakes' own tests. */
export const BOT_SECRET = 'bot-secret-value';
/** The signed-in analyst's object id in the fakes' own tests. */
export const USER_OID = 'a11ce000-0000-4000-8000-000000000003';

/** @azure/identity options that point a credential at a FakeEntra. */
export function identityOptions(entra: FakeEntra): { authorityHost: string; disableInstanceDiscovery: true } {
  return { authorityHost: entra.url, disableInstanceDiscovery: true };
}
