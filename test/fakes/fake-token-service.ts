import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { closeServer, listen, readBody, sendJson } from './http-json';
import { type Answer, serviceError } from './token-service/answers';
import { type ConnectionSetting, type SignInRecord, signInResource } from './token-service/sign-in-resource';
import { type AccountMixUp, type Exchanger, type SignOutRecord, UserTokens } from './token-service/user-tokens';

export type { ConnectionSetting, SignInRecord } from './token-service/sign-in-resource';
export type { AccountMixUp, Exchanger, SignOutRecord } from './token-service/user-tokens';

/** Verified token claims. */
export type TokenServiceClaims = Record<string, unknown>;

/** Options of the fake Bot Framework token service. */
export interface FakeTokenServiceOptions {
  verify: (token: string, audience: string) => Promise<TokenServiceClaims>;
  /** Audience of the bot's token (botbuilder asks for ToChannelFromBotOAuthScope). */
  audience?: string;
  /** When set, the bearer's `appid`/`azp` must equal it. */
  botAppId?: string;
  /** Known connections; when given, other connection names are rejected with 400. */
  connections?: Record<string, ConnectionSetting>;
}

/** A request as the fake received and answered it. */
export interface TokenServiceRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  body: unknown;
  claims: TokenServiceClaims | undefined;
  status: number;
  at: number;
}

/** An outage: every matching request answers `status` until it ends. */
export interface Outage {
  /** Ends by itself after this long (default: at `endOutage()`). */
  forMs?: number;
  code?: string;
  message?: string;
  /** Sent as Retry-After (seconds). */
  retryAfterSec?: number;
  matcher?: (method: string, path: string) => boolean;
}

type Matcher = (method: string, path: string) => boolean;

/** Fake of token.botframework.com for botbuilder's UserTokenClientImpl (the OAuthUrl setting points here). */
export class FakeTokenService {
  /** Every request received, in arrival order. */
  readonly requests: TokenServiceRequest[] = [];
  /** Every GetSignInResource call, decoded. */
  readonly signInStates: SignInRecord[] = [];
  private readonly server: Server;
  private readonly audience: string;
  private readonly store: UserTokens;
  private faults: Array<{ remaining: number; answer: Answer; matcher?: Matcher }> = [];
  private outage: { answer: Answer; until: number; matcher?: Matcher } | undefined;
  private base = '';

