import { createServer as createHttpServer, IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import { createServer as createHttpsServer, Server as HttpsServer } from 'node:https';
import { randomBytes } from 'node:crypto';
import { closeServer, listen, readBody, sendJson } from './http-json';
import type { TestCa } from './test-ca';

/** Audience of bot-to-connector tokens in the public cloud. */
export const CONNECTOR_AUDIENCE = 'https://api.botframework.com';

/** A Teams channel account as returned by GET members/{id}. */
export interface TeamsMember {
  id: string;
  name: string;
  aadObjectId: string;
  userPrincipalName: string;
  tenantId: string;
  email?: string;
  givenName?: string;
  surname?: string;
  userRole?: string;
}

/** One recorded request to the connector. */
export interface ConnectorRequest {
  at: number;
  method: string;
  path: string;
  conversationId?: string;
  activityId?: string;
  body: unknown;
  authorized: boolean;
  tokenClaims?: Record<string, unknown>;
  status: number;
  /** What the fake answered (e.g. `{id}` of a new activity). */
  response?: unknown;
}

/** Bearer checking: verify tokens for `expectedAppId`, or accept anything (`anonymous`, local mode). */
export type ConnectorAuth =
  | { verify: (token: string) => Promise<Record<string, unknown>>; expectedAppId: string }
  | { anonymous: true };

/** Construction options for FakeConnector. */
export type FakeConnectorOptions = ConnectorAuth & { ca?: TestCa; maxActivityBytes?: number };

interface ScriptedResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

interface Waiter {
  check: () => boolean;
}

const DEFAULT_MAX_ACTIVITY_BYTES = 40 * 1024;

function connectorError(code: string, message: string): { error: { code: string; message: string } } {
  return { error: { code, message } };
}

/** Bot Connector REST API fake (the activity's serviceUrl): records every call and answers like the real service. */
export class FakeConnector {
  /** Recorded requests, oldest first. */
  readonly requests: ConnectorRequest[] = [];
  private readonly server: HttpServer | HttpsServer;
  private readonly auth: ConnectorAuth;
  private readonly maxActivityBytes: number;
  private readonly members = new Map<string, TeamsMember[]>();
  private readonly activities = new Map<string, Set<string>>();
  private readonly scripted: ScriptedResponse[] = [];
  private readonly waiters = new Set<Waiter>();
  private sequence = 0;
  private baseUrl = '';

  constructor(options: FakeConnectorOptions) {
    const handler = (req: IncomingMessage, res: ServerResponse): void => {
      this.handle(req, res).catch((err: unknown) => sendJson(res, 500, connectorError('ServiceError', String(err))));
    };
    if (options.ca) {
      const { certPem, keyPem } = options.ca.issue();
      this.server = createHttpsServer({ cert: certPem, key: keyPem }, handler);
    } else {
      this.server = createHttpServer(handler);
    }
    this.auth = 'anonymous' in options ? { anonymous: true } : { verify: options.verify, expectedAppId: options.expectedAppId };
    this.maxActivityBytes = options.maxActivityBytes ?? DEFAULT_MAX_ACTIVITY_BYTES;
  }

  /** Base URL to put in activities as `serviceUrl` (with trailing slash, like Teams). */
  get serviceUrl(): string {
    return `${this.baseUrl}/`;
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

  /** Makes `member` resolvable via GET members; scoped to one conversation or (default) to all. */
  addMember(member: TeamsMember, conversationId = '*'): void {
    const list = this.members.get(conversationId) ?? [];
    list.push(member);
    this.members.set(conversationId, list);
  }

  /** Declares an existing activity (e.g. one sent before the fake started) so it can be updated or deleted. */
  addActivity(conversationId: string, activityId: string): void {
    this.knownActivities(conversationId).add(activityId);
  }

  /** Queues a canned response for the next request (e.g. 429 with Retry-After, 413, 502). */
  failNext(status: number, body?: unknown, headers?: Record<string, string>): void {
    this.scripted.push({ status, body, headers });
  }

  /** Forgets recorded requests and queued failures (members and known activities stay). */
  clear(): void {
    this.requests.length = 0;
    this.scripted.length = 0;
  }

  /** Resolves with the first recorded request matching `predicate` (past or future); rejects after `timeoutMs`. */
  waitFor(predicate: (r: ConnectorRequest) => boolean, timeoutMs = 5000): Promise<ConnectorRequest> {
    return this.until(() => this.requests.find(predicate), timeoutMs, 'a matching request');
  }

  /** Resolves with all recorded requests once at least `n` have arrived; rejects after `timeoutMs`. */
  waitForCount(n: number, timeoutMs = 5000): Promise<ConnectorRequest[]> {
    return this.until(() => (this.requests.length >= n ? [...this.requests] : undefined), timeoutMs, `${n} requests`);
  }

  private until<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        check: () => {
          const found = probe();
          if (found === undefined) return false;
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve(found);
          return true;
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        const seen = this.requests.map((r) => `${r.method} ${r.path} -> ${r.status}`).join('\n  ');
        reject(new Error(`FakeConnector: timed out after ${timeoutMs} ms waiting for ${what}; recorded:\n  ${seen || '(none)'}`));
      }, timeoutMs);
      if (!waiter.check()) this.waiters.add(waiter);
    });
  }

  private knownActivities(conversationId: string): Set<string> {
    let set = this.activities.get(conversationId);
    if (!set) {
      set = new Set();
      this.activities.set(conversationId, set);
    }
    return set;
  }

  private newActivityId(conversationId: string): string {
    this.sequence += 1;
    const id = `${Date.now()}${String(this.sequence).padStart(3, '0')}`;
    this.knownActivities(conversationId).add(id);
    return id;
  }

  private async authorize(req: IncomingMessage): Promise<{ authorized: boolean; claims?: Record<string, unknown> }> {
    if ('anonymous' in this.auth) return { authorized: true };
    const header = req.headers.authorization ?? '';
    const match = /^Bearer (\S+)$/.exec(header);
    if (!match) return { authorized: false };
    try {
      const claims = await this.auth.verify(match[1]);
      const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
      const appId = claims.appid ?? claims.azp;
      const ok = audiences.includes(CONNECTOR_AUDIENCE) && appId === this.auth.expectedAppId;
      return { authorized: ok, claims };
    } catch {
      return { authorized: false };
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const segments = path.split('/').filter(Boolean).map(decodeURIComponent);
    const text = await readBody(req);
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    const { authorized, claims } = await this.authorize(req);
    const record: ConnectorRequest = {
      at: Date.now(),
      method,
      path,
      conversationId: segments[0] === 'v3' && segments[1] === 'conversations' ? segments[2] : undefined,
      activityId: segments[3] === 'activities' ? segments[4] : undefined,
      body,
      authorized,
      tokenClaims: claims,
      status: 0,
    };
    const reply = (status: number, payload?: unknown, headers?: Record<string, string>): void => {
      record.status = status;
      record.response = payload;
      this.requests.push(record);
      sendJson(res, status, payload, headers);
      for (const waiter of [...this.waiters]) waiter.check();
    };
    if (!authorized) return reply(401, { message: 'Authorization has been denied for this request.' });
    const scripted = this.scripted.shift();
    if (scripted) return reply(scripted.status, scripted.body, scripted.headers);
    this.route(method, segments, text, body, reply);
  }

  private route(
    method: string,
    segments: string[],
    text: string,
    body: unknown,
    reply: (status: number, payload?: unknown, headers?: Record<string, string>) => void,
  ): void {
    const [v3, conversations, conversationId, sub, subId, extra] = segments;
    if (v3 !== 'v3' || conversations !== 'conversations' || extra !== undefined) {
      return reply(404, connectorError('NotFound', `No route for ${method} /${segments.join('/')}`));
    }
    const isActivityBody = (method === 'POST' || method === 'PUT') && sub === 'activities';
    if (isActivityBody || (method === 'POST' && conversationId === undefined)) {
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        return reply(400, connectorError('BadArgument', 'Request body must be a JSON object'));
      }
    }
    if (isActivityBody) {
      if (text.length * 2 > this.maxActivityBytes) {
        return reply(413, connectorError('MessageSizeTooBig', 'Message size too big'));
      }
      if (typeof (body as { type?: unknown }).type !== 'string') {
        return reply(400, connectorError('BadArgument', 'Activity type is required'));
      }
    }
    if (method === 'POST' && conversationId === undefined) {
      const id = `a:${randomBytes(24).toString('base64url')}`;
      const activity = (body as { activity?: unknown }).activity;
      const response: Record<string, string> = { id };
      if (activity) response.activityId = this.newActivityId(id);
      return reply(201, response);
    }
    if (conversationId === undefined) return reply(405, connectorError('BadArgument', 'Method not allowed'));
    if (sub === 'activities' && method === 'POST') {
      return reply(201, { id: this.newActivityId(conversationId) });
    }
    if (sub === 'activities' && subId !== undefined && (method === 'PUT' || method === 'DELETE')) {
      if (!this.knownActivities(conversationId).has(subId)) {
        return reply(404, connectorError('ActivityNotFoundInConversation', `Activity ${subId} not found in conversation`));
      }
      if (method === 'DELETE') {
        this.knownActivities(conversationId).delete(subId);
        return reply(200);
      }
      return reply(200, { id: subId });
    }
    if (sub === 'members' && method === 'GET') {
      const candidates = [...(this.members.get(conversationId) ?? []), ...(this.members.get('*') ?? [])];
      if (subId === undefined) return reply(200, candidates);
      const member = candidates.find((m) => m.id === subId || m.aadObjectId === subId);
      if (!member) return reply(404, connectorError('MemberNotFoundInConversation', 'The specified member is not found in the conversation'));
      return reply(200, member);
    }
    reply(404, connectorError('NotFound', `No route for ${method} /${segments.join('/')}`));
  }
}
