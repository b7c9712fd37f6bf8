import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { closeServer, listen, readBody, sendJson } from './http-json';

/** Verified token claims. */
export type TokenServiceClaims = Record<string, unknown>;

/** Per OAuth connection settings; `tokenExchangeUri: null` means the connection has no SSO. */
export interface ConnectionSetting {
  tokenExchangeUri?: string | null;
  serviceProviderDisplayName?: string;
}

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

/** TokenResponse as the token service returns it. */
export interface TokenResponse {
  channelId: string;
  connectionName: string;
  token: string;
  expiration: string;
}

/** The decoded `state` of a GetSignInResource call, with what was answered. */
export interface SignInRecord {
  state: { connectionName: string; conversation: Record<string, unknown>; relatesTo?: unknown; msAppId: string };
  signInLink: string;
  tokenExchangeResource: { id: string; uri: string; providerId: string } | undefined;
  codeChallenge: string | undefined;
  finalRedirect: string | undefined;
}

/** Maps an SSO token to the user token the exchange yields, or undefined when the exchange fails. */
export type Exchanger = (ssoToken: string, ctx: { userId: string; connectionName: string; channelId: string }) =>
  string | undefined | Promise<string | undefined>;

interface Stored { token: string; expiration: string; seq: number }
interface Answer { status: number; body?: unknown }

const AAD_V2_PROVIDER_ID = '30dd229c-58e3-4a48-bdfd-91ec48eb906c';
const CONSENT_REQUIRED: Answer = { status: 400, body: { error: { code: 'ServiceError', message: 'Consent Required' } } };

/** Fake of token.botframework.com for botbuilder's UserTokenClientImpl (the OAuthUrl setting points here). */
export class FakeTokenService {
  /** Every request received, in arrival order. */
  readonly requests: TokenServiceRequest[] = [];
  /** Every GetSignInResource call, decoded. */
  readonly signInStates: SignInRecord[] = [];
  private readonly server: Server;
  private readonly audience: string;
  private readonly tokens = new Map<string, Stored>();
  private readonly codes = new Map<string, { code: string; token: string }>();
  private readonly signOuts = new Map<string, number>();
  private exchanger: Exchanger = () => undefined;
  private exchangeFailure: Answer = CONSENT_REQUIRED;
  private faults: Array<{ remaining: number; answer: Answer; matcher?: (method: string, path: string) => boolean }> = [];
  private seq = 0;
  private base = '';

