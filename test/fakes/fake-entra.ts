import type { KeyObject } from 'node:crypto';
import { createHash, generateKeyPairSync, randomBytes, randomUUID, X509Certificate } from 'node:crypto';
import type { Server } from 'node:https';
import { createServer } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { JWTPayload } from 'jose';
import { decodeJwt, decodeProtectedHeader, errors as joseErrors, exportJWK, jwtVerify, SignJWT } from 'jose';
import { closeServer, listen, readBody, sendJson } from './http-json';
import type { TestCa } from './test-ca';

/** A client application registered in the fake directory. */
export interface EntraApp {
  clientId: string;
  clientSecret?: string;
  /** PEM certificate accepted for client_assertion (private_key_jwt) authentication. */
  certificatePem?: string;
  /** Application ID URIs (e.g. `api://botid`) that user tokens may carry as `aud` for OBO. */
  identifierUris?: string[];
  /** Home tenant of a single-tenant app; tokens for other tenants are refused (AADSTS700016). */
  tenantId?: string;
  /** Delegated permissions consented per resource; when set, OBO for anything else fails with AADSTS65001. */
  grantedScopes?: Record<string, string[]>;
  /** Application permissions (`roles`) granted per resource for client_credentials tokens. */
  appRoles?: Record<string, string[]>;
}

/** Claims of a user access token as handed to the bot by the Bot Framework token service. */
export interface UserTokenSpec {
  oid: string;
  upn: string;
  name: string;
  tid: string;
  aud: string;
  scp?: string;
  azp?: string;
  expiresInSec?: number;
}

/** A scripted token-endpoint failure in the real AAD error shape. */
export interface EntraFailure {
  error: string;
  aadsts: number;
  description?: string;
  suberror?: string;
  claims?: string;
  status?: number;
  /** Only fail OBO requests whose assertion carries this user object id. */
  forOid?: string;
  forClientId?: string;
  grantType?: 'client_credentials' | 'obo';
  /** Number of matching requests to fail (default 1). */
  times?: number;
}

/** One recorded token-endpoint call. */
export interface EntraRequest {
  at: number;
  tenant: string;
  grantType: string;
  clientId?: string;
  scope?: string;
  clientAuth: 'secret' | 'assertion' | 'none';
  assertionOid?: string;
  status: number;
  error?: string;
  errorCode?: number;
}

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const OIDC_SCOPES = new Set(['openid', 'profile', 'offline_access', 'email']);
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const BUILTIN_TENANTS: Record<string, string> = { 'botframework.com': 'd6d49420-f39b-4df7-a1dc-d59a935871db' };
const DEFAULT_DESCRIPTIONS: Record<number, string> = {
  65001: "The user or administrator has not consented to use the application with ID '{client}'. Send an interactive authorization request for this user and resource.",
  50076: "Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '{resource}'.",
  50079: "Due to a configuration change made by your administrator, or because you moved to a new location, you must enroll in multi-factor authentication to access '{resource}'.",
  53003: 'Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.',
  50173: 'The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.',
  700082: 'The refresh token has expired due to inactivity.',
  7000222: "The provided client secret keys for app '{client}' are expired.",
};
const DEFAULT_SUBERRORS: Record<number, string> = { 65001: 'consent_required', 50076: 'basic_action', 50079: 'basic_action' };

class TokenError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly code: number,
    readonly description: string,
    readonly extra: Record<string, string> = {},
  ) {
    super(`AADSTS${code}: ${description}`);
  }
}