  constructor(private readonly options: FakeTokenServiceOptions) {
    this.audience = options.audience ?? 'https://api.botframework.com';
    this.store = new UserTokens(options.connections);
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent && !res.destroyed) sendJson(res, 500, { error: { code: 'ServiceError', message: String(err) } });
      });
    });
  }

  /** Starts listening on 127.0.0.1 with an ephemeral port. */
  async start(): Promise<void> {
    this.base = await listen(this.server);
  }

  /** Base URL (the bot's OAuthUrl). */
  get url(): string {
    return this.base;
  }

  /** Stops the server. */
  close(): Promise<void> {
    return closeServer(this.server);
  }

  /** Every SignOut call with the userId, connection and the tokens it removed, in arrival order. */
  get signOuts(): readonly SignOutRecord[] {
    return this.store.signOuts;
  }

  /** Stores a token for the user, as if they had signed in already. */
  grantToken(userId: string, connectionName: string, token: string, expiration = new Date(Date.now() + 3_600_000).toISOString()): void {
    this.store.grant(userId, connectionName, token, expiration);
  }

  /** Lets exchanges succeed: by SSO token → user token mapping, or by function. */
  allowExchange(exchange: Record<string, string> | Exchanger): void {
    this.store.allowExchange(exchange);
  }

  /** What a failed exchange answers: 400 ServiceError "Consent Required" (default), 404 empty, or another error. */
  setExchangeFailure(status: number, error?: { code: string; message: string }): void {
    this.store.setExchangeFailure(status, error);
  }

  /** Arms the magic-code flow: GetToken with this `code` yields `token` (and stores it). */
  magicCode(userId: string, connectionName: string, code: string, token: string): void {
    this.store.magicCode(userId, connectionName, code, token);
  }

  /**
   * Simulates `user` having signed in with `account`'s account: from now on GetToken (and GetTokenStatus,
   * GetAadTokens) for `user` answer the token stored for `account` on the same connection, which is then
   * stored for `user`; with `magicCode`, only once that code is typed. Replaces what `user` had stored; a
   * sign-out of `user` ends it.
   */
  signInWithAccountOf(mixUp: AccountMixUp): void {
    this.store.mixUp(mixUp);
  }

  /** Whether the user signed out (of this connection, or of any when omitted) after their last sign-in. */
  signedOut(userId: string, connectionName?: string): boolean {
    return this.store.signedOut(userId, connectionName);
  }

  /** Whether a SignOut removed this very token. */
  wasSignedOut(token: string): boolean {
    return this.store.signOuts.some((s) => s.tokens.includes(token));
  }

  /** The token currently stored for the user and connection. */
  tokenOf(userId: string, connectionName: string): string | undefined {
    return this.store.tokenOf(userId, connectionName);
  }

  /** Makes the next `n` matching requests (after authentication) answer `status` with an ErrorResponse body. */
  failNext(n: number, status: number, opts: { code?: string; message?: string; matcher?: Matcher } = {}): void {
    this.faults.push({ remaining: n, answer: serviceError(status, opts.code ?? 'ServiceError', opts.message ?? `Scripted ${status}`), matcher: opts.matcher });
  }

  /** Starts an outage: every matching request (after authentication) answers `status` (default 503) until it ends. */
  startOutage(status = 503, outage: Outage = {}): void {
    const answer = serviceError(status, outage.code ?? 'ServiceError', outage.message ?? 'The service is temporarily unavailable.');
    if (outage.retryAfterSec !== undefined) answer.headers = { 'retry-after': String(outage.retryAfterSec) };
    this.outage = { answer, until: outage.forMs === undefined ? Infinity : Date.now() + outage.forMs, matcher: outage.matcher };
  }

  /** Ends the outage. */
  endOutage(): void {
    this.outage = undefined;
  }

  /** Requests whose method equals `method` and whose path matches `path`. */
  requestsTo(method: string, path: RegExp): TokenServiceRequest[] {
    return this.requests.filter((r) => r.method === method.toUpperCase() && path.test(r.path));
  }

  /** Forgets the recorded requests, sign-in states and sign-outs (`signedOut` still knows). */
  clear(): void {
    this.requests.length = 0;
    this.signInStates.length = 0;
    this.store.signOuts.length = 0;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const raw = await readBody(req);
    const rec: TokenServiceRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body: parseJson(raw),
      claims: undefined,
      status: 0,
      at: Date.now(),
    };
    this.requests.push(rec);
    const answer = await this.route(req, rec);
    rec.status = answer.status;
    if (!res.destroyed) sendJson(res, answer.status, answer.body, answer.headers);
  }

  private async route(req: IncomingMessage, rec: TokenServiceRequest): Promise<Answer> {
    const claims = await this.authenticate(req);
    if (!claims) return serviceError(401, 'Unauthorized', 'Authorization has been denied for this request.');
    rec.claims = claims;
    const scripted = this.scripted(rec);
    if (scripted) return scripted;
    const op = `${rec.method} ${rec.path.toLowerCase().replace(/\/+$/, '')}`;
    switch (op) {
      case 'GET /api/usertoken/gettoken':
        return this.store.getToken(rec.query);
      case 'POST /api/usertoken/exchange':
        return this.store.exchange(rec.query, rec.body);
      case 'DELETE /api/usertoken/signout':
        return this.store.signOut(rec.query);
      case 'GET /api/usertoken/gettokenstatus':
        return this.store.tokenStatus(rec.query);
      case 'POST /api/usertoken/getaadtokens':
        return this.store.aadTokens(rec.query, rec.body);
      case 'GET /api/botsignin/getsigninresource':
        return this.signInResource(rec.query, claims);
      case 'GET /api/botsignin/getsigninurl': {
        const resource = this.signInResource(rec.query, claims);
        return resource.status === 200 ? { status: 200, body: (resource.body as { signInLink: string }).signInLink } : resource;
      }
      default:
        return serviceError(404, 'NotFound', `No route for ${rec.method} ${rec.path}`);
    }
  }

  /** The outage's answer while it lasts, else the first pending scripted fault's. */
  private scripted(rec: TokenServiceRequest): Answer | undefined {
    if (this.outage && Date.now() >= this.outage.until) this.outage = undefined;
    if (this.outage && (!this.outage.matcher || this.outage.matcher(rec.method, rec.path))) return this.outage.answer;
    const fault = this.faults.find((f) => f.remaining > 0 && (!f.matcher || f.matcher(rec.method, rec.path)));
    if (!fault) return undefined;
    fault.remaining -= 1;
    return fault.answer;
  }

  private signInResource(q: Record<string, string>, claims: TokenServiceClaims): Answer {
    const { answer, record } = signInResource(q, claims.appid ?? claims.azp, this.base, this.options.connections);
    if (record) this.signInStates.push(record);
    return answer;
  }

  private async authenticate(req: IncomingMessage): Promise<TokenServiceClaims | undefined> {
    const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!match) return undefined;
    try {
      const claims = await this.options.verify(match[1], this.audience);
      const appId = claims.appid ?? claims.azp;
      return this.options.botAppId === undefined || appId === this.options.botAppId ? claims : undefined;
    } catch {
      return undefined;
    }
  }
}

function parseJson(raw: string): unknown {
  if (raw === '') return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}
