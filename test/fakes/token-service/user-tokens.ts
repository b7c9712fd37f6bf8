import { type Answer, badArgument, requireParams, serviceError } from './answers';
import type { ConnectionSetting } from './sign-in-resource';

/** TokenResponse as the token service returns it. */
export interface TokenResponse {
  channelId: string;
  connectionName: string;
  token: string;
  expiration: string;
}

/** Maps an SSO token to the user token the exchange yields, or undefined when the exchange fails. */
export type Exchanger = (ssoToken: string, ctx: { userId: string; connectionName: string; channelId: string }) => string | undefined | Promise<string | undefined>;

/** One `DELETE /api/usertoken/SignOut`, with the tokens it removed. */
export interface SignOutRecord {
  userId: string;
  /** The connection signed out of; undefined when the call named none (all connections). */
  connectionName: string | undefined;
  channelId: string | undefined;
  /** The tokens this sign-out removed (none when the user had none stored). */
  tokens: string[];
  at: number;
}

/** Makes lookups for `user` answer the token stored for `account`: "signed in with another account". */
export interface AccountMixUp {
  /** The Teams user id (`from.id`) the bot asks about. */
  user: string;
  /** The user id whose stored token is handed out instead. */
  account: string;
  /** Only this connection (default: any). */
  connectionName?: string;
  /** Hand it out when this magic code is typed (GetToken with `code=`) instead of on a plain lookup. */
  magicCode?: string;
}

interface Stored {
  token: string;
  expiration: string;
  seq: number;
}
interface PendingCode {
  code: string;
  token: (connectionName: string) => Stored | undefined;
}

const ANY = '*';
const CONSENT_REQUIRED: Answer = serviceError(400, 'ServiceError', 'Consent Required');

function key(userId: string, connectionName: string): string {
  return `${userId}\n${connectionName}`;
}

/** The token service's per user and connection store, and the UserToken operations over it. */
export class UserTokens {
  /** Every sign-out, in arrival order. */
  readonly signOuts: SignOutRecord[] = [];
  private readonly tokens = new Map<string, Stored>();
  private readonly codes = new Map<string, PendingCode>();
  /** Pending mix-ups: `key(user, connection or ANY)` → the account whose token is handed out. */
  private readonly mixUps = new Map<string, string>();
  private readonly signOutSeq = new Map<string, number>();
  private exchanger: Exchanger = () => undefined;
  private exchangeFailure: Answer = CONSENT_REQUIRED;
  private seq = 0;

  constructor(private readonly connections: Record<string, ConnectionSetting> | undefined) {}

  grant(userId: string, connectionName: string, token: string, expiration: string): void {
    this.tokens.set(key(userId, connectionName), { token, expiration, seq: ++this.seq });
  }

  allowExchange(exchange: Record<string, string> | Exchanger): void {
    this.exchanger = typeof exchange === 'function' ? exchange : (sso) => exchange[sso];
  }

  setExchangeFailure(status: number, error?: { code: string; message: string }): void {
    this.exchangeFailure =
      status === 404 && !error ? { status } : serviceError(status, error?.code ?? 'ServiceError', error?.message ?? (status === 400 ? 'Consent Required' : 'Service error'));
  }

  magicCode(userId: string, connectionName: string, code: string, token: string): void {
    this.codes.set(key(userId, connectionName), { code, token: () => ({ token, expiration: defaultExpiration(), seq: 0 }) });
  }

  mixUp({ user, account, connectionName = ANY, magicCode }: AccountMixUp): void {
    const k = key(user, connectionName);
    if (magicCode !== undefined) {
      this.codes.set(k, { code: magicCode, token: (connection) => this.tokens.get(key(account, connection)) });
      return;
    }
    for (const stored of [...this.tokens.keys()]) if (stored === k || (connectionName === ANY && stored.startsWith(`${user}\n`))) this.tokens.delete(stored);
    this.mixUps.set(k, account);
  }

  signedOut(userId: string, connectionName?: string): boolean {
    const all = this.signOutSeq.get(key(userId, ANY)) ?? 0;
    if (connectionName !== undefined) {
      const out = Math.max(all, this.signOutSeq.get(key(userId, connectionName)) ?? 0);
      return out > 0 && out > (this.tokens.get(key(userId, connectionName))?.seq ?? 0);
    }
    const outs = [...this.signOutSeq.entries()].filter(([k]) => k.startsWith(`${userId}\n`)).map(([, s]) => s);
    const grants = [...this.tokens.entries()].filter(([k]) => k.startsWith(`${userId}\n`)).map(([, t]) => t.seq);
    return outs.length > 0 && Math.max(...outs) > Math.max(0, ...grants);
  }

  tokenOf(userId: string, connectionName: string): string | undefined {
    return this.tokens.get(key(userId, connectionName))?.token;
  }

