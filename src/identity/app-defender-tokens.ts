import { ClientSecretCredential } from '@azure/identity';
import type { Caller } from '../domain/caller';
import type { DefenderTokens, TokenSource } from '../domain/ports';
import { TokenError } from '../errors';

/** Settings for the bot's own (application) identity. */
export interface AppIdentity {
  readonly authorityHost: string;
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
}

/** Defender tokens from the bot's own identity (client credentials); one credential, MSAL caches the token. */
export class AppDefenderTokens implements DefenderTokens {
  private readonly credential: ClientSecretCredential;

  constructor(identity: AppIdentity, private readonly scope: string) {
    this.credential = new ClientSecretCredential(identity.tenantId, identity.clientId, identity.clientSecret, {
      authorityHost: identity.authorityHost,
      disableInstanceDiscovery: true,
    });
  }

  forCaller(_caller: Caller): TokenSource {
    return async () => {
      try {
        const token = await this.credential.getToken(this.scope);
        return token.token;
      } catch (error) {
        throw new TokenError('unavailable', 'The bot could not get a token for Defender.', { cause: error });
      }
    };
  }
}

/** Local mode: the simulator needs no token, so asking for one is a wiring mistake. */
export class NoDefenderTokens implements DefenderTokens {
  forCaller(_caller: Caller): TokenSource {
    return async () => {
      throw new TokenError('unavailable', 'Local mode has no Defender tokens; only the simulator may be used.');
    };
  }
}