function aadTimestamp(date = new Date()): string {
  return `${date.toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

function pseudoGuid(seed: string): string {
  const hex = createHash('sha256').update(seed).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function resourceOf(scope: string): string {
  const slash = scope.lastIndexOf('/');
  return slash > 0 ? scope.slice(0, slash) : scope;
}

function permissionOf(scope: string): string {
  return scope.slice(scope.lastIndexOf('/') + 1);
}

/** Microsoft Entra ID v2.0 endpoint fake (HTTPS): authority metadata, JWKS, and the token endpoint. */
export class FakeEntra {
  /** Recorded token-endpoint calls, oldest first. */
  readonly requests: EntraRequest[] = [];
  private readonly server: Server;
  private readonly apps = new Map<string, EntraApp>();
  private readonly tenants: Record<string, string>;
  private readonly privateKey: KeyObject;
  private readonly publicKey: KeyObject;
  private readonly kid = randomBytes(20).toString('base64url');
  private readonly tokenLifetimeSec: number;
  private failures: EntraFailure[] = [];
  private baseUrl = '';

  constructor(options: { ca: TestCa; tenants?: Record<string, string>; tokenLifetimeSec?: number }) {
    const { certPem, keyPem } = options.ca.issue();
    this.server = createServer({ cert: certPem, key: keyPem }, (req, res) => {
      this.handle(req, res).catch((err: unknown) => sendJson(res, 500, { error: 'server_error', error_description: String(err) }));
    });
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.privateKey = pair.privateKey;
    this.publicKey = pair.publicKey;
    this.tenants = { ...BUILTIN_TENANTS, ...options.tenants };
    this.tokenLifetimeSec = options.tokenLifetimeSec ?? 3600;
  }

  /** Base URL, e.g. `https://127.0.0.1:12345`; use as `authorityHost`. */
  get url(): string {
    return this.baseUrl;
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

  /** Registers (or replaces) a client application. */
  registerApp(app: EntraApp): void {
    this.apps.set(app.clientId, app);
  }

  /** Queues a failure returned by the next matching token request(s). */
  failNext(failure: EntraFailure): void {
    this.failures.push({ ...failure });
  }

  /** Clears recorded requests and scripted failures (apps and signing key are kept). */
  reset(): void {
    this.requests.length = 0;
    this.failures = [];
  }

  /** Number of successful on-behalf-of exchanges, optionally for one user. */
  oboCount(oid?: string): number {
    return this.requests.filter((r) => r.grantType === JWT_BEARER && r.status === 200 && (oid === undefined || r.assertionOid === oid)).length;
  }

  /** Issuer used for tokens of `tenantId`. */
  issuer(tenantId: string): string {
    return `${this.baseUrl}/${tenantId}/v2.0`;
  }

  /** Mints a user access token signed by this fake (what the Bot Framework token service hands the bot). */
  mintUserToken(spec: UserTokenSpec): Promise<string> {
    return this.sign(
      {
        aud: spec.aud,
        iss: this.issuer(spec.tid),
        azp: spec.azp ?? '1fec8e78-bce4-4aaf-ab1b-5451cc387264',
        azpacr: '0',
        name: spec.name,
        oid: spec.oid,
        preferred_username: spec.upn,
        upn: spec.upn,
        scp: spec.scp ?? 'access_as_user',
        sub: pseudoGuid(`sub:${spec.oid}:${spec.aud}`),
        tid: spec.tid,
        ver: '2.0',
      },
      spec.expiresInSec ?? this.tokenLifetimeSec,
    );
  }

  /** Verifies a token minted by this fake (signature, expiry, audience); resolves to its claims. */
  async verify(token: string, options: { audience: string | string[] }): Promise<JWTPayload> {
    const { payload } = await jwtVerify(token, this.publicKey, { algorithms: ['RS256'], audience: options.audience });
    if (typeof payload.iss !== 'string' || !payload.iss.startsWith(`${this.baseUrl}/`)) {
      throw new Error(`token issuer ${String(payload.iss)} is not this fake`);
    }
    return payload;
  }

  private async sign(claims: JWTPayload, lifetimeSec: number): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ ...claims, aio: randomBytes(24).toString('base64url'), uti: randomBytes(16).toString('base64url'), rh: '0.fake.' })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: this.kid })
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + lifetimeSec)
      .sign(this.privateKey);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', this.baseUrl).pathname;
    const segments = path.split('/').filter(Boolean).map(decodeURIComponent);
    const [tenant, ...rest] = segments;
    const route = rest.join('/');
    if (req.method === 'GET' && route === 'v2.0/.well-known/openid-configuration') {
      const tid = this.resolveTenant(tenant);
      if (!tid) return this.sendError(req, res, new TokenError(400, 'invalid_tenant', 90002, `Tenant '${tenant}' not found.`));
      return sendJson(res, 200, this.openIdConfiguration(tenant, tid));
    }
    if (req.method === 'GET' && route === 'discovery/v2.0/keys') {
      return sendJson(res, 200, { keys: [await this.jwk()] });
    }
    if (route === 'oauth2/v2.0/token') {
      if (req.method !== 'POST') {
        return this.sendError(req, res, new TokenError(400, 'invalid_request', 900561, 'The endpoint only accepts POST requests.'));
      }
      return this.token(tenant, req, res);
    }
    sendJson(res, 404, { error: 'not_found', error_description: `No route for ${req.method} ${path}` });
  }

  private resolveTenant(tenant: string | undefined): string | undefined {
    if (!tenant) return undefined;
    if (GUID.test(tenant)) return tenant.toLowerCase();
    if (tenant === 'common' || tenant === 'organizations') return '{tenantid}';
    return this.tenants[tenant.toLowerCase()];
  }

  private openIdConfiguration(tenant: string, tid: string): Record<string, unknown> {
    const base = `${this.baseUrl}/${tenant}`;
    return {
      token_endpoint: `${base}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${base}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: this.issuer(tid),
      request_uri_parameter_supported: false,
      userinfo_endpoint: `${this.baseUrl}/oidc/userinfo`,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'acr', 'nonce', 'preferred_username', 'name', 'tid', 'ver', 'at_hash', 'c_hash', 'email'],
      tenant_region_scope: null,
      cloud_instance_name: 'microsoftonline.com',
      cloud_graph_host_name: 'graph.windows.net',
      msgraph_host: 'graph.microsoft.com',
      rbac_url: 'https://pas.windows.net',
    };
  }

  private async jwk(): Promise<Record<string, unknown>> {
    return { ...(await exportJWK(this.publicKey)), kid: this.kid, use: 'sig', alg: 'RS256' };
  }

  private async token(tenant: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const form = new URLSearchParams(await readBody(req));
    const grantType = form.get('grant_type') ?? '';
    const record: EntraRequest = {
      at: Date.now(),
      tenant,
      grantType,
      clientId: form.get('client_id') ?? undefined,
      scope: form.get('scope') ?? undefined,
      clientAuth: form.has('client_assertion') ? 'assertion' : form.has('client_secret') ? 'secret' : 'none',
      status: 200,
    };
    this.requests.push(record);
    try {
      if (!(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
        throw new TokenError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'grant_type'.");
      }
      const tid = this.resolveTenant(tenant);
      if (!tid || tid === '{tenantid}') {
        throw new TokenError(
          400,
          'invalid_request',
          90002,
          `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
        );
      }
      const app = await this.authenticateClient(tenant, tid, form);
      const body =
        grantType === 'client_credentials'
          ? await this.clientCredentials(app, tid, form)
          : grantType === JWT_BEARER && form.get('requested_token_use') === 'on_behalf_of'
            ? await this.onBehalfOf(app, tid, form, record)
            : undefined;
      if (!body) {
        throw new TokenError(400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grantType}'.`);
      }
      sendJson(res, 200, body, { 'cache-control': 'no-store, no-cache', pragma: 'no-cache' });
    } catch (err) {
      if (!(err instanceof TokenError)) throw err;
      record.status = err.status;
      record.error = err.error;
      record.errorCode = err.code;
      this.sendError(req, res, err);
    }
  }

  private async authenticateClient(tenant: string, tid: string, form: URLSearchParams): Promise<EntraApp> {
    const clientId = form.get('client_id') ?? '';
    if (!clientId) {
      throw new TokenError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'client_id'.");
    }
    const app = this.apps.get(clientId);
    if (!app || (app.tenantId !== undefined && app.tenantId.toLowerCase() !== tid)) {
      throw new TokenError(
        400,
        'unauthorized_client',
        700016,
        `Application with identifier '${clientId}' was not found in the directory '${tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
      );
    }
    const secret = form.get('client_secret');
    const assertion = form.get('client_assertion');
    if (secret !== null) {
      if (app.clientSecret === undefined || secret !== app.clientSecret) {
        throw new TokenError(
          401,
          'invalid_client',
          7000215,
          `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
        );
      }
      return app;
    }
    if (assertion !== null) {
      await this.verifyClientAssertion(app, tenant, form.get('client_assertion_type'), assertion);
      return app;
    }
    throw new TokenError(401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
  }

  private async verifyClientAssertion(app: EntraApp, tenant: string, type: string | null, assertion: string): Promise<void> {
    const fail = (why: string): TokenError => new TokenError(401, 'invalid_client', 700027, `Client assertion failed signature validation. ${why}`);
    if (type !== CLIENT_ASSERTION_TYPE) {
      throw new TokenError(400, 'invalid_request', 7000219, `'client_assertion_type' must be '${CLIENT_ASSERTION_TYPE}'.`);
    }
    if (!app.certificatePem) throw fail('[Reason - No certificate is registered for the application.]');
    const cert = new X509Certificate(app.certificatePem);
    const header = decodeProtectedHeader(assertion);
    const x5tS256 = header['x5t#S256'];
    const matchesThumbprint =
      (typeof x5tS256 === 'string' && x5tS256 === createHash('sha256').update(cert.raw).digest('base64url')) ||
      (typeof header.x5t === 'string' && header.x5t === createHash('sha1').update(cert.raw).digest('base64url'));
    if (!matchesThumbprint) throw fail('[Reason - The key was not found.]');
    try {
      const { payload } = await jwtVerify(assertion, cert.publicKey, {
        algorithms: ['RS256', 'PS256'],
        clockTolerance: 300,
        audience: `${this.baseUrl}/${tenant}/oauth2/v2.0/token`,
        issuer: app.clientId,
        subject: app.clientId,
      });
      if (!payload.jti) throw fail("[Reason - The assertion has no 'jti'.]");
    } catch (err) {
      if (err instanceof TokenError) throw err;
      throw fail(`[Reason - ${(err as Error).message}]`);
    }
  }

  private takeFailure(grant: 'client_credentials' | 'obo', clientId: string, oid: string | undefined): EntraFailure | undefined {
    const index = this.failures.findIndex(
      (f) => (f.grantType === undefined || f.grantType === grant) && (f.forClientId === undefined || f.forClientId === clientId) && (f.forOid === undefined || f.forOid === oid),
    );
    if (index < 0) return undefined;
    const failure = this.failures[index];
    failure.times = (failure.times ?? 1) - 1;
    if (failure.times <= 0) this.failures.splice(index, 1);
    return failure;
  }

  private scripted(failure: EntraFailure, clientId: string, resource: string): TokenError {
    const template = failure.description ?? DEFAULT_DESCRIPTIONS[failure.aadsts] ?? 'Scripted failure.';
    const extra: Record<string, string> = {};
    const suberror = failure.suberror ?? DEFAULT_SUBERRORS[failure.aadsts];
    if (suberror) extra.suberror = suberror;
    if (failure.claims) extra.claims = failure.claims;
    const status = failure.status ?? (failure.error === 'invalid_client' ? 401 : 400);
    return new TokenError(status, failure.error, failure.aadsts, template.replace('{client}', clientId).replace('{resource}', resource), extra);
  }

  private parseScopes(form: URLSearchParams): { resource: string; permissions: string[]; oidc: string[] } {
    const scopes = (form.get('scope') ?? '').split(' ').filter(Boolean);
    const resourceScopes = scopes.filter((s) => !OIDC_SCOPES.has(s));
    if (resourceScopes.length === 0) {
      throw new TokenError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'scope'.");
    }
    const resources = new Set(resourceScopes.map(resourceOf));
    if (resources.size > 1) {
      throw new TokenError(400, 'invalid_scope', 28000, 'Provided value for the input parameter scope is not valid because it contains more than one resource.');
    }
    return { resource: [...resources][0], permissions: resourceScopes.map(permissionOf), oidc: scopes.filter((s) => OIDC_SCOPES.has(s)) };
  }

  private async clientCredentials(app: EntraApp, tid: string, form: URLSearchParams): Promise<Record<string, unknown>> {
    const { resource, permissions } = this.parseScopes(form);
    if (permissions.length !== 1 || permissions[0] !== '.default') {
      throw new TokenError(
        400,
        'invalid_scope',
        1002012,
        `The provided value for scope ${form.get('scope')} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
      );
    }
    const failure = this.takeFailure('client_credentials', app.clientId, undefined);
    if (failure) throw this.scripted(failure, app.clientId, resource);
    const servicePrincipal = pseudoGuid(`sp:${app.clientId}:${tid}`);
    const roles = app.appRoles?.[resource];
    const accessToken = await this.sign(
      {
        aud: resource,
        iss: this.issuer(tid),
        idp: `${this.baseUrl}/${tid}/`,
        azp: app.clientId,
        azpacr: form.has('client_assertion') ? '2' : '1',
        appid: app.clientId,
        appidacr: form.has('client_assertion') ? '2' : '1',
        oid: servicePrincipal,
        sub: servicePrincipal,
        idtyp: 'app',
        tid,
        ver: '2.0',
        ...(roles ? { roles } : {}),
      },
      this.tokenLifetimeSec,
    );
    return { token_type: 'Bearer', expires_in: this.tokenLifetimeSec, ext_expires_in: this.tokenLifetimeSec, access_token: accessToken };
  }

  private async verifyAssertion(app: EntraApp, tid: string, assertion: string): Promise<JWTPayload> {
    let claims: JWTPayload;
    try {
      claims = decodeJwt(assertion);
    } catch {
      throw new TokenError(400, 'invalid_request', 50027, 'JWT token is invalid or malformed.');
    }
    try {
      await jwtVerify(assertion, this.publicKey, { algorithms: ['RS256'] });
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) {
        throw new TokenError(
          400,
          'invalid_grant',
          500133,
          `Assertion is not within its valid time range. Ensure that the access token is not expired before using it for user assertion, or request a new token. Current time: ${aadTimestamp()}, expiry time of assertion ${aadTimestamp(new Date(Number(claims.exp) * 1000))}.`,
        );
      }
      throw new TokenError(400, 'invalid_grant', 50013, 'Assertion failed signature validation. [Reason - The key was not found.]');
    }
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    const accepted = [app.clientId, ...(app.identifierUris ?? [])];
    if (!audiences.some((aud) => aud !== undefined && accepted.includes(aud))) {
      throw new TokenError(
        400,
        'invalid_grant',
        500131,
        `Assertion audience does not match the Client app presenting the assertion. The audience in the assertion was '${String(claims.aud)}' and the expected audience is '${app.clientId}' or one of the Application Uris of this application with App ID '${app.clientId}'.`,
      );
    }
    if (typeof claims.scp !== 'string' || typeof claims.oid !== 'string') {
      throw new TokenError(400, 'invalid_grant', 50013, 'Assertion failed signature validation. [Reason - The assertion is not a delegated user token.]');
    }
    if (claims.tid !== tid) {
      throw new TokenError(
        400,
        'invalid_grant',
        50013,
        `Assertion failed signature validation. [Reason - The assertion was issued by tenant '${String(claims.tid)}', not '${tid}'.]`,
      );
    }
    return claims;
  }

  private async onBehalfOf(app: EntraApp, tid: string, form: URLSearchParams, record: EntraRequest): Promise<Record<string, unknown>> {
    const assertion = form.get('assertion');
    if (!assertion) {
      throw new TokenError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'assertion'.");
    }
    const user = await this.verifyAssertion(app, tid, assertion);
    record.assertionOid = String(user.oid);
    const { resource, permissions, oidc } = this.parseScopes(form);
    const failure = this.takeFailure('obo', app.clientId, record.assertionOid);
    if (failure) throw this.scripted(failure, app.clientId, resource);
    const granted = app.grantedScopes ? (app.grantedScopes[resource] ?? []) : undefined;
    const requested = permissions.includes('.default') ? (granted ?? ['user_impersonation']) : permissions;
    if (granted && (granted.length === 0 || requested.some((p) => !granted.includes(p)))) {
      throw this.scripted({ error: 'invalid_grant', aadsts: 65001 }, app.clientId, resource);
    }
    const userClaims = { name: user.name, oid: user.oid, preferred_username: user.preferred_username, upn: user.upn, tid };
    const accessToken = await this.sign(
      {
        ...userClaims,
        aud: resource,
        iss: this.issuer(tid),
        azp: app.clientId,
        azpacr: form.has('client_assertion') ? '2' : '1',
        appid: app.clientId,
        appidacr: form.has('client_assertion') ? '2' : '1',
        scp: requested.join(' '),
        sub: pseudoGuid(`sub:${String(user.oid)}:${resource}`),
        ver: '2.0',
      },
      this.tokenLifetimeSec,
    );
    const body: Record<string, unknown> = {
      token_type: 'Bearer',
      scope: requested.map((p) => `${resource}/${p}`).join(' '),
      expires_in: this.tokenLifetimeSec,
      ext_expires_in: this.tokenLifetimeSec,
      access_token: accessToken,
    };
    if (oidc.includes('openid')) {
      body.id_token = await this.sign(
        { ...userClaims, aud: app.clientId, iss: this.issuer(tid), sub: pseudoGuid(`sub:${String(user.oid)}:${app.clientId}`), ver: '2.0' },
        this.tokenLifetimeSec,
      );
    }
    if (form.get('client_info') === '1') {
      body.client_info = Buffer.from(JSON.stringify({ uid: user.oid, utid: tid })).toString('base64url');
    }
    return body;
  }

  private sendError(req: IncomingMessage, res: ServerResponse, err: TokenError): void {
    const traceId = randomUUID();
    const correlationHeader = req.headers['client-request-id'];
    const correlationId = typeof correlationHeader === 'string' && correlationHeader ? correlationHeader : randomUUID();
    const timestamp = aadTimestamp();
    sendJson(res, err.status, {
      error: err.error,
      error_description: `AADSTS${err.code}: ${err.description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
      error_codes: [err.code],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `${this.baseUrl}/error?code=${err.code}`,
      ...err.extra,
    });
  }
}