  constructor(private readonly options: FakeTokenServiceOptions) {
    this.audience = options.audience ?? 'https://api.botframework.com';
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

  /** Stores a token for the user, as if they had signed in already. */
  grantToken(userId: string, connectionName: string, token: string, expiration = new Date(Date.now() + 3_600_000).toISOString()): void {
    this.tokens.set(key(userId, connectionName), { token, expiration, seq: ++this.seq });
  }

  /** Lets exchanges succeed: by SSO token → user token mapping, or by function. */
  allowExchange(exchange: Record<string, string> | Exchanger): void {
    this.exchanger = typeof exchange === 'function' ? exchange : (sso) => exchange[sso];
  }

  /** What a failed exchange answers: 400 ServiceError "Consent Required" (default), 404 empty, or another error. */
  setExchangeFailure(status: number, error?: { code: string; message: string }): void {
    this.exchangeFailure = status === 404 && !error
      ? { status }
      : { status, body: { error: error ?? { code: 'ServiceError', message: status === 400 ? 'Consent Required' : 'Service error' } } };
  }

  /** Arms the magic-code flow: GetToken with this `code` yields `token` (and stores it). */
  magicCode(userId: string, connectionName: string, code: string, token: string): void {
    this.codes.set(key(userId, connectionName), { code, token });
  }

  /** Whether the user signed out (of this connection, or of any when omitted) after their last sign-in. */
  signedOut(userId: string, connectionName?: string): boolean {
    const all = this.signOuts.get(key(userId, '*')) ?? 0;
    if (connectionName !== undefined) {
      const out = Math.max(all, this.signOuts.get(key(userId, connectionName)) ?? 0);
      return out > 0 && out > (this.tokens.get(key(userId, connectionName))?.seq ?? 0);
    }
    const outs = [...this.signOuts.entries()].filter(([k]) => k.startsWith(`${userId}\n`)).map(([, s]) => s);
    const grants = [...this.tokens.entries()].filter(([k]) => k.startsWith(`${userId}\n`)).map(([, t]) => t.seq);
    return outs.length > 0 && Math.max(...outs) > Math.max(0, ...grants);
  }

  /** The token currently stored for the user and connection. */
  tokenOf(userId: string, connectionName: string): string | undefined {
    return this.tokens.get(key(userId, connectionName))?.token;
  }

  /** Makes the next `n` matching requests (after authentication) answer `status` with an ErrorResponse body. */
  failNext(n: number, status: number, opts: { code?: string; message?: string; matcher?: (method: string, path: string) => boolean } = {}): void {
    const answer = { status, body: { error: { code: opts.code ?? 'ServiceError', message: opts.message ?? `Scripted ${status}` } } };
    this.faults.push({ remaining: n, answer, matcher: opts.matcher });
  }

  /** Requests whose method equals `method` and whose path matches `path`. */
  requestsTo(method: string, path: RegExp): TokenServiceRequest[] {
    return this.requests.filter((r) => r.method === method.toUpperCase() && path.test(r.path));
  }

  /** Forgets the recorded requests and sign-in states. */
  clear(): void {
    this.requests.length = 0;
    this.signInStates.length = 0;
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
    if (!res.destroyed) sendJson(res, answer.status, answer.body);
  }

  private async route(req: IncomingMessage, rec: TokenServiceRequest): Promise<Answer> {
    const claims = await this.authenticate(req);
    if (!claims) return { status: 401, body: { error: { code: 'Unauthorized', message: 'Authorization has been denied for this request.' } } };
    rec.claims = claims;
    const fault = this.faults.find((f) => f.remaining > 0 && (!f.matcher || f.matcher(rec.method, rec.path)));
    if (fault) {
      fault.remaining -= 1;
      return fault.answer;
    }
    const op = `${rec.method} ${rec.path.toLowerCase().replace(/\/+$/, '')}`;
    switch (op) {
      case 'GET /api/usertoken/gettoken': return this.getToken(rec.query);
      case 'POST /api/usertoken/exchange': return this.exchange(rec.query, rec.body);
      case 'DELETE /api/usertoken/signout': return this.signOut(rec.query);
      case 'GET /api/usertoken/gettokenstatus': return this.tokenStatus(rec.query);
      case 'POST /api/usertoken/getaadtokens': return this.aadTokens(rec.query, rec.body);
      case 'GET /api/botsignin/getsigninresource': return this.signInResource(rec.query, claims);
      case 'GET /api/botsignin/getsigninurl': {
        const resource = this.signInResource(rec.query, claims);
        return resource.status === 200 ? { status: 200, body: (resource.body as { signInLink: string }).signInLink } : resource;
      }
      default: return { status: 404, body: { error: { code: 'NotFound', message: `No route for ${rec.method} ${rec.path}` } } };
    }
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

  private required(query: Record<string, string>, names: string[]): Answer | undefined {
    const absent = names.find((n) => !query[n]);
    if (absent) return badArgument(`${absent} is required`);
    const connection = query.connectionName;
    if (connection && this.options.connections && !(connection in this.options.connections)) {
      return badArgument(`Connection '${connection}' not found`);
    }
    return undefined;
  }

  private getToken(q: Record<string, string>): Answer {
    const problem = this.required(q, ['userId', 'connectionName']);
    if (problem) return problem;
    const k = key(q.userId, q.connectionName);
    if (q.code !== undefined) {
      const pending = this.codes.get(k);
      if (!pending || pending.code !== q.code) return { status: 404 };
      this.codes.delete(k);
      this.grantToken(q.userId, q.connectionName, pending.token);
    }
    const stored = this.tokens.get(k);
    if (!stored || Date.parse(stored.expiration) <= Date.now()) return { status: 404 };
    return { status: 200, body: tokenResponse(q, stored) };
  }

  private async exchange(q: Record<string, string>, body: unknown): Promise<Answer> {
    const problem = this.required(q, ['userId', 'connectionName', 'channelId']);
    if (problem) return problem;
    const request = typeof body === 'object' && body !== null ? (body as { token?: unknown; uri?: unknown }) : {};
    if (typeof request.token !== 'string' && typeof request.uri !== 'string') {
      return badArgument('The exchange request needs a token or a uri');
    }
    if (typeof request.token !== 'string') return this.exchangeFailure;
    const token = await this.exchanger(request.token, { userId: q.userId, connectionName: q.connectionName, channelId: q.channelId });
    if (!token) return this.exchangeFailure;
    this.grantToken(q.userId, q.connectionName, token);
    return { status: 200, body: tokenResponse(q, this.tokens.get(key(q.userId, q.connectionName)) as Stored) };
  }

  private signOut(q: Record<string, string>): Answer {
    const problem = this.required(q, ['userId']);
    if (problem) return problem;
    const connection = q.connectionName || '*';
    for (const k of [...this.tokens.keys()]) {
      if (k === key(q.userId, connection) || (connection === '*' && k.startsWith(`${q.userId}\n`))) this.tokens.delete(k);
    }
    this.signOuts.set(key(q.userId, connection), ++this.seq);
    return { status: 200 };
  }

  private tokenStatus(q: Record<string, string>): Answer {
    const problem = this.required(q, ['userId']);
    if (problem) return problem;
    const include = q.include ? q.include.split(',').map((s) => s.trim()) : undefined;
    const names = new Set(Object.keys(this.options.connections ?? {}));
    for (const k of this.tokens.keys()) if (k.startsWith(`${q.userId}\n`)) names.add(k.slice(q.userId.length + 1));
    const body = [...names].filter((n) => !include || include.includes(n)).map((connectionName) => ({
      channelId: q.channelId ?? null,
      connectionName,
      hasToken: this.tokens.has(key(q.userId, connectionName)),
      serviceProviderDisplayName: this.options.connections?.[connectionName]?.serviceProviderDisplayName ?? 'Azure Active Directory v2',
    }));
    return { status: 200, body };
  }

  private aadTokens(q: Record<string, string>, body: unknown): Answer {
    const problem = this.required(q, ['userId', 'connectionName']);
    if (problem) return problem;
    const urls = (body as { resourceUrls?: unknown } | undefined)?.resourceUrls;
    if (!Array.isArray(urls) || urls.some((u) => typeof u !== 'string')) return badArgument('resourceUrls is required');
    const stored = this.tokens.get(key(q.userId, q.connectionName));
    const entries = stored ? urls.map((u: string) => [u, tokenResponse(q, stored)]) : [];
    return { status: 200, body: Object.fromEntries(entries) };
  }

  private signInResource(q: Record<string, string>, claims: TokenServiceClaims): Answer {
    if (!q.state) return badArgument('state is required');
    let state: SignInRecord['state'];
    try {
      state = JSON.parse(Buffer.from(q.state, 'base64').toString('utf8')) as SignInRecord['state'];
    } catch {
      return badArgument('state is not base64 JSON');
    }
    if (typeof state?.connectionName !== 'string' || typeof state.msAppId !== 'string' || typeof state.conversation !== 'object' || !state.conversation) {
      return badArgument('state needs connectionName, conversation and msAppId');
    }
    if (state.msAppId !== (claims.appid ?? claims.azp)) return badArgument('state.msAppId does not match the caller');
    const problem = this.required({ connectionName: state.connectionName }, ['connectionName']);
    if (problem) return problem;
    const setting = this.options.connections?.[state.connectionName];
    const uri = setting?.tokenExchangeUri === undefined ? `api://${state.msAppId}` : setting.tokenExchangeUri;
    const signInId = randomUUID();
    const params = new URLSearchParams({ signin: signInId, ...(q.code_challenge ? { code_challenge: q.code_challenge } : {}) });
    const signInLink = `${this.base}/api/oauth/signin?${params.toString()}`;
    const tokenExchangeResource = uri === null ? undefined : { id: randomUUID(), uri, providerId: AAD_V2_PROVIDER_ID };
    this.signInStates.push({ state, signInLink, tokenExchangeResource, codeChallenge: q.code_challenge, finalRedirect: q.finalRedirect });
    return {
      status: 200,
      body: {
        signInLink,
        ...(tokenExchangeResource ? { tokenExchangeResource } : {}),
        tokenPostResource: { sasUrl: `${this.base}/api/tokenpost/${signInId}?sig=fake` },
      },
    };
  }
}

function key(userId: string, connectionName: string): string {
  return `${userId}\n${connectionName}`;
}

function tokenResponse(q: Record<string, string>, stored: Stored): TokenResponse {
  return { channelId: q.channelId ?? '', connectionName: q.connectionName, token: stored.token, expiration: stored.expiration };
}

function badArgument(message: string): Answer {
  return { status: 400, body: { error: { code: 'BadArgument', message } } };
}

function parseJson(raw: string): unknown {
  if (raw === '') return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}
