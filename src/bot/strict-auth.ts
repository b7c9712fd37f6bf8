import {
  AuthenticationConstants,
  AuthenticationError,
  BotFrameworkAuthentication,
  ConnectorFactory,
  type ConnectorClient,
  type AuthenticateRequestResult,
  type BotFrameworkClient,
  type ClaimsIdentity,
  type UserTokenClient,
} from 'botframework-connector';
import { StatusCodes, type Activity } from 'botbuilder';

/** Connector clients kept for reuse, at most this many (one per app id, service URL and audience in practice). */
const MAX_CLIENTS = 64;

/**
 * Delegates to botbuilder's authentication but answers 401 for every rejected token, and reuses
 * connector and user-token clients across turns (botbuilder builds a new client and HTTP pipeline
 * for every turn otherwise, which costs more than the bot's own work on a command). botbuilder
 * lets a bad signature or an expired token escape as a raw JsonWebTokenError, which CloudAdapter
 * turns into a 500; a forged request must be told it is unauthorized, not that the bot broke.
 */
export class StrictBotFrameworkAuthentication extends BotFrameworkAuthentication {
  private readonly connectors = new Map<string, Promise<ConnectorClient>>();
  private readonly userTokenClients = new Map<string, Promise<UserTokenClient>>();

  constructor(private readonly inner: BotFrameworkAuthentication) {
    super();
  }

  async authenticateRequest(activity: Activity, authHeader: string): Promise<AuthenticateRequestResult> {
    const result = await unauthorizedOnTokenError(() => this.inner.authenticateRequest(activity, authHeader));
    // The inbound turn's connector factory comes with the result, not from createConnectorFactory: reuse its clients too.
    return result.connectorFactory ? { ...result, connectorFactory: this.reusing(result.claimsIdentity, result.connectorFactory) } : result;
  }

  authenticateStreamingRequest(authHeader: string, channelIdHeader: string): Promise<AuthenticateRequestResult> {
    return unauthorizedOnTokenError(() => this.inner.authenticateStreamingRequest(authHeader, channelIdHeader));
  }

  override authenticateChannelRequest(authHeader: string): Promise<ClaimsIdentity> {
    return unauthorizedOnTokenError(() => this.inner.authenticateChannelRequest(authHeader));
  }

  createConnectorFactory(claimsIdentity: ClaimsIdentity): ConnectorFactory {
    return this.reusing(claimsIdentity, this.inner.createConnectorFactory(claimsIdentity));
  }

  createUserTokenClient(claimsIdentity: ClaimsIdentity): Promise<UserTokenClient> {
    const appId = signingAppId(claimsIdentity);
    return reuse(this.userTokenClients, appId, () => this.inner.createUserTokenClient(claimsIdentity));
  }

  /** A factory handing out the kept client per app id, service URL and audience, made by `inner` the first time. */
  private reusing(claimsIdentity: ClaimsIdentity, inner: ConnectorFactory): ConnectorFactory {
    const appId = signingAppId(claimsIdentity);
    return new ReusingConnectorFactory((serviceUrl, audience) => reuse(this.connectors, `${appId}|${serviceUrl}|${audience ?? ''}`, () => inner.create(serviceUrl, audience)));
  }

  override createBotFrameworkClient(): BotFrameworkClient {
    return this.inner.createBotFrameworkClient();
  }

  override getOriginatingAudience(): string {
    return this.inner.getOriginatingAudience();
  }
}

/** The app id botbuilder's connector and user-token clients sign as: the token's audience, else its appid claim (the emulator's). */
function signingAppId(claimsIdentity: ClaimsIdentity): string {
  return claimsIdentity.getClaimValue(AuthenticationConstants.AudienceClaim) ?? claimsIdentity.getClaimValue(AuthenticationConstants.AppIdClaim) ?? '';
}

/** A ConnectorFactory that hands out the kept client for a service URL and audience. */
class ReusingConnectorFactory extends ConnectorFactory {
  constructor(private readonly get: (serviceUrl: string, audience?: string) => Promise<ConnectorClient>) {
    super();
  }

  create(serviceUrl: string, audience?: string): Promise<ConnectorClient> {
    return this.get(serviceUrl, audience);
  }
}

/** The kept value for `key`, made once; a failure is forgotten so the next call tries again. */
function reuse<T>(cache: Map<string, Promise<T>>, key: string, make: () => Promise<T>): Promise<T> {
  const kept = cache.get(key);
  if (kept) return kept;
  const made = make();
  made.catch(() => cache.delete(key));
  if (cache.size >= MAX_CLIENTS) cache.delete(cache.keys().next().value as string);
  cache.set(key, made);
  return made;
}

const TOKEN_ERRORS = new Set(['JsonWebTokenError', 'TokenExpiredError', 'NotBeforeError']);

async function unauthorizedOnTokenError<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof Error && TOKEN_ERRORS.has(error.name)) {
      throw new AuthenticationError(`Unauthorized: ${error.message}`, StatusCodes.UNAUTHORIZED);
    }
    throw error;
  }
}
