import { createHash } from 'node:crypto';
import { OnBehalfOfCredential, type AccessToken } from '@azure/identity';
import type { Delegation, Delegations, TokenSource, TokenIdentity } from '../domain/ports';
import { decodeJwtClaims, identityFromToken } from './jwt-claims';
import { mapTokenError } from './token-error-mapping';

/** The bot's app registration, as used for on-behalf-of. */
export interface OboSettings {
  readonly authorityHost: string;
  readonly clientId: string;
  readonly clientSecret?: string;
  readonly certificatePath?: string;
  /** Used when the user token carries no `tid`. */
  readonly defaultTenantId: string;
  readonly graphScope: string;
  readonly defenderScope: string;
  /** Most credentials kept at once (one per distinct user token). */
  readonly maxCached?: number;
}

interface Cached {
  readonly credential: OnBehalfOfCredential;
  readonly expiresAt: number;
  /** Access tokens per scope. MSAL's own OBO cache misses for `.default` scopes, whose answer
   * names the granted permissions instead, so without this every command would exchange again. */
  readonly tokens: Map<string, Promise<AccessToken>>;
}

/** Tokens are renewed this long before they expire. */
const RENEW_BEFORE_MS = 5 * 60 * 1000;

/**
 * On-behalf-of through @azure/identity: one credential per user token, and its access tokens
 * reused per scope until shortly before they expire.
 */
export class OnBehalfOfDelegations implements Delegations {
  private readonly cache = new Map<string, Cached>();

  constructor(
    private readonly settings: OboSettings,
    private readonly now: () => number = Date.now,
  ) {}

  identityOf(userAssertion: string): TokenIdentity | undefined {
    return identityFromToken(userAssertion);
  }

  forUser(userAssertion: string): Delegation {
    const entry = this.entryFor(userAssertion);
    return {
      graph: this.source(entry, this.settings.graphScope),
      defender: this.source(entry, this.settings.defenderScope),
    };
  }

  private source(entry: Cached, scope: string): TokenSource {
    return async () => {
      const cached = entry.tokens.get(scope);
      if (cached) {
        const token = await cached.catch(() => undefined);
        if (token && token.expiresOnTimestamp - RENEW_BEFORE_MS > this.now()) return token.token;
        if (entry.tokens.get(scope) === cached) entry.tokens.delete(scope);
      }
      const pending = entry.credential.getToken(scope).then((token) => {
        if (!token) throw new Error('No token returned.');
        return token;
      });
      entry.tokens.set(scope, pending);
      try {
        return (await pending).token;
      } catch (error) {
        entry.tokens.delete(scope);
        throw mapTokenError(error);
      }
    };
  }

  private entryFor(assertion: string): Cached {
    const key = createHash('sha256').update(assertion).digest('base64url');
    const now = this.now();
    const hit = this.cache.get(key);
    if (hit && hit.expiresAt > now) {
      this.cache.delete(key);
      this.cache.set(key, hit);
      return hit;
    }
    const claims = decodeJwtClaims(assertion) ?? {};
    const tenantId = typeof claims.tid === 'string' ? claims.tid : this.settings.defaultTenantId;
    const exp = typeof claims.exp === 'number' ? claims.exp * 1000 : now + 60 * 60 * 1000;
    const s = this.settings;
    const base = { tenantId, clientId: s.clientId, userAssertionToken: assertion, authorityHost: s.authorityHost, disableInstanceDiscovery: true };
    const credential = s.certificatePath
      ? new OnBehalfOfCredential({ ...base, certificatePath: s.certificatePath })
      : new OnBehalfOfCredential({ ...base, clientSecret: s.clientSecret ?? '' });
    const entry: Cached = { credential, expiresAt: exp, tokens: new Map() };
    this.cache.set(key, entry);
    this.evict(now);
    return entry;
  }

  private evict(now: number): void {
    for (const [key, entry] of this.cache) {
      if (entry.expiresAt <= now) this.cache.delete(key);
    }
    const max = this.settings.maxCached ?? 5000;
    for (const key of this.cache.keys()) {
      if (this.cache.size <= max) break;
      this.cache.delete(key);
    }
  }
}
