import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import { createServer as createHttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { createServer as createHttpsServer } from 'node:https';
import { ConnectorConversations, connectorError, type ChannelRefusal, type TeamsMember } from './connector/conversations';
import { closeServer, listen, readBody, sendJson } from './http-json';
import type { TestCa } from './test-ca';

export type { ChannelRefusal, TeamsMember } from './connector/conversations';

/** Audience of bot-to-connector tokens in the public cloud. */
export const CONNECTOR_AUDIENCE = 'https://api.botframework.com';

/** One recorded request to the connector. */
export interface ConnectorRequest {
  at: number;
  method: string;
  path: string;
  /** The conversation in the path; for Create Conversation, the conversation it created (a channel thread: `<channel>;messageid=<id>`). */
  conversationId?: string;
  /** The activity in the path; for Create Conversation, the new conversation's first activity. */
  activityId?: string;
  /** What was sent: the activity; for Create Conversation, the parameters' `activity` (the whole parameters are in `conversationParameters`). */
  body: unknown;
  /** Create Conversation only: the request body as received (`isGroup`, `channelData`, `activity`, `bot`, `tenantId`...). */
  conversationParameters?: unknown;
  /** Create Conversation only: the Teams channel addressed (`channelData.channel.id`), absent for a 1:1 chat. */
  channelId?: string;
  authorized: boolean;
  tokenClaims?: Record<string, unknown>;
  status: number;
  /** What the fake answered (e.g. `{id}` of a new activity). */
  response?: unknown;
}

/** Bearer checking: verify tokens for `expectedAppId`, or accept anything (`anonymous`, local mode). */
export type ConnectorAuth = { verify: (token: string) => Promise<Record<string, unknown>>; expectedAppId: string } | { anonymous: true };

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

/** Bot Connector REST API fake (the activity's serviceUrl): records every call and answers like the real service. */
export class FakeConnector {
  /** Recorded requests, oldest first. */
  readonly requests: ConnectorRequest[] = [];
  private readonly server: HttpServer | HttpsServer;
  private readonly auth: ConnectorAuth;
  private readonly conversations: ConnectorConversations;
  private readonly scripted: ScriptedResponse[] = [];
  private readonly waiters = new Set<Waiter>();
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
    this.conversations = new ConnectorConversations(options.maxActivityBytes ?? DEFAULT_MAX_ACTIVITY_BYTES);
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
    this.conversations.addMember(member, conversationId);
  }

  /** Declares an existing activity (e.g. one sent before the fake started) so it can be updated or deleted. */
  addActivity(conversationId: string, activityId: string): void {
    this.conversations.addActivity(conversationId, activityId);
  }

  /**
   * Makes a Teams channel unreachable: new threads in it and every call on its threads answer 403
   * BotNotInConversationRoster (the bot was removed from the team) or 404 ConversationNotFound (the
   * channel is gone), until `admitChannel` or `clear`.
   */
  refuseChannel(channelId: string, status: ChannelRefusal): void {
    this.conversations.refuse(channelId, status);
  }

  /** Undoes `refuseChannel`. */
  admitChannel(channelId: string): void {
    this.conversations.admit(channelId);
  }

  /** Queues a canned response for the next request (e.g. 429 with Retry-After, 413, 502). */
  failNext(status: number, body?: unknown, headers?: Record<string, string>): void {
    this.scripted.push({ status, body, headers });
  }

  /** Forgets recorded requests, queued failures and refused channels (members and known activities stay). */
  clear(): void {
    this.requests.length = 0;
    this.scripted.length = 0;
    this.conversations.clearRefusals();
  }

  /** Resolves with the first recorded request matching `predicate` (past or future); rejects after `timeoutMs`. */
  waitFor(predicate: (r: ConnectorRequest) => boolean, timeoutMs = 5000): Promise<ConnectorRequest> {
    return this.until(() => this.requests.find(predicate), timeoutMs, 'a matching request');
  }

  /** Resolves with all recorded requests once at least `n` have arrived; rejects after `timeoutMs`. */
  waitForCount(n: number, timeoutMs = 5000): Promise<ConnectorRequest[]> {
    return this.until(() => (this.requests.length >= n ? [...this.requests] : undefined), timeoutMs, `${n} requests`);
  }

  /**
   * Resolves with the first new thread the bot posted in `channelId` (Create Conversation answered 201;
   * past or future): `body` is the posted activity, `conversationId` the thread, `activityId` its root.
   */
  waitForChannelPost(channelId: string, timeoutMs = 5000): Promise<ConnectorRequest> {
    const probe = (): ConnectorRequest | undefined => this.requests.find((r) => r.channelId === channelId && r.status === 201);
    return this.until(probe, timeoutMs, `a new thread in channel ${channelId}`);
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
    const isCreate = method === 'POST' && segments.length === 2 && segments[0] === 'v3' && segments[1] === 'conversations';
    const record: ConnectorRequest = {
      at: Date.now(),
      method,
      path,
      conversationId: segments[0] === 'v3' && segments[1] === 'conversations' ? segments[2] : undefined,
      activityId: segments[3] === 'activities' ? segments[4] : undefined,
      body: isCreate ? activityOf(body) : body,
      ...(isCreate ? { conversationParameters: body, channelId: channelOf(body) } : {}),
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
    const { answer, created } = this.conversations.route(method, segments, text, body);
    if (created?.conversationId) {
      record.conversationId = created.conversationId;
      record.activityId = created.activityId;
    }
    reply(answer.status, answer.payload, answer.headers);
  }
}

function activityOf(parameters: unknown): unknown {
  return typeof parameters === 'object' && parameters !== null ? (parameters as { activity?: unknown }).activity : undefined;
}

function channelOf(parameters: unknown): string | undefined {
  const id = (parameters as { channelData?: { channel?: { id?: unknown } } } | undefined)?.channelData?.channel?.id;
  return typeof id === 'string' && id !== '' ? id : undefined;
}