  /** `GET /api/usertoken/GetToken`: the stored token (after redeeming `code`, if given), else 404. */
  getToken(q: Record<string, string>): Answer {
    const problem = requireParams(q, ['userId', 'connectionName'], this.connections);
    if (problem) return problem;
    if (q.code !== undefined) {
      const slot = [key(q.userId, q.connectionName), key(q.userId, ANY)].find((k) => this.codes.has(k));
      const pending = slot === undefined ? undefined : this.codes.get(slot);
      const redeemed = pending?.code === q.code ? pending.token(q.connectionName) : undefined;
      if (slot === undefined || !redeemed) return { status: 404 };
      this.codes.delete(slot);
      this.grant(q.userId, q.connectionName, redeemed.token, redeemed.expiration);
    }
    const stored = this.lookup(q.userId, q.connectionName);
    if (!stored || Date.parse(stored.expiration) <= Date.now()) return { status: 404 };
    return { status: 200, body: tokenResponse(q, stored) };
  }

  /** `POST /api/usertoken/exchange`: stores what the exchanger yields for the SSO token, else the exchange failure. */
  async exchange(q: Record<string, string>, body: unknown): Promise<Answer> {
    const problem = requireParams(q, ['userId', 'connectionName', 'channelId'], this.connections);
    if (problem) return problem;
    const request = typeof body === 'object' && body !== null ? (body as { token?: unknown; uri?: unknown }) : {};
    if (typeof request.token !== 'string' && typeof request.uri !== 'string') {
      return badArgument('The exchange request needs a token or a uri');
    }
    if (typeof request.token !== 'string') return this.exchangeFailure;
    const token = await this.exchanger(request.token, { userId: q.userId, connectionName: q.connectionName, channelId: q.channelId });
    if (!token) return this.exchangeFailure;
    this.grant(q.userId, q.connectionName, token, defaultExpiration());
    return { status: 200, body: tokenResponse(q, this.tokens.get(key(q.userId, q.connectionName)) as Stored) };
  }

  /** `DELETE /api/usertoken/SignOut`: drops the user's token (of one connection, or all) and any mix-up, and logs it. */
  signOut(q: Record<string, string>): Answer {
    const problem = requireParams(q, ['userId'], this.connections);
    if (problem) return problem;
    const connection = q.connectionName || ANY;
    const mine = (k: string): boolean => k === key(q.userId, connection) || (connection === ANY && k.startsWith(`${q.userId}\n`));
    const removed: string[] = [];
    for (const [k, stored] of [...this.tokens.entries()]) {
      if (!mine(k)) continue;
      removed.push(stored.token);
      this.tokens.delete(k);
    }
    for (const k of [...this.mixUps.keys()]) if (mine(k) || k === key(q.userId, ANY)) this.mixUps.delete(k);
    this.signOutSeq.set(key(q.userId, connection), ++this.seq);
    this.signOuts.push({ userId: q.userId, connectionName: q.connectionName || undefined, channelId: q.channelId || undefined, tokens: removed, at: Date.now() });
    return { status: 200 };
  }

  /** `GET /api/usertoken/GetTokenStatus`: hasToken per known connection. */
  tokenStatus(q: Record<string, string>): Answer {
    const problem = requireParams(q, ['userId'], this.connections);
    if (problem) return problem;
    const include = q.include ? q.include.split(',').map((s) => s.trim()) : undefined;
    const names = new Set(Object.keys(this.connections ?? {}));
    for (const k of this.tokens.keys()) if (k.startsWith(`${q.userId}\n`)) names.add(k.slice(q.userId.length + 1));
    const body = [...names]
      .filter((n) => !include || include.includes(n))
      .map((connectionName) => ({
        channelId: q.channelId ?? null,
        connectionName,
        hasToken: this.lookup(q.userId, connectionName) !== undefined,
        serviceProviderDisplayName: this.connections?.[connectionName]?.serviceProviderDisplayName ?? 'Azure Active Directory v2',
      }));
    return { status: 200, body };
  }

  /** `POST /api/usertoken/GetAadTokens`: the stored token for each resource URL asked for. */
  aadTokens(q: Record<string, string>, body: unknown): Answer {
    const problem = requireParams(q, ['userId', 'connectionName'], this.connections);
    if (problem) return problem;
    const urls = (body as { resourceUrls?: unknown } | undefined)?.resourceUrls;
    if (!Array.isArray(urls) || urls.some((u) => typeof u !== 'string')) return badArgument('resourceUrls is required');
    const stored = this.lookup(q.userId, q.connectionName);
    const entries = stored ? urls.map((u: string) => [u, tokenResponse(q, stored)]) : [];
    return { status: 200, body: Object.fromEntries(entries) };
  }

  /** The user's stored token; with a pending mix-up, the account's token, stored for the user from now on. */
  private lookup(userId: string, connectionName: string): Stored | undefined {
    const k = key(userId, connectionName);
    const stored = this.tokens.get(k);
    if (stored) return stored;
    const account = this.mixUps.get(k) ?? this.mixUps.get(key(userId, ANY));
    const theirs = account === undefined ? undefined : this.tokens.get(key(account, connectionName));
    if (!theirs) return undefined;
    this.grant(userId, connectionName, theirs.token, theirs.expiration);
    return this.tokens.get(k);
  }
}

function defaultExpiration(): string {
  return new Date(Date.now() + 3_600_000).toISOString();
}

function tokenResponse(q: Record<string, string>, stored: Stored): TokenResponse {
  return { channelId: q.channelId ?? '', connectionName: q.connectionName, token: stored.token, expiration: stored.expiration };
}
