/*
 * What botframework-connector 4.23.3 checks on an inbound channel request (ParameterizedBotFrameworkAuthentication,
 * used by CloudAdapter whenever any To... / OAuthUrl / CallerId setting is given, in which case ALL of them must be given):
 * - `Authorization: Bearer <jwt>`; an empty header is 401 unless auth is disabled (no MicrosoftAppId).
 * - Routing by token shape: a token with `ver` + `aud` != appid/azp is a skill token; a token whose `iss` is an
 *   Entra issuer is an emulator token. A channel token therefore carries no `ver`, `appid`, `azp` or `tid`.
 * - `iss` must equal ToBotFromChannelTokenIssuer (checked before the signature, then again after).
 * - Key: `kid` looked up in the JWKS behind ToBotFromChannelOpenIdMetadataUrl (config then `jwks_uri`); keys must
 *   have `n`/`e`. The metadata is cached per URL for 24h in a process-wide static map; an unknown kid re-fetches at
 *   most hourly.
 * - jsonwebtoken.verify with RS256/RS384/RS512 and 5 min clock tolerance (exp/nbf); no audience check there.
 * - If the key has `endorsements`, activity.channelId must be one of them.
 * - `aud` must satisfy credentialsFactory.isValidAppId (i.e. equal MicrosoftAppId).
 * - `serviceurl` claim must equal activity.serviceUrl exactly.
 * A bad signature surfaces as a raw JsonWebTokenError, which CloudAdapter.process turns into 500 (not 401).
 */
import type { KeyObject } from 'node:crypto';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import { createServer as createHttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { createServer as createHttpsServer } from 'node:https';
import { exportJWK, SignJWT } from 'jose';
import { closeServer, listen, sendJson } from './http-json';
import type { TestCa } from './test-ca';

/** The channel token issuer used by the public cloud. */
export const BOT_FRAMEWORK_ISSUER = 'https://api.botframework.com';

/** Options for signing a channel token. */
export interface ChannelTokenSpec {
  appId: string;
  serviceUrl: string;
  issuer?: string;
  expiresInSec?: number;
}

/** Options for posting an activity to the bot. */
export interface PostOptions {
  /** A ready token; `null` sends no Authorization header; default signs one for `appId` and the activity's serviceUrl. */
  token?: string | null;
  /** Sign with an unknown key that reuses the published `kid`. */
  forgeWithOtherKey?: boolean;
  appId?: string;
}

/** The bot's HTTP answer. */
export interface PostResult {
  status: number;
  body: unknown;
}

/** Bot Framework channel fake: OpenID metadata + JWKS for inbound auth, and a client that posts signed activities. */
export class FakeChannel {
  /** Value to use for ToBotFromChannelTokenIssuer. */
  readonly issuer = BOT_FRAMEWORK_ISSUER;
  private readonly server: HttpServer | HttpsServer;
  private readonly kid = randomBytes(20).toString('base64url');
  private readonly key: KeyObject;
  private readonly forgedKey: KeyObject;
  private readonly publicKey: KeyObject;
  private readonly endorsements: string[];
  private readonly appId?: string;
  private baseUrl = '';

  constructor(options: { appId?: string; endorsements?: string[]; ca?: TestCa } = {}) {
    const handler = (req: IncomingMessage, res: ServerResponse): void => {
      this.handle(req, res).catch((err: unknown) => sendJson(res, 500, { error: String(err) }));
    };
    if (options.ca) {
      const { certPem, keyPem } = options.ca.issue();
      this.server = createHttpsServer({ cert: certPem, key: keyPem }, handler);
    } else {
      this.server = createHttpServer(handler);
    }
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.key = pair.privateKey;
    this.publicKey = pair.publicKey;
    this.forgedKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    this.endorsements = options.endorsements ?? ['msteams'];
    this.appId = options.appId;
  }

  /** Value to use for ToBotFromChannelOpenIdMetadataUrl. */
  get metadataUrl(): string {
    return `${this.baseUrl}/v1/.well-known/openidconfiguration`;
  }

  /** Value to use for ToBotFromEmulatorOpenIdMetadataUrl (same keys; keeps emulator/skill lookups on loopback). */
  get emulatorMetadataUrl(): string {
    return `${this.baseUrl}/botframework.com/v2.0/.well-known/openid-configuration`;
  }

  /** Starts listening on 127.0.0.1 with an ephemeral port. */
  async start(): Promise<this> {
    this.baseUrl = await listen(this.server);
    return this;
  }

  /** Stops the server and drops open connections. */
  close(): Promise<void> {
    return closeServer(this.server);
  }

  /** Signs a channel-to-bot token (RS256, published kid). */
  sign(spec: ChannelTokenSpec): Promise<string> {
    return this.signWith(this.key, spec);
  }

  /** POSTs `activity` to the bot with a channel token and returns the bot's status and (JSON-parsed) body. */
  async post(botUrl: string, activity: Record<string, unknown>, options: PostOptions = {}): Promise<PostResult> {
    const token = options.token !== undefined ? options.token : await this.defaultToken(activity, options);
    const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
    if (token !== null) headers.authorization = `Bearer ${token}`;
    const res = await fetch(botUrl, { method: 'POST', headers, body: JSON.stringify(activity) });
    const text = await res.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    return { status: res.status, body };
  }

  private defaultToken(activity: Record<string, unknown>, options: PostOptions): Promise<string> {
    const appId = options.appId ?? this.appId;
    if (!appId) throw new Error('FakeChannel.post needs an appId (constructor or options)');
    const spec = { appId, serviceUrl: String(activity.serviceUrl ?? '') };
    return this.signWith(options.forgeWithOtherKey ? this.forgedKey : this.key, spec);
  }

  private signWith(key: KeyObject, spec: ChannelTokenSpec): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ serviceurl: spec.serviceUrl })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: this.kid, x5t: this.kid })
      .setIssuer(spec.issuer ?? this.issuer)
      .setAudience(spec.appId)
      .setNotBefore(now - 5)
      .setExpirationTime(now + (spec.expiresInSec ?? 3600))
      .sign(key);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (req.method !== 'GET') return sendJson(res, 405, { error: 'method not allowed' });
    if (path === '/v1/.well-known/openidconfiguration') {
      return sendJson(res, 200, {
        issuer: this.issuer,
        authorization_endpoint: 'https://invalid.botframework.com',
        jwks_uri: `${this.baseUrl}/v1/.well-known/keys`,
        id_token_signing_alg_values_supported: ['RS256'],
        token_endpoint_auth_methods_supported: ['private_key_jwt'],
      });
    }
    if (path === '/botframework.com/v2.0/.well-known/openid-configuration') {
      return sendJson(res, 200, {
        issuer: 'https://login.microsoftonline.com/d6d49420-f39b-4df7-a1dc-d59a935871db/v2.0',
        jwks_uri: `${this.baseUrl}/v1/.well-known/keys`,
        id_token_signing_alg_values_supported: ['RS256'],
      });
    }
    if (path === '/v1/.well-known/keys') {
      const jwk = await exportJWK(this.publicKey);
      return sendJson(res, 200, {
        keys: [{ kty: 'RSA', use: 'sig', kid: this.kid, x5t: this.kid, n: jwk.n, e: jwk.e, endorsements: this.endorsements }],
      });
    }
    sendJson(res, 404, { error: `No route for GET ${path}` });
  }
}
